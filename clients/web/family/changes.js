// changes.js - a message sent by mistake (issue 15): the member corrects or
// withdraws their own text message within five minutes of sending it, and
// every bubble shows what became of a message ("Rettet", or "Beskeden er
// trukket tilbage" in the reader's language instead of the server's Danish
// body).
//
// The five minutes are the gateway's (docs/websocket.md `correct`), counted
// on its clock: the welcome's server_time gives the offset, so a phone whose
// clock is a few minutes off neither offers a change the gateway refuses nor
// hides one it allows.  A timer takes the options away when they lapse.
//
// "Ret eller træk tilbage" on the bubble opens a small dialog (a modal: the
// thread is redrawn by receipts while the member decides, which would take
// the focus from anything inside a bubble).  "Ret" puts the text back in the
// composer in an edit mode, labelled and with "Fortryd"; sending then says
// `correct` instead of writing a new message.  "Træk tilbage" asks first.
// There is no outbox for changes: offline the actions are disabled, as a
// change queued for later would come too late anyway.

import { h, announce, codePoints } from '../shared/dom.js';
import { time, dateTime } from '../shared/format.js';
import { bodyShown } from '../shared/attachments.js';
import { t, lang } from './i18n.js';

export const WINDOW_MS = 5 * 60 * 1000;
const MAX_BODY = 4000;

const ui = {};
let conn = null;
let store = null;
let rerender = () => {};
let composerChanged = () => {};
let skew = 0; // the gateway's clock minus ours, in ms
let known = false; // no welcome yet this visit: the offset is not known, nothing is offered
let expiryTimer = null;

let dialog = null; // {conv, id, trigger}: the message the dialog is about
let confirming = false;
let dialogError = '';
let afterClose = null; // where the focus goes when the dialog closes
let busy = false;

let editing = null; // {conv, id, draft}: the message being corrected in the composer
// Messages the gateway said are too late to change (`conflict`): its word
// counts over our reckoning, so their options go at once.
const closed = new Set();

export function initChanges({ conn: c, store: s, rerender: r, composerChanged: cc }) {
  conn = c;
  store = s;
  rerender = r;
  composerChanged = cc;
  for (const id of [
    'change-dialog', 'change-quote', 'change-until', 'change-offline', 'change-error', 'change-actions',
    'change-edit', 'change-withdraw', 'change-confirm', 'change-yes', 'change-no', 'change-close',
    'composer', 'body', 'body-label', 'send', 'send-label', 'edit-bar', 'edit-cancel', 'send-error', 'live', 'thread',
  ]) {
    ui[id] = document.getElementById(id);
  }
  conn.addEventListener('welcome', (e) => {
    const at = Date.parse(e.detail.server_time);
    if (Number.isFinite(at)) {
      skew = at - Date.now();
      known = true;
    }
    rerender();
  });
  // Offline and back: the actions are disabled and enabled again.
  conn.addEventListener('state', () => {
    if (dialog) renderDialog();
  });
  store.addEventListener('changed', (e) => onChanged(e.detail.message));

  ui['change-close'].addEventListener('click', () => closeDialog());
  ui['change-edit'].addEventListener('click', onEditChosen);
  ui['change-withdraw'].addEventListener('click', () => {
    confirming = true;
    renderDialog();
    ui['change-yes'].focus();
  });
  ui['change-no'].addEventListener('click', () => {
    confirming = false;
    renderDialog();
    ui['change-withdraw'].focus();
  });
  ui['change-yes'].addEventListener('click', onWithdraw);
  ui['change-dialog'].addEventListener('cancel', (e) => {
    // Escape at the question goes back a step, as "Fortryd" does.
    if (confirming && !busy) {
      e.preventDefault();
      confirming = false;
      renderDialog();
      ui['change-withdraw'].focus();
    }
  });
  ui['change-dialog'].addEventListener('close', onDialogClosed);

  ui['edit-cancel'].addEventListener('click', () => cancelEdit({ focus: true }));
  ui.body.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && editing) {
      e.preventDefault();
      cancelEdit({ focus: true });
    }
  });
}

// ---- Time ---------------------------------------------------------------------

const serverNow = () => Date.now() + skew;
const endsAt = (m) => Date.parse(m.created_at) + WINDOW_MS;
const timeLeft = (m) => endsAt(m) - serverNow();

function mine(m) {
  return !!(store.me && m.sender && m.sender.id === store.me.id);
}

// May the member still correct or withdraw m?  Their own text message, not
// withdrawn, younger than five minutes on the gateway's clock.  A message
// kept on the phone from an earlier visit waits for the gateway's copy.
export function changeable(m) {
  return known && mine(m) && m.kind === 'text' && !m.withdrawn && !m.cached && !closed.has(m.id) && timeLeft(m) > 0;
}

// Redraws when the first offered change lapses (the thread's messages, after
// each drawing).  One timer: each drawing plans the next.
export function planExpiry(msgs) {
  clearTimeout(expiryTimer);
  expiryTimer = null;
  let next = Infinity;
  for (const m of msgs) if (changeable(m)) next = Math.min(next, timeLeft(m));
  if (next === Infinity) return;
  expiryTimer = setTimeout(() => {
    rerender();
    if (dialog) renderDialog();
  }, next + 250);
}

// ---- The bubble -------------------------------------------------------------------

// What of a message's change shows in its bubble, for the list's signature:
// a bubble is drawn again only when this (or the rest of it) differs.
export function changeSig(m) {
  const offer = changeable(m) ? (conn.isOpen ? 'on' : 'off') : '';
  return `${m.edited_at || ''}|${m.withdrawn ? 'w' : ''}|${offer}|${editing && editing.id === m.id ? 'e' : ''}`;
}

// Class names for the bubble: withdrawn (muted), the one being corrected.
export function changeClass(m) {
  return `${m.withdrawn ? ' withdrawn' : ''}${editing && editing.id === m.id ? ' editing' : ''}`;
}

// The body as the member reads it: a withdrawn message says so in their
// language (the gateway's body is Danish, for clients that know no
// `withdrawn`).  null: the caller shows the body as usual.
export function withdrawnBody(m) {
  if (!m.withdrawn) return null;
  return h('p', { class: 'body withdrawn-note' }, t('chat.withdrawn'));
}

// " · Rettet" in the meta line of a corrected message, with when as a tooltip.
export function editedMark(m, locale) {
  if (!m.edited_at || m.withdrawn) return null;
  return [' · ', h('span', { class: 'edited', title: dateTime(m.edited_at, locale) }, t('chat.edited'))];
}

// The button on the member's own recent message; disabled offline.  Its
// description is the message's text (family.js gives it the id), so among
// several recent messages a screen reader says which one it changes.
export function changeButton(m) {
  if (!changeable(m)) return null;
  return h('button', {
    class: 'change-btn', type: 'button', 'aria-haspopup': 'dialog', disabled: !conn.isOpen,
    'aria-describedby': bodyShown(m) ? `msg-body-${m.id}` : null,
    onclick: (e) => openDialog(m, e.currentTarget),
  }, t('change.open'));
}

function messageOf(ref) {
  const c = ref && store.convs.get(ref.conv);
  return (c && c.messages.get(ref.id)) || null;
}

// ---- The dialog ---------------------------------------------------------------------

function openDialog(m, trigger) {
  dialog = { conv: m.conv, id: m.id, trigger };
  confirming = false;
  dialogError = '';
  afterClose = null;
  renderDialog();
  ui['change-dialog'].showModal();
  const first = [ui['change-edit'], ui['change-withdraw'], ui['change-close']].find((b) => !b.hidden && !b.disabled);
  first.focus();
}

function renderDialog() {
  if (!dialog) return;
  const m = messageOf(dialog);
  const open = m && changeable(m);
  if (m && !open && !dialogError) dialogError = m.withdrawn ? t('chat.withdrawn') : t('change.too_late');
  ui['change-quote'].textContent = m && !m.withdrawn ? m.body : '';
  ui['change-quote'].hidden = !ui['change-quote'].textContent;
  // "Until 10.35" on the phone's own clock, the one the member compares it with.
  ui['change-until'].textContent = m ? t('change.until', { time: time(new Date(endsAt(m) - skew), lang().locale) }) : '';
  ui['change-until'].hidden = !open;
  const offline = !conn.isOpen;
  ui['change-offline'].hidden = !open || !offline;
  ui['change-error'].hidden = !dialogError;
  ui['change-error'].textContent = dialogError;
  ui['change-actions'].hidden = !open || confirming;
  ui['change-confirm'].hidden = !open || !confirming;
  // A photo without words has no text to correct: only withdrawn.
  ui['change-edit'].hidden = !!m && !bodyShown(m);
  for (const b of [ui['change-edit'], ui['change-withdraw'], ui['change-yes']]) b.disabled = offline || busy;
}

function closeDialog(focusTo = null) {
  afterClose = focusTo;
  if (ui['change-dialog'].open) ui['change-dialog'].close();
}

// The focus back on the bubble's button, or where the choice took it.
function onDialogClosed() {
  const ref = dialog;
  dialog = null;
  confirming = false;
  const to = afterClose;
  afterClose = null;
  if (to) {
    to();
    return;
  }
  const again = ref && document.querySelector(`#msgs [data-id="${ref.id}"] .change-btn`);
  const target = ref && ref.trigger && ref.trigger.isConnected ? ref.trigger : again;
  if (target && !target.disabled) target.focus();
  else ui.thread.focus({ preventScroll: true });
}

function onEditChosen() {
  const m = messageOf(dialog);
  if (!m || !changeable(m)) {
    renderDialog();
    return;
  }
  // At once, not at the dialog's (later) close event: the composer is in
  // the edit mode before anything can be typed into it.
  closeDialog(() => ui.body.focus());
  startEdit(m);
}

async function onWithdraw() {
  const ref = dialog;
  if (!ref || busy) return;
  if (!conn.isOpen) {
    renderDialog();
    return;
  }
  busy = true;
  renderDialog();
  try {
    await conn.withdraw(ref.id); // the `changed` frame redraws the bubble
    if (editing && editing.id === ref.id) cancelEdit();
    closeDialog(() => ui.thread.focus({ preventScroll: true }));
    announce(ui.live, t('chat.withdrawn'));
  } catch (e) {
    confirming = false;
    dialogError = reason(e, 'change.too_late_withdraw');
    if (e.code === 'conflict') tooLate(ref.id);
  } finally {
    busy = false;
    renderDialog();
  }
}

function tooLate(id) {
  closed.add(id);
  rerender();
}

// An error as the member reads it; lateKey: the words for `conflict`.
function reason(e, lateKey) {
  if (e.code === 'conflict') return t(lateKey);
  if (e.code === 'disconnected') return t('change.offline');
  if (e.code === 'rate_limited') return t('err.rate_limited');
  return t('change.failed');
}

// Someone (this phone, another of the member's phones) changed a message:
// the dialog and the edit mode follow.
function onChanged(m) {
  if (editing && editing.id === m.id && m.withdrawn) {
    cancelEdit();
    showError(t('chat.withdrawn'));
  }
  if (dialog && dialog.id === m.id) renderDialog();
}

// ---- The edit mode of the composer ---------------------------------------------------

export const editingId = () => (editing ? editing.id : null);

function setMode(on) {
  ui.composer.classList.toggle('editing', on);
  ui['edit-bar'].hidden = !on;
  // The label and the button say what sending does; the keys stay on the
  // elements, so a change of language keeps them right (i18n.js apply()).
  ui['body-label'].dataset.i18n = on ? 'change.edit_label' : 'chat.compose_label';
  ui['body-label'].textContent = t(ui['body-label'].dataset.i18n);
  ui['send-label'].dataset.i18n = on ? 'change.save' : 'chat.send';
  ui['send-label'].textContent = t(ui['send-label'].dataset.i18n);
  ui.body.setAttribute('aria-describedby', on ? 'edit-label counter send-error' : 'counter send-error');
}

function startEdit(m) {
  const draft = editing ? editing.draft : ui.body.value; // a draft written before stays for afterwards
  editing = { conv: m.conv, id: m.id, draft };
  ui['send-error'].hidden = true;
  setMode(true);
  ui.body.value = m.body;
  composerChanged();
  rerender();
  ui.body.focus();
  ui.body.setSelectionRange(ui.body.value.length, ui.body.value.length);
}

// Leaves the edit mode: the draft from before comes back, or (keepText) the
// correction that came too late stays, to be sent as a new message if the
// member wants (the draft after it: nothing they wrote is lost).
export function cancelEdit({ focus = false, keepText = false } = {}) {
  if (!editing) return;
  const { draft } = editing;
  editing = null;
  setMode(false);
  const text = ui.body.value;
  ui.body.value = keepText ? [text, draft].filter((s) => s.trim()).join('\n') : draft;
  composerChanged();
  rerender();
  if (focus) ui.body.focus();
}

function showError(text) {
  ui['send-error'].textContent = text;
  ui['send-error'].hidden = false;
}

// The composer's send in the edit mode: `correct`, not a new message.
export async function submitEdit() {
  if (!editing || busy) return;
  const body = ui.body.value.trim();
  ui['send-error'].hidden = true;
  if (!body) {
    showError(t('change.empty'));
    return;
  }
  if (codePoints(body) > MAX_BODY) {
    showError(t('chat.too_long', { max: MAX_BODY }));
    return;
  }
  const m = messageOf(editing);
  if (m && m.body === body) {
    cancelEdit({ focus: true }); // nothing to correct
    return;
  }
  if (!conn.isOpen) {
    showError(t('change.offline'));
    return;
  }
  busy = true;
  ui.send.disabled = true;
  const { id } = editing;
  // Still the same edit mode when the answer comes (not left, not signed out)?
  const still = () => editing && editing.id === id;
  try {
    await conn.correct(id, body); // the `changed` frame redraws the bubble
    if (still()) cancelEdit({ focus: true });
    announce(ui.live, t('change.done'));
  } catch (e) {
    if (e.code === 'conflict') {
      closed.add(id);
      if (still()) {
        cancelEdit({ focus: true, keepText: true }); // draws the thread again: the options go
        showError(`${t('change.too_late')} ${t('change.send_new')}`);
      } else {
        rerender();
        showError(t('change.too_late'));
      }
    } else if (still()) {
      showError(reason(e, 'change.too_late'));
    }
  } finally {
    busy = false;
    ui.send.disabled = false;
  }
}

// Signed out, or another conversation on screen: the edit mode and the
// dialog end.
export function resetChanges() {
  if (ui['change-dialog'] && ui['change-dialog'].open) closeDialog(() => {});
  cancelEdit();
}
