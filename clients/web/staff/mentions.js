// mentions.js - @mentions in internal notes (issue 15).  A note that names a
// colleague by their username ("@bo, kan du ringe til skolen?") notifies
// them (the gateway: Web Push, docs/websocket.md `send`); here:
//
//   - the notes that name the signed-in user are marked for that user only
//     (a border and "Nævner dig" in the head: in words, not by colour alone);
//   - such a note arriving live, in a conversation not on screen, gives a
//     short notice with a link to it (notices.js), and a screen reader hears
//     it;
//   - in the reply box, in note mode, "@" offers the colleagues who may read
//     the note: the conversation's pair (CONV.members with role adviser),
//     then the rest of the family's team, each with their username (from GET
//     /api/me/teams, teams.js; USER objects carry none).  A list box under
//     the keyboard: arrow keys, Enter or Tab inserts "@username ", Escape
//     closes it; a click too.  A colleague whose username the client does not
//     know is not offered: their name would notify nobody.
//
// What counts as a mention is the gateway's rule (core/service/mention.c):
// "@" not after a letter, digit, ".", "_" or "-" (an e-mail address is no
// mention), then letters, digits, ".", "_", "-", without a "." or "-" at the
// end ("@bo." ends a sentence).  Usernames compare without regard to case.

import { h, announce } from '../shared/dom.js';
import { familyTeam, myUsername, usernameOf } from './teams.js';
import { families, convName } from './families.js';
import { showNotice } from './notices.js';
import { t } from './i18n.js';

const NAME_CHAR = /[A-Za-z0-9._-]/;

// The usernames a note names, in order (at most 10, as the gateway looks up).
export function mentionedNames(body) {
  const out = [];
  const s = String(body || '');
  for (let i = s.indexOf('@'); i !== -1 && out.length < 10; i = s.indexOf('@', i + 1)) {
    if (i > 0 && NAME_CHAR.test(s[i - 1])) continue;
    let n = 0;
    while (i + 1 + n < s.length && NAME_CHAR.test(s[i + 1 + n])) n += 1;
    while (n > 0 && (s[i + n] === '.' || s[i + n] === '-')) n -= 1;
    if (n > 0) out.push(s.slice(i + 1, i + 1 + n));
  }
  return out;
}

export function names(body, username) {
  const u = String(username || '').toLowerCase();
  return !!u && mentionedNames(body).some((n) => n.toLowerCase() === u);
}

let store = null;
let live = null;
let isOpen = () => false;

// Whether the note names the signed-in user (never their own note).
export function mentionsMe(m) {
  if (!m || m.kind !== 'note' || m.withdrawn || !store || !store.me) return false;
  if (m.sender && m.sender.id === store.me.id) return false;
  return names(m.body, myUsername());
}

// The head's "Nævner dig" (or nothing).
export function mentionTag(m) {
  if (!mentionsMe(m)) return null;
  return h('span', { class: 'mention-tag' }, h('span', { 'aria-hidden': 'true' }, `@ ${t('mentions.tag')}`),
    h('span', { class: 'visually-hidden' }, t('mentions.tag_spoken')));
}

// store; liveRegion; openConv(): the id of the conversation on screen (and
// visible), else null.  form, textarea: the reply box; isNote(): note mode;
// convId(): the open conversation.
export function initMentions({ store: s, liveRegion, openConv, form, textarea, isNote, convId }) {
  store = s;
  live = liveRegion;
  if (openConv) isOpen = openConv;
  store.addEventListener('message', (e) => {
    const { conv, message: m, live: isLive } = e.detail;
    if (!isLive || !mentionsMe(m)) return;
    if (isOpen() === conv.id) {
      announce(live, t('mentions.spoken', { who: m.sender.name, family: conv.family.name }));
      return;
    }
    showNotice({
      key: `mention:${m.id}`, kind: 'mention',
      text: t('mentions.notice', { who: m.sender.name, family: conv.family.name, conv: convName(conv) }),
      href: `#/c/${conv.id}`, linkText: t('mentions.open'),
    });
  });
  if (form && textarea) initPicker({ form, textarea, isNote, convId });
}

// ---- Who may be named in the open conversation ---------------------------------------

// [{id, name, username, role: 'pair'|'team'}], the pair first, without the
// user; only those whose username is known.
export function candidates(convId) {
  const conv = store && store.convs.get(convId);
  if (!conv || !store.me) return [];
  const out = [];
  const seen = new Set([store.me.id]);
  for (const u of conv.members || []) {
    if (u.role !== 'adviser' || seen.has(u.id)) continue;
    seen.add(u.id);
    const username = usernameOf(u.id);
    if (username) out.push({ id: u.id, name: u.name, username, role: 'pair' });
  }
  const fam = families(store).get(conv.family.id);
  const team = familyTeam(fam);
  for (const s of (team && team.staff) || []) {
    if (seen.has(s.id) || !s.username) continue;
    seen.add(s.id);
    out.push({ id: s.id, name: s.name, username: s.username, role: 'team' });
  }
  return out;
}

// ---- The list box in the reply box -----------------------------------------------------

let picker = null;

function initPicker({ form, textarea, isNote, convId }) {
  const list = h('ul', { id: 'mention-list', class: 'mention-list', role: 'listbox', 'aria-label': t('mentions.list'), hidden: true });
  form.append(list);
  picker = { form, textarea, list, isNote, convId, items: [], active: 0, start: -1 };
  textarea.setAttribute('aria-controls', 'mention-list');
  textarea.addEventListener('input', () => update());
  textarea.addEventListener('click', () => update());
  textarea.addEventListener('blur', () => setTimeout(() => {
    if (document.activeElement !== textarea) close();
  }, 0));
  // Before the reply box's own keys (Enter sends, Escape cancels a correction).
  form.addEventListener('keydown', onKey, true);
}

// The "@name" being typed just before the caret: {start, query} or null.
export function typedMention(text, caret) {
  const before = text.slice(0, caret);
  const m = /(^|[^A-Za-z0-9._-])@([A-Za-z0-9._-]*)$/.exec(before);
  if (!m) return null;
  return { start: caret - m[2].length - 1, query: m[2] };
}

function update() {
  const p = picker;
  if (!p || !p.isNote()) return close();
  const ta = p.textarea;
  if (ta.selectionStart !== ta.selectionEnd) return close();
  const typed = typedMention(ta.value, ta.selectionStart);
  if (!typed) return close();
  const q = typed.query.toLowerCase();
  const items = candidates(p.convId()).filter((c) => c.username.toLowerCase().startsWith(q)
    || c.name.toLowerCase().split(/\s+/).some((w) => w.startsWith(q)));
  if (!items.length) return close();
  const was = p.list.hidden;
  p.items = items;
  p.start = typed.start;
  p.active = Math.min(p.active, items.length - 1);
  if (was) p.active = 0;
  render();
  if (was) announce(live, items.length === 1 ? t('mentions.offered_one', { n: 1 }) : t('mentions.offered_other', { n: items.length }));
}

function render() {
  const p = picker;
  p.list.replaceChildren(...p.items.map((c, i) => h('li', {
    id: `mention-opt-${c.id}`, role: 'option', class: 'mention-opt', 'aria-selected': i === p.active ? 'true' : 'false',
    onpointerdown: (e) => {
      e.preventDefault(); // the caret stays in the reply box
      p.active = i;
      insert();
    },
  }, h('span', { class: 'mention-user' }, `@${c.username}`), ' ', h('span', { class: 'mention-name' }, c.name),
  h('span', { class: 'mention-role' }, ` (${c.role === 'pair' ? t('mentions.pair') : t('mentions.team')})`))));
  p.list.hidden = false;
  p.textarea.setAttribute('aria-activedescendant', `mention-opt-${p.items[p.active].id}`);
}

function close() {
  const p = picker;
  if (!p || p.list.hidden) return;
  p.list.hidden = true;
  p.items = [];
  p.active = 0;
  p.textarea.removeAttribute('aria-activedescendant');
}

function insert() {
  const p = picker;
  const c = p.items[p.active];
  if (!c) return;
  const ta = p.textarea;
  const caret = ta.selectionStart;
  const text = `@${c.username} `;
  ta.setRangeText(text, p.start, caret, 'end');
  close();
  ta.dispatchEvent(new Event('input', { bubbles: true })); // the draft, the counter
}

function onKey(e) {
  const p = picker;
  if (!p || p.list.hidden || e.target !== p.textarea || e.isComposing) return;
  const n = p.items.length;
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    p.active = (p.active + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
    render();
  } else if (e.key === 'Enter' || e.key === 'Tab') {
    insert();
  } else if (e.key === 'Escape') {
    close();
  } else {
    return;
  }
  e.preventDefault();
  e.stopPropagation();
}

export function closeMentions() {
  close();
}
