// message.js - one message of the open conversation as the staff client
// draws it (moved out of staff.js, issue 15): the head (a note's badge, who
// and in what role, "Nævner dig" for a note that names the user
// (mentions.js), "Rettet" and the author's "Ret" / "Træk tilbage" for five
// minutes (correct.js), the time, SMS badges), the body with its links, or
// "Trukket tilbage"; its files; for one's own, how far it got
// (delivery.js, smsout.js) or who of the colleagues read the note.  A message
// still in the outbox: "Sender …", or why not with "Prøv igen" and "Slet".
// Also the members line above the messages ("Deltagere: …").

import { h } from '../shared/dom.js';
import { time, dateTime, shortWhen } from '../shared/format.js';
import { linkify } from '../shared/linkify.js';
import { bodyShown } from '../shared/attachments.js';
import { messageFiles, pendingFiles } from './attach.js';
import { familyReach } from './delivery.js';
import { smsLine, smsFailed } from './smsout.js';
import { editActions, editedTag, withdrawnBody } from './correct.js';
import { mentionsMe, mentionTag } from './mentions.js';
import { t, lang } from './i18n.js';

// A user's role beside their name, and the group in the members line.
const ROLE_KEYS = {
  family: 'message.role_family',
  admin: 'message.role_admin',
  pair: 'message.role_pair',
  team: 'message.role_team',
};
const GROUP_KEYS = { ...ROLE_KEYS, pair: 'message.group_pair' };

let store = null;
let conn = null;
let outbox = null;
let humanError = (e) => String((e && e.code) || e);

export function initMessages({ store: s, conn: c, outbox: o, errorText }) {
  store = s;
  conn = c;
  outbox = o;
  if (errorText) humanError = errorText;
}

// 'family', 'admin', 'pair' (in CONV.members as an adviser) or 'team'.
function roleOf(user, conv) {
  if (user.role === 'family') return 'family';
  if (user.role === 'admin') return 'admin';
  const inPair = (conv.members || []).some((u) => u.id === user.id);
  return inPair ? 'pair' : 'team';
}

export function roleLabel(user, conv) {
  if (!user) return '';
  return t(ROLE_KEYS[roleOf(user, conv)]);
}

// "Deltagere: Mette Hansen og Jonas Hansen (familie), Anna Jensen og Bo
// Nielsen (makkerpar). Teamet læser med."
export function membersLine(conv, f) {
  const groups = new Map(); // role -> names, in the members' order
  for (const u of conv.members || []) {
    const role = roleOf(u, conv);
    if (!groups.has(role)) groups.set(role, []);
    groups.get(role).push(u.name);
  }
  const and = (names) => (names.length > 1 ? t('message.two_names', { a: names.slice(0, -1).join(', '), b: names.at(-1) }) : names[0]);
  const list = [...groups].map(([role, names]) => t('message.group', { names: and(names), role: t(GROUP_KEYS[role]) })).join(', ');
  return f && !f.pair ? t('message.members_team', { list }) : t('message.members_pair', { list });
}

export function renderMessage(conv, m) {
  const mine = store.me && m.sender.id === store.me.id;
  if (m.kind === 'system') {
    return h('li', { class: 'msg system' }, h('p', { class: 'msg-body', dir: 'auto' }, m.body), h('span', { class: 'msg-time' }, time(m.created_at, lang().locale)));
  }
  const note = m.kind === 'note';
  const cls = ['msg'];
  if (note) cls.push('note');
  else if (mine) cls.push('mine');
  if (m.sender.role === 'family') cls.push('from-family');
  if (m.withdrawn) cls.push('withdrawn');
  if (mentionsMe(m)) cls.push('mentions-me');
  return h('li', { class: cls.join(' '), dataset: { id: String(m.id), kind: m.kind } },
    h('div', { class: 'msg-head' },
      note ? h('span', { class: 'note-badge' }, h('span', { class: 'lock', 'aria-hidden': 'true' }), t('message.note')) : null,
      h('span', { class: 'msg-sender' }, mine ? t('message.you', { name: m.sender.name }) : m.sender.name),
      h('span', { class: 'msg-role' }, roleLabel(m.sender, conv)),
      mentionTag(m),
      editedTag(m),
      editActions(conv, m),
      h('time', { class: 'msg-time', datetime: m.created_at, title: dateTime(m.created_at, lang().locale) }, time(m.created_at, lang().locale)),
      m.via === 'sms' ? h('span', { class: 'via-sms', title: t('message.via_sms_title') }, t('message.via_sms')) : null,
      m.no_sms ? h('span', { class: 'no-sms-badge', title: t('message.no_sms_title') }, t('message.no_sms')) : null,
    ),
    note ? h('span', { class: 'visually-hidden' }, t('message.note_hidden')) : null,
    m.withdrawn ? withdrawnBody(m) : bodyShown(m) ? h('p', { class: 'msg-body', dir: 'auto' }, linkify(m.body)) : null,
    m.withdrawn ? null : messageFiles(m),
    mine ? h('p', { class: `msg-state ${note ? 'saved' : 'reach'}` }, deliveryText(conv, m)) : null,
    mine && !note && smsLine(conv, m)
      ? h('p', { class: `msg-state sms-state${smsFailed(conv, m) ? ' failed' : ''}` }, smsLine(conv, m))
      : null,
  );
}

// A message to the family: how far it got for each member (delivery.js);
// a note: saved, and read by which colleagues.
export function deliveryText(conv, m) {
  if (m.kind !== 'note') return familyReach(conv, m);
  const readers = store.readersOf(conv, m).filter((r) => m.kind !== 'note' || r.user.role !== 'family');
  if (!readers.length) return t('message.saved');
  const who = readers
    .sort((a, b) => (a.at < b.at ? -1 : 1))
    .map((r) => t('message.reader', { name: r.user.name, when: shortWhen(r.at, lang().locale) }))
    .join(', ');
  return t('message.read_by', { who });
}

export function renderPending(conv, it) {
  const note = it.kind === 'note';
  const me = store.me || { name: '' };
  let state;
  if (it.state === 'failed') {
    state = h('p', { class: 'msg-state failed' }, t('message.not_sent', { why: humanError({ code: it.error }) }), ' ',
      h('button', { class: 'btn-link', type: 'button', onclick: () => outbox.retry(it.client_id) }, t('message.retry')),
      h('button', { class: 'btn-link', type: 'button', onclick: () => outbox.discard(it.client_id) }, t('message.discard')));
  } else {
    state = h('p', { class: 'msg-state' }, conn.isOpen ? t('message.sending') : t('message.waiting'));
  }
  return h('li', { class: `msg pending ${note ? 'note' : 'mine'}`, dataset: { clientId: it.client_id, kind: it.kind } },
    h('div', { class: 'msg-head' },
      note ? h('span', { class: 'note-badge' }, h('span', { class: 'lock', 'aria-hidden': 'true' }), t('message.note')) : null,
      h('span', { class: 'msg-sender' }, t('message.you', { name: me.name })),
    ),
    it.body ? h('p', { class: 'msg-body', dir: 'auto' }, it.body) : null,
    pendingFiles(it),
    state,
  );
}
