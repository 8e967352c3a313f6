// conversation.js - the conversation view (#/c/CONV; moved out of staff.js,
// issue 15): the conversation chips above it when the family has more than
// one, the messages day by day (message.js draws each one; what waits in the
// outbox after them), "Vis ældre beskeder" for the older history, and the
// reply box: a message to the family or an internal note (the team's members
// who are not in the pair write notes only), the counter near the 4,000
// characters, who gets it by SMS (smsout.js), each conversation's draft, and
// sending through the outbox.  New messages are said to a screen reader.
//
// staff.js owns the routes, the drafts (a lock keeps them) and the
// connection: it calls openConv() when the route shows a conversation and
// leaveConv() when it shows anything else.  The reply box's size is
// composer.js's; a correction borrows the box through composerHooks()
// (correct.js).  A family whose case is closed (issue 16, record.js): a
// notice "Sagen er lukket …" over the messages and a reply box that cannot
// be written in (the gateway would refuse with case_closed anyway).

import { h, clear, announce, codePoints, reconcile } from '../shared/dom.js';
import { dayKey, dayLabel } from '../shared/format.js';
import { attSig } from '../shared/attachments.js';
import { convName, isRestricted } from './families.js';
import { showHandled, hideHandled } from './handled.js';
import { composing, showAnswering, hideAnswering } from './answering.js';
import { refreshComposer } from './composer.js';
import { showQuietLine, hideQuietLine } from './quiet.js';
import { openSmsOut, composerLine, canMarkNoSms, smsLine } from './smsout.js';
import { showScheduled, hideScheduled } from './scheduled.js';
import { ready as filesReady, takePicked, dropPicked } from './attach.js';
import { editSig, armExpiry, isEditing, submitEdit, cancelEdit } from './correct.js';
import { mentionsMe } from './mentions.js';
import { closePicker } from './templates.js';
import { renderMessage, renderPending, deliveryText, membersLine } from './message.js';
import { loadRecord, closedNotice, onRecord } from './record.js';
import { t, lang } from './i18n.js';

const MAX_BODY = 4000;
const COUNT_FROM = 3500;

let store = null;
let conn = null;
let outbox = null;
let drafts = null; // conv id -> {text, kind}; staff.js's (a lock keeps them)
let el = {};
let route = () => ({ view: null });
let currentFamily = () => undefined;
let humanError = (e) => String(e);
let renderedConv = null;
const lastConv = new Map(); // family id -> last conversation opened

// elements: the view's elements by their ids (scroller, older,
// history-start, msgs, composer, mode, kind-text, kind-note, mode-hint,
// sms-hint, no-sms-field, no-sms, body, body-label, counter, send,
// send-error, members, conv-picker, live, conv-closed, attach-btn,
// later-btn); route: () => the current route
// ({view, convId}); family: () => the family on screen; errorText: an error
// in words.
export function initConversation({ store: s, conn: c, outbox: o, drafts: d, elements, route: r, family, errorText }) {
  store = s;
  conn = c;
  outbox = o;
  drafts = d;
  el = elements;
  route = r;
  currentFamily = family;
  humanError = errorText;
  el.older.addEventListener('click', loadOlder);
  el.composer.addEventListener('submit', (e) => {
    e.preventDefault();
    sendFromComposer();
  });
  el.body.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      sendFromComposer();
    }
  });
  el.body.addEventListener('input', () => {
    saveDraft();
    updateCounter();
    noteComposing({ typed: true });
  });
  el['no-sms'].addEventListener('change', updateCounter);
  el['kind-text'].addEventListener('change', () => setMode('text'));
  el['kind-note'].addEventListener('change', () => setMode('note'));
  conn.addEventListener('servererror', (e) => {
    if (e.detail.code === 'rate_limited') showSendError(t('conv.too_fast'));
  });
  store.addEventListener('message', (e) => onStoreMessage(e.detail));
  store.addEventListener('receipt', (e) => {
    if (route().view === 'conv' && e.detail.conv.id === route().convId) renderMessages();
  });
  // A file was checked: its thumbnail or link, or why it was rejected.
  store.addEventListener('attachment', (e) => {
    if (route().view === 'conv' && e.detail.conv && e.detail.conv.id === route().convId) renderMessages();
  });
  store.addEventListener('history', (e) => {
    if (route().view === 'conv' && e.detail.conv.id === route().convId) renderMessages({ keepOffset: true });
  });
  outbox.addEventListener('change', () => {
    if (route().view === 'conv') renderMessages();
  });
  outbox.addEventListener('failed', (e) => {
    showSendError(humanError({ code: e.detail.code }));
    // Closed meanwhile (by the partner, a leader): the notice comes with the record.
    const conv = e.detail.code === 'case_closed' && store.convs.get(e.detail.item.conv);
    if (conv) loadRecord(conv.family.id).catch(() => {});
  });
  onRecord((rec) => {
    const conv = route().view === 'conv' ? store.convs.get(route().convId) : null;
    if (conv && conv.family.id === rec.family) applyClosed();
  });
}

// The conversation on screen is its family's closed case: the notice, and a
// reply box that cannot be written in; open again when the case is.
function applyClosed() {
  const conv = route().view === 'conv' ? store.convs.get(route().convId) : null;
  const text = conv ? closedNotice(conv.family.id) : '';
  const shut = !!text;
  const notice = el['conv-closed'];
  notice.hidden = !shut;
  if (notice.textContent !== text) notice.textContent = text;
  el.composer.classList.toggle('closed', shut);
  el.body.disabled = shut;
  if (shut || !isEditing()) el.mode.disabled = shut; // a correction locks the mode itself
  for (const b of [el['attach-btn'], el['later-btn'], el.composer.querySelector('.tmpl-btn')]) if (b) b.disabled = shut;
  const described = new Set((el.body.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean));
  if (shut) described.add(notice.id);
  else described.delete(notice.id);
  el.body.setAttribute('aria-describedby', [...described].join(' '));
  updateCounter();
}

function closedHere() {
  return !el['conv-closed'].hidden;
}

// The reply box as correct.js borrows it for a correction.
export function composerHooks() {
  return {
    form: el.composer, textarea: el.body,
    getText: () => el.body.value,
    getKind: currentKind,
    setText: (text) => {
      el.body.value = text;
      updateCounter();
      refreshComposer();
    },
    setMode: (kind) => setMode(kind, { keepDraft: true }),
    lockMode: (on) => {
      el.mode.disabled = on;
    },
    focus: () => el.body.focus(),
    showError: showSendError,
    clearError: clearSendError,
    labels: ({ label, send }) => {
      el['body-label'].textContent = label;
      el.send.textContent = send;
      el['sms-hint'].hidden = true;
    },
  };
}

// The last conversation opened of a family (its "Samtale" tab goes there).
export function lastConvOf(familyId) {
  return lastConv.get(familyId);
}

// Conversation chips, when the family has more than one.
export function renderConvPicker(f) {
  clear(el['conv-picker']);
  if (f.convs.length > 1) {
    for (const c of f.convs) {
      el['conv-picker'].append(
        h('a', { class: 'conv-chip', href: `#/c/${c.id}`, 'aria-current': route().convId === c.id ? 'page' : null },
          convName(c),
          isRestricted(c, f) ? h('span', { class: 'restricted-tag' }, t('conv.restricted')) : null,
          c.unread ? h('span', { class: 'badge' }, String(c.unread), h('span', { class: 'visually-hidden' }, ` ${t('conv.unread')}`)) : null),
      );
    }
  }
}

export async function openConv(convId, changed) {
  const conv = store.convs.get(convId);
  if (!conv) {
    clear(el.msgs);
    return;
  }
  const f = currentFamily();
  lastConv.set(conv.family.id, convId);
  if (changed || renderedConv !== convId) {
    cancelEdit({ quiet: true }); // a correction stays with its conversation
    closePicker();
    if (renderedConv !== null) saveDraft(renderedConv);
    if (renderedConv !== convId) dropPicked(); // files picked for one family never go to another
    renderedConv = convId;
    el['send-error'].hidden = true;
    const teamOnly = f && !f.pair;
    el.mode.hidden = teamOnly;
    const d = drafts.get(convId) || { text: '', kind: teamOnly ? 'note' : 'text' };
    el.body.value = d.text;
    refreshComposer();
    setMode(teamOnly ? 'note' : d.kind, { keepDraft: true });
    showQuietLine(conv.family.id);
    showScheduled(convId, { pair: !teamOnly });
    showHandled(convId);
    showAnswering(convId);
    // One line (staff.css cuts it on a narrow screen; the whole in its title).
    el.members.textContent = membersLine(conv, f);
    el.members.title = el.members.textContent;
    el['no-sms'].checked = false;
    renderMessages({ toBottom: true });
    loadRecord(conv.family.id).catch(() => {
      /* not known: the gateway still refuses a message to a closed case */
    });
  }
  applyClosed(); // as far as known now; the record is read again above
  openSmsOut(convId); // afresh each time: the family page may have changed who gets SMS
  await ensureLoaded(convId);
  // Back in a conversation loaded before: what came meanwhile is read now.
  if (route().view === 'conv' && route().convId === convId && document.visibilityState === 'visible') store.markRead(convId);
}

// The route left the conversation: what belongs to it goes.
export function leaveConv() {
  hideQuietLine();
  hideScheduled();
  hideHandled();
  hideAnswering();
  composing(null); // left the conversation: no longer answering there
  if (isEditing()) {
    cancelEdit({ quiet: true });
    saveDraft();
  }
  closePicker();
}

// Someone else signs in on this page: nothing of the last user's stays.
export function resetConversation() {
  el.body.value = '';
  refreshComposer();
  renderedConv = null;
  clear(el.msgs);
}

export async function ensureLoaded(convId) {
  const conv = store.convs.get(convId);
  if (!conv || conv.loaded || !conn.isOpen) return;
  try {
    await store.loadOlder(convId);
    renderMessages({ toBottom: true });
    store.markRead(convId);
  } catch (e) {
    if (e.code !== 'disconnected') showSendError(humanError(e));
  }
}

async function loadOlder() {
  if (route().view !== 'conv') return;
  el.older.disabled = true;
  try {
    await store.loadOlder(route().convId);
  } catch (e) {
    showSendError(humanError(e));
  } finally {
    el.older.disabled = false;
  }
}

function setMode(kind, { keepDraft = false } = {}) {
  const note = kind === 'note';
  el['kind-text'].checked = !note;
  el['kind-note'].checked = note;
  el.composer.classList.toggle('note-mode', note);
  const f = currentFamily();
  const teamOnly = f && !f.pair;
  el['mode-hint'].textContent = note
    ? teamOnly
      ? t('conv.hint_team_note')
      : t('conv.hint_note')
    : t('conv.hint_text');
  el['body-label'].textContent = note ? t('conv.label_note') : t('conv.label_text');
  el.body.placeholder = note ? t('conv.placeholder_note') : t('conv.placeholder_text');
  el.send.textContent = note ? t('conv.send_note') : t('conv.send_text');
  if (!keepDraft) saveDraft();
  updateCounter();
  noteComposing(); // a reply turned note is no longer an answer (and a new conversation stops the last)
}

// Tells answering.js what the reply box holds, and where.
function noteComposing({ typed = false } = {}) {
  const text = isEditing() ? '' : el.body.value; // a correction is no answer
  composing(route().view === 'conv' ? route().convId : null, text, currentKind(), { typed });
}

export function currentKind() {
  return el['kind-note'].checked ? 'note' : 'text';
}

export function saveDraft(convId = renderedConv) {
  if (convId === null || isEditing()) return; // correct.js keeps the draft meanwhile
  drafts.set(convId, { text: el.body.value, kind: currentKind() });
}

export function updateCounter() {
  const n = codePoints(el.body.value.trim());
  const c = el.counter;
  const locale = lang().locale;
  c.classList.toggle('over', n > MAX_BODY);
  c.textContent = n >= COUNT_FROM ? t('conv.counter', { n: n.toLocaleString(locale), max: MAX_BODY.toLocaleString(locale) }) : '';
  el.send.disabled = n > MAX_BODY || closedHere();
  updateSmsHint();
}

// Who gets it by SMS, and what it costs there (smsout.js); a note never goes.
function updateSmsHint() {
  const text = route().view === 'conv' && currentKind() === 'text' && !isEditing();
  const line = text ? composerLine(route().convId, el.body.value, el['no-sms'].checked, (store.me || {}).name || '') : '';
  el['sms-hint'].textContent = line;
  el['sms-hint'].hidden = !line;
  el['no-sms-field'].hidden = !text || !canMarkNoSms(route().convId);
}

export function showSendError(text) {
  el['send-error'].textContent = text;
  el['send-error'].hidden = false;
}

export function clearSendError() {
  el['send-error'].hidden = true;
}

async function sendFromComposer() {
  if (route().view !== 'conv') return;
  if (isEditing()) {
    submitEdit();
    return;
  }
  const convId = route().convId;
  if (closedHere()) return; // the notice says why
  const body = el.body.value.trim();
  el['send-error'].hidden = true;
  const withFiles = await filesReady(); // a photo still being made smaller goes with it
  if ((!body && !withFiles) || route().view !== 'conv' || route().convId !== convId) return;
  if (codePoints(body) > MAX_BODY) {
    showSendError(t('conv.too_long'));
    return;
  }
  const noSms = currentKind() === 'text' && !el['no-sms-field'].hidden && el['no-sms'].checked;
  outbox.add(route().convId, body, currentKind(), { no_sms: noSms, files: withFiles ? takePicked() : [] });
  el.body.value = '';
  el['no-sms'].checked = false;
  saveDraft();
  updateCounter();
  refreshComposer();
  noteComposing(); // sent: no longer answering
  renderMessages({ toBottom: true });
}

function onStoreMessage({ conv, message: m, live }) {
  const mine = store.me && m.sender.id === store.me.id;
  const open = route().view === 'conv' && route().convId === conv.id;
  if (open) {
    renderMessages({ toBottom: mine });
    if (!mine && document.visibilityState === 'visible') store.markRead(conv.id);
  }
  if (live && !mine) {
    const note = m.kind === 'note';
    announce(
      el.live,
      open
        ? t(note ? 'conv.new_note_here' : 'conv.new_message_here', { name: m.sender.name, text: m.body.slice(0, 140) })
        : t(note ? 'conv.new_note_in' : 'conv.new_message_in', { name: m.sender.name, family: conv.family.name, conv: convName(conv) }),
    );
  }
}

// Draws the messages again if CONV is on screen.
export function rerender(convId) {
  if (route().view === 'conv' && route().convId === convId) renderMessages();
}

export function renderMessages({ toBottom = false, keepOffset = false } = {}) {
  if (route().view !== 'conv') return;
  const conv = store.convs.get(route().convId);
  if (!conv) return;
  const sc = el.scroller;
  const fromBottom = sc.scrollHeight - sc.scrollTop;
  const atBottom = sc.scrollHeight - sc.scrollTop - sc.clientHeight < 60;
  const items = [];
  const locale = lang().locale;
  const words = { today: t('conv.today'), yesterday: t('conv.yesterday') };
  let lastDay = null;
  const addDay = (ts) => {
    const k = dayKey(ts);
    if (k === lastDay) return;
    lastDay = k;
    const label = dayLabel(ts, locale, words);
    items.push({ key: `d:${k}`, sig: label, render: () => h('li', { class: 'day-sep' }, h('span', null, label)) });
  };
  for (const m of store.sorted(conv)) {
    addDay(m.created_at);
    const mine = store.me && m.sender.id === store.me.id;
    const files = attSig(m);
    const sig = `${files}|${editSig(m)}|${mentionsMe(m) ? '@' : ''}`;
    items.push({ key: `m:${m.id}`, sig: mine ? `${deliveryText(conv, m)}|${smsLine(conv, m)}|${sig}` : sig, render: () => renderMessage(conv, m) });
  }
  const pending = outbox.forConv(conv.id);
  for (const it of pending) {
    addDay(it.queued_at);
    const files = (it.files || []).map((f) => (f.upload ? 'u' : '-')).join('');
    items.push({ key: `p:${it.client_id}`, sig: `${it.state}|${conn.isOpen}|${it.error || ''}|${files}`, render: () => renderPending(conv, it) });
  }
  let hint = '';
  if (!conv.loaded && !conv.messages.size) hint = conn.isOpen ? t('conv.loading') : t('conv.loading_offline');
  else if (conv.loaded && conv.messages.size === 0 && !pending.length) hint = t('conv.empty');
  if (hint) items.push({ key: 'hint', sig: hint, render: () => h('li', { class: 'hint' }, hint) });
  reconcile(el.msgs, items);
  el.older.hidden = !conv.loaded || !conv.more;
  el['history-start'].hidden = !conv.loaded || conv.more || conv.messages.size === 0;
  if (keepOffset) sc.scrollTop = sc.scrollHeight - fromBottom;
  else if (toBottom || atBottom) sc.scrollTop = sc.scrollHeight;
  armExpiry(conv); // "Ret" goes by itself after five minutes
}
