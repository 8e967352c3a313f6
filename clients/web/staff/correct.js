// correct.js - a message sent by mistake (issue 15): for five minutes after
// sending, its author (a staff member, text or note) gets "Ret" and "Træk
// tilbage" in the message's head.  "Ret" puts the text in the reply box in a
// labelled edit mode ("Du retter din besked fra 10.32", "Annullér", the send
// button says "Gem rettelse"); saving sends {"type":"correct"}.  "Træk
// tilbage" asks once in place ("Ja, træk tilbage" / "Fortryd") and sends
// {"type":"withdraw"}.  Everyone who sees the message gets the gateway's
// `changed` frame (shared/store.js replaces it in place): a corrected
// message says "Rettet" (when, in its title), a withdrawn one "Trukket
// tilbage", muted, without its text or files.  The contact log keeps the
// original and the change; nothing is silent.
//
// The five minutes count on the gateway's clock (waiting.js's now(), from
// the welcome's server_time); the buttons go by themselves when they are
// over (one timer, for the open conversation's earliest).  Too late after
// all (the gateway says `conflict`): "For sent at rette beskeden", and the
// new text stays in the box so it can go as a new message.
//
// The reply box is staff.js's: it hands over what this needs (composer).

import { h, announce } from '../shared/dom.js';
import { time, dateTime } from '../shared/format.js';
import { now } from './waiting.js';
import { t, lang } from './i18n.js';

export const WINDOW_MS = 5 * 60 * 1000;
const MARGIN_MS = 3000; // a request under way still arrives within the five minutes

let conn = null;
let store = null;
let live = null;
let box = null; // the composer's hooks (staff.js)
let errorText = (e) => String((e && e.code) || e);
let onChange = () => {};
let bar = null;
let editing = null; // {id, conv, kind, created_at, prev: {text, kind}}
let confirming = null; // the message id whose withdrawal is being asked
let busy = false;
let timer = null;

// conn, store; liveRegion: the polite region; humanError(e): the words for
// a refusal; change(convId): the conversation's messages must be drawn again;
// composer: {form, textarea, getText(), setText(s), setMode(kind), lockMode(on),
//   focus(), showError(text), clearError(), labels(texts)}.
export function initCorrect({ conn: c, store: s, liveRegion, humanError, change, composer }) {
  conn = c;
  store = s;
  live = liveRegion;
  box = composer;
  if (humanError) errorText = humanError;
  if (change) onChange = change;
  bar = h('div', { id: 'edit-bar', class: 'edit-bar', role: 'group', 'aria-labelledby': 'edit-bar-text', hidden: true },
    h('p', { id: 'edit-bar-text', class: 'edit-bar-text' }),
    h('button', { class: 'btn-link edit-cancel', type: 'button', 'aria-label': t('correct.cancel_what'), onclick: () => cancelEdit() }, t('correct.cancel')),
    h('p', { id: 'edit-bar-hint', class: 'edit-bar-hint' }));
  box.form.insertBefore(bar, box.textarea);
  box.textarea.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && editing) {
      e.preventDefault();
      cancelEdit();
    }
  });
  store.addEventListener('changed', (e) => onChanged(e.detail));
}

// ---- What a message shows ----------------------------------------------------------

const mineOf = (m) => !!(store && store.me && m.sender && m.sender.id === store.me.id);

// Whether the signed-in author may still correct or withdraw it.
export function editable(m, at = now()) {
  if (!m || !mineOf(m) || m.withdrawn || (m.kind !== 'text' && m.kind !== 'note')) return false;
  const sent = Date.parse(m.created_at);
  return Number.isFinite(sent) && at < sent + WINDOW_MS - MARGIN_MS;
}

// What makes the message's rendering change here (reconcile's signature).
export function editSig(m) {
  return [editable(m) ? 'e' : '', confirming === m.id ? 'c' : '', editing && editing.id === m.id ? 'w' : '',
    m.edited_at || '', m.withdrawn ? 'x' : ''].join(':');
}

// The head's "Rettet" (or nothing).
export function editedTag(m) {
  if (!m.edited_at || m.withdrawn) return null;
  return h('span', { class: 'msg-edited', title: t('correct.edited_title', { at: dateTime(m.edited_at, lang().locale) }) }, t('correct.edited'));
}

// The body of a withdrawn message, in place of its text and files.
export function withdrawnBody(m) {
  if (!m.withdrawn) return null;
  return h('p', { class: 'msg-body msg-withdrawn' }, h('span', { 'aria-hidden': 'true' }, t('correct.withdrawn')),
    h('span', { class: 'visually-hidden' }, t('correct.withdrawn_spoken')));
}

// The head's buttons for the author's own message within the five minutes.
export function editActions(conv, m) {
  if (!editable(m)) return null;
  const at = time(m.created_at, lang().locale);
  const which = h('span', { class: 'visually-hidden' }, ` ${t('correct.which', { at })}`);
  if (confirming === m.id) {
    return h('span', { class: 'msg-acts confirming', role: 'group', 'aria-label': t('correct.confirm_question') },
      h('span', { class: 'msg-ask' }, t('correct.confirm_question')),
      h('button', { class: 'msg-act danger', type: 'button', dataset: { act: 'withdraw-yes' }, disabled: busy, onclick: () => withdraw(conv, m) }, t('correct.confirm_withdraw')),
      h('button', { class: 'msg-act', type: 'button', dataset: { act: 'withdraw-no' }, onclick: () => askWithdraw(conv, null) }, t('correct.keep')));
  }
  const now_ = editing && editing.id === m.id;
  return h('span', { class: 'msg-acts' },
    h('button', {
      class: 'msg-act', type: 'button', dataset: { act: 'correct' }, 'aria-pressed': now_ ? 'true' : 'false',
      onclick: () => startEdit(conv, m),
    }, t('correct.correct'), which.cloneNode(true)),
    h('button', { class: 'msg-act', type: 'button', dataset: { act: 'withdraw' }, onclick: () => askWithdraw(conv, m.id) }, t('correct.withdraw'), which));
}

// After the open conversation was drawn: its buttons go by themselves when
// their five minutes are over.
export function armExpiry(conv) {
  clearTimeout(timer);
  timer = null;
  if (!conv || !store) return;
  let next = Infinity;
  const at = now();
  for (const m of store.sorted(conv)) {
    if (!editable(m, at)) continue;
    next = Math.min(next, Date.parse(m.created_at) + WINDOW_MS - MARGIN_MS);
  }
  if (next === Infinity) return;
  const convId = conv.id;
  timer = setTimeout(() => {
    timer = null;
    if (editing && editing.conv === convId) {
      const m = store.convs.get(convId)?.messages.get(editing.id);
      if (m && !editable(m)) refreshBar(); // the bar says it is late; saving asks the gateway anyway
    }
    onChange(convId);
  }, Math.max(0, next - at) + 100);
}

// ---- Withdrawing ----------------------------------------------------------------------

function askWithdraw(conv, id) {
  const was = confirming;
  confirming = id;
  onChange(conv.id); // drawn at once (reconcile): the focus can go to the new button
  const li = document.querySelector(`#msgs li[data-id="${id ?? was}"]`);
  li?.querySelector(id ? '[data-act="withdraw-yes"]' : '[data-act="withdraw"]')?.focus();
}

async function withdraw(conv, m) {
  if (busy) return;
  busy = true;
  onChange(conv.id);
  try {
    await conn.withdraw(m.id); // the `changed` reply reaches the store first
    if (editing && editing.id === m.id) endEdit();
    announce(live, t('correct.withdrawn_done'));
  } catch (e) {
    box.showError(e && e.code === 'conflict' ? t('correct.too_late_withdraw') : errorText(e));
  } finally {
    busy = false;
    confirming = null;
    onChange(conv.id);
    const li = document.querySelector(`#msgs li[data-id="${m.id}"]`);
    if (li && (!document.activeElement || document.activeElement === document.body)) {
      li.setAttribute('tabindex', '-1');
      li.focus({ preventScroll: true });
    }
  }
}

// ---- Correcting ------------------------------------------------------------------------

export function isEditing() {
  return !!editing;
}

function startEdit(conv, m) {
  if (editing && editing.id === m.id) {
    box.focus();
    return;
  }
  const prev = editing ? editing.prev : { text: box.getText(), kind: box.getKind() };
  editing = { id: m.id, conv: conv.id, kind: m.kind, created_at: m.created_at, prev };
  confirming = null;
  box.clearError();
  box.setMode(m.kind);
  box.lockMode(true);
  box.setText(m.body);
  refreshBar();
  onChange(conv.id);
  box.focus();
}

function refreshBar() {
  if (!bar) return;
  bar.hidden = !editing;
  box.form.classList.toggle('editing', !!editing);
  if (!editing) return;
  bar.querySelector('.edit-bar-text').textContent = t('correct.edit_bar', { at: time(editing.created_at, lang().locale) });
  bar.querySelector('.edit-bar-hint').textContent = editing.kind === 'note' ? t('correct.edit_hint_note') : t('correct.edit_hint');
  box.labels({ label: t('correct.label'), send: t('correct.save') });
}

// Back to the reply box as it was before "Ret" (its draft and kind).
function endEdit({ keepText = false } = {}) {
  if (!editing) return;
  const { prev, conv } = editing;
  editing = null;
  box.lockMode(false);
  if (!keepText) box.setText(prev.text);
  box.setMode(keepText ? box.getKind() : prev.kind);
  refreshBar();
  onChange(conv);
}

export function cancelEdit({ quiet = false } = {}) {
  if (!editing) return;
  endEdit();
  if (!quiet) {
    announce(live, t('correct.cancelled'));
    box.focus();
  }
}

// The reply box's send while editing: the correction.
export async function submitEdit() {
  if (!editing || busy) return;
  const body = box.getText().trim();
  box.clearError();
  if (!body) {
    box.showError(t('correct.empty'));
    return;
  }
  const { id, conv } = editing;
  const m = store.convs.get(conv)?.messages.get(id);
  if (m && m.body === body) {
    cancelEdit();
    return;
  }
  busy = true;
  try {
    await conn.correct(id, body);
    endEdit();
    announce(live, t('correct.saved'));
    box.focus();
  } catch (e) {
    if (e && e.code === 'conflict') {
      endEdit({ keepText: true });
      box.showError(t('correct.too_late'));
    } else {
      box.showError(errorText(e));
    }
  } finally {
    busy = false;
  }
}

// ---- Live ---------------------------------------------------------------------------------

function onChanged({ conv, message: m }) {
  if (editing && editing.id === m.id && m.withdrawn) {
    endEdit();
    box.showError(t('correct.gone_meanwhile'));
  }
  if (mineOf(m) || !m.sender) return;
  // Said only for the conversation on screen (its message is drawn there).
  if (conv && document.querySelector(`#msgs li[data-id="${m.id}"]`)) {
    announce(live, m.withdrawn ? t('correct.someone_withdrew', { who: m.sender.name }) : t('correct.someone_corrected', { who: m.sender.name }));
  }
}

// Sign-out, or another user.
export function resetCorrect() {
  editing = null;
  confirming = null;
  clearTimeout(timer);
  timer = null;
  if (bar) refreshBar();
}
