// closed.js - the family's case closed (issue 16), in the family app.
//
// Nothing tells a phone that its family's case was closed until it sends:
// the gateway then refuses the message with `case_closed`.  From that
// moment the app says so, kindly and in the member's language, in a banner
// just above the reply box ("Jeres forløb er afsluttet …  Ring til
// kommunen, hvis I har brug for hjælp."), and the reply box is disabled
// with that same explanation (its aria-describedby).  The refused message
// is not left to be sent again and again: shared/outbox.js keeps it failed,
// so it stays on screen with its text, marked "Ikke sendt", with "Prøv
// igen" and "Slet" (family.js draws it), and nothing the member wrote is
// lost without a word.
//
// A closed case takes no message from anyone, so a message that arrives
// with an id above what the conversation had when the refusal came means
// the case was reopened: the banner goes and the box opens again.  So does
// one of the member's own messages being stored ("Prøv igen" after the
// reopening).  At the start and after every reconnect, a message kept
// failed with `case_closed` says it again (the app may have been closed in
// between); without one, the app tries afresh and is told again if needed.

import { t } from './i18n.js';

const CLOSED = 'case_closed';

// family id -> the highest message id of its conversations when refused
const closed = new Map();

let store = null;
let outbox = null;
let el = {};
let activeConv = () => null;

// store, outbox, conn; elements: {banner, composer, body, send, attach:
// [buttons]}; active(): the conversation on screen (CONV) or null; change():
// draw the thread and the reply box again.
export function initClosed({ store: s, outbox: o, conn, elements, active, change }) {
  store = s;
  outbox = o;
  el = elements;
  activeConv = active;
  const redraw = () => change();
  outbox.addEventListener('failed', (e) => {
    if (e.detail.code === CLOSED && markClosed(e.detail.item.conv)) redraw();
  });
  outbox.addEventListener('acked', (e) => {
    if (forget(e.detail.item.conv)) redraw();
  });
  store.addEventListener('message', (e) => {
    const { conv, message: m } = e.detail;
    if (!conv || !m || m.kind === 'system') return;
    const since = closed.get(conv.family && conv.family.id);
    if (since !== undefined && m.id > since && closed.delete(conv.family.id)) redraw();
  });
  conn.addEventListener('welcome', () => {
    closed.clear();
    fromOutbox();
    redraw();
  });
}

// The family of a conversation id, or null.
function familyOf(convId) {
  const c = store.convs.get(convId);
  return c && c.family ? c.family.id : null;
}

// Whether it was news.
function markClosed(convId) {
  const family = familyOf(convId);
  if (family === null) return false;
  const known = closed.has(family);
  let since = 0;
  for (const c of store.convs.values()) if (c.family && c.family.id === family) since = Math.max(since, c.last_id || 0);
  closed.set(family, Math.max(since, closed.get(family) || 0));
  return !known;
}

function forget(convId) {
  const family = familyOf(convId);
  return family !== null && closed.delete(family);
}

// The messages kept failed with case_closed (a reload, a reconnect).
export function fromOutbox() {
  for (const it of outbox.items) if (it.state === 'failed' && it.error === CLOSED) markClosed(it.conv);
}

// Is the conversation's family's case closed, as far as this phone knows?
export function isClosed(conv) {
  return !!(conv && conv.family && closed.has(conv.family.id));
}

// The banner and the reply box for the conversation on screen (also after
// a change of language).
export function renderClosed() {
  const shut = isClosed(activeConv());
  const b = el.banner;
  const text = shut ? t('closed.banner') : '';
  b.hidden = !shut;
  if (b.textContent !== text) b.textContent = text;
  el.composer.classList.toggle('closed', shut);
  el.body.disabled = shut;
  el.send.disabled = shut;
  for (const x of el.attach) x.disabled = shut;
  el.body.placeholder = shut ? t('closed.placeholder') : t('chat.compose_placeholder');
  const described = new Set((el.body.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean));
  if (shut) described.add(b.id);
  else described.delete(b.id);
  el.body.setAttribute('aria-describedby', [...described].join(' '));
}

// Signed out: nothing of it stays.
export function resetClosed() {
  closed.clear();
}
