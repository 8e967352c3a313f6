// answering.js - "I'm answering" (issue 15): a pair adviser who writes a reply
// to the family shows it to the partner and the team live, so the two do not
// both answer the same message.  The gateway relays it and stores nothing
// (docs/websocket.md, `answering`); it lapses a minute after it was last said.
//
// Saying it.  Only a pair adviser (CONV.primary/secondary) and only a reply to
// the family, never an internal note: a team member would be refused
// (`forbidden`).  The first keystroke of a non-empty reply says it at once;
// later keystrokes say it again once RENEW_MS has passed since the last time.
// So it lives on while the adviser writes, and an adviser who stops typing
// lets it lapse by itself 40-60 s after the last keystroke: there is no
// timer here that says it for someone who went for coffee.  `stop` withdraws
// it when the reply becomes empty, is sent, turns into a note, when the
// adviser leaves the conversation, and when the page goes away.
//
// Showing it.  The `answering` frames of the others, kept per conversation and
// user with `until` on the gateway's clock (waiting.js's now(), from the
// welcome's server_time, so a computer whose clock is off does not end it too
// early or late).  An entry ends at `until` (one timer, for the earliest), when
// a frame with `until: null` comes, or when a `waiting` frame says that user
// answered it.  The open conversation's line shows it here (#conv-answering,
// beside handled.js's line); the caseload asks answeringIn() for its rows.
// A screen reader hears it once when it starts in the conversation on screen
// (the polite live region), not at each renewal nor in the caseload, where a
// busy team would make it chatter.

import { announce } from '../shared/dom.js';
import { inPair } from './families.js';
import { answeringText, now } from './waiting.js';

export const RENEW_MS = 20000;

let conn = null;
let store = null;
let line = null;
let live = null;
let onChange = () => {};
let openConv = null; // the conversation on screen (its line), or null
let userId = null; // whose page this is (the last welcome)

// What we said: {conv, at (Date.now() of the last say)} or null.
let said = null;
const refused = new Set(); // conversations the gateway would not take it for

// What the others say: conv id -> Map(user id -> {user, until (ms, gateway's clock)}).
const others = new Map();
let timer = null;

// conn, store; element: the open conversation's notice (#conv-answering);
// liveRegion: the polite region; change(convId): a conversation's notice
// changed (the caseload redraws its row).
export function initAnswering({ conn: c, store: s, element, liveRegion, change }) {
  conn = c;
  store = s;
  line = element;
  live = liveRegion;
  if (change) onChange = change;
  conn.addEventListener('answering', (e) => onFrame(e.detail));
  // A reply that stopped the conversation waiting ends its author's notice,
  // whatever became of their `stop`.
  store.addEventListener('waiting', (e) => {
    const conv = e.detail.conv;
    const by = !conv.waiting && conv.answered && conv.answered.by;
    if (by && drop(conv.id, by.id)) changed(conv.id);
  });
  conn.addEventListener('welcome', (e) => {
    // Another user on this page: nothing of the last one's stays.
    const id = e.detail.user && e.detail.user.id;
    if (userId !== null && id !== userId) resetAnswering();
    userId = id;
  });
  if (typeof window !== 'undefined') window.addEventListener('pagehide', () => composing(null));
}

// ---- Saying it ---------------------------------------------------------------------

// The reply box changed, or where it is: convId (null: no conversation on
// screen), its text and kind; typed: a keystroke (only that says it).
export function composing(convId, text = '', kind = 'text', { typed = false } = {}) {
  const conv = convId !== null && store ? store.convs.get(convId) : null;
  const want = !!(conv && kind === 'text' && text.trim() && inPair(conv, store.me) && !refused.has(convId));
  if (said && (!want || said.conv !== convId)) {
    const was = said.conv;
    said = null;
    tell(was, true);
  }
  if (want && typed && (!said || Date.now() - said.at >= RENEW_MS)) {
    said = { conv: convId, at: Date.now() };
    tell(convId, false);
  }
}

function tell(convId, stop) {
  if (!conn || !conn.isOpen) {
    if (!stop) said = null; // not said: the next keystroke tries again
    return;
  }
  conn.answering(convId, stop).catch((e) => {
    if (stop || !said || said.conv !== convId) return;
    said = null;
    // Not in the pair after all (a handover meanwhile): never again here.
    if (e && (e.code === 'forbidden' || e.code === 'not_found')) refused.add(convId);
  });
}

// ---- Showing it ----------------------------------------------------------------------

function onFrame(f) {
  if (!f || typeof f.conv !== 'number' || !f.user) return;
  if (store.me && f.user.id === store.me.id) return; // ourselves, from another window
  const until = f.until ? Date.parse(f.until) : NaN;
  if (!Number.isFinite(until) || until <= now()) {
    if (drop(f.conv, f.user.id)) changed(f.conv);
    return;
  }
  let m = others.get(f.conv);
  if (!m) others.set(f.conv, (m = new Map()));
  const fresh = !m.has(f.user.id);
  m.set(f.user.id, { user: f.user, until });
  schedule();
  if (fresh) {
    changed(f.conv);
    if (f.conv === openConv) announce(live, noticeText(f.conv));
  }
}

function drop(convId, userId) {
  const m = others.get(convId);
  if (!m || !m.delete(userId)) return false;
  if (!m.size) others.delete(convId);
  schedule();
  return true;
}

// One timer, for the earliest lapse; what is due goes.
function schedule() {
  clearTimeout(timer);
  timer = null;
  let next = Infinity;
  for (const m of others.values()) for (const x of m.values()) next = Math.min(next, x.until);
  if (next === Infinity) return;
  timer = setTimeout(lapse, Math.max(0, next - now()) + 50);
}

function lapse() {
  const t = now();
  const hit = [];
  for (const [convId, m] of others) {
    for (const [userId, x] of m) if (x.until <= t) hit.push([convId, userId]);
  }
  for (const [convId, userId] of hit) drop(convId, userId);
  for (const convId of new Set(hit.map(([c]) => c))) changed(convId);
  schedule();
}

function changed(convId) {
  if (convId === openConv) render();
  onChange(convId);
}

// Who is writing an answer in the conversation (not us), by id.
export function answeringIn(convId) {
  const m = others.get(convId);
  return m ? [...m.values()].sort((a, b) => a.user.id - b.user.id).map((x) => x.user) : [];
}

// "Bo skriver et svar…", or ''.
export function noticeText(convId) {
  const conv = store && store.convs.get(convId);
  return answeringText(answeringIn(convId), (conv && conv.members) || []);
}

// The conversation now on screen: its notice is drawn (or none).
export function showAnswering(convId) {
  openConv = convId;
  render();
}

export function hideAnswering() {
  openConv = null;
  render();
}

function render() {
  if (!line) return;
  const text = openConv !== null ? noticeText(openConv) : '';
  if (line.textContent !== text) line.textContent = text;
  line.hidden = !text;
}

// Sign-out, or another user: nothing said, nothing shown.
export function resetAnswering() {
  composing(null);
  said = null;
  refused.clear();
  others.clear();
  clearTimeout(timer);
  timer = null;
  render();
}
