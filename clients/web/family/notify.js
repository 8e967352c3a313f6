// notify.js - the family app's notifications of new messages (Web Push,
// shared/push.js), in the member's language.
//
// The question comes at the moment it makes sense: after the member's own
// message is stored ("Vil du have besked, når dine rådgivere svarer – også
// når appen er lukket?"), once per phone, as a card above the reply box
// with "Ja tak" and "Ikke nu"; the browser's own permission prompt follows
// only a yes.  On an iPhone in Safari (Web Push needs Indgang on the home
// screen, iOS 16.4 or later) the card says how instead, with "OK".
//
// The menu section says the true state - on, off, blocked in the settings,
// not possible on this phone - and turns it on or off; while it is on, the
// member chooses what a notification shows (GET/PUT /api/me/notifications:
// only that there is a message, who wrote, or who and the start of the
// text), with plain words about lock screens and shared phones.

import { api } from '../shared/api.js';
import { Push, pushSupport } from '../shared/push.js';
import { announce } from '../shared/dom.js';
import { t, lang } from './i18n.js';

const ASKED = 'indgang.family.notify-asked'; // answered here: do not ask again
const push = new Push({ scope: '/family/', swUrl: '/family/sw.js', storageKey: 'indgang.family.push', autoWhenGranted: true });
const el = {};
let live = null; // the page's live region
let busy = false;
let failed = false; // the last "on" did not work (no push service, offline)
let renders = 0; // only the latest state counts

export function initNotify({ liveRegion }) {
  live = liveRegion;
  for (const id of ['notify-ask', 'notify-ask-text', 'notify-yes', 'notify-later', 'notify-ok', 'notify-state', 'notify-btn',
    'notify-content', 'notify-content-status']) {
    el[id] = document.getElementById(id);
  }
  el['notify-yes'].addEventListener('click', onYes);
  el['notify-later'].addEventListener('click', () => answered());
  el['notify-ok'].addEventListener('click', () => answered());
  el['notify-btn'].addEventListener('click', onToggle);
  for (const r of el['notify-content'].querySelectorAll('input[name="push-content"]')) r.addEventListener('change', onContent);
}

// Signed in: a subscription chosen on this phone stays registered with the
// current sign-in, in the current language.
export function resumeNotify() {
  push.resume(lang().code);
}

// The language changed: the gateway writes the notifications in the new one.
export function notifyLanguage(code) {
  push.setLanguage(code);
  if (!el['notify-ask'].hidden) renderAsk(el['notify-ask'].dataset.kind);
}

// Signed out: the subscription ends with the sign-in; the next person on
// this phone is asked afresh.
export function forgetNotify() {
  hideAsk();
  push.forget();
  try {
    localStorage.removeItem(ASKED);
  } catch {
    /* nothing kept */
  }
}

function wasAsked() {
  try {
    return localStorage.getItem(ASKED) === '1';
  } catch {
    return false;
  }
}

// ---- The question, after the member's own message ------------------------

export async function afterOwnMessage() {
  if (wasAsked() || !el['notify-ask'].hidden) return;
  const support = pushSupport();
  if (support === 'ios-install') {
    showAsk('ios');
  } else if (support === 'ok' && Notification.permission === 'default' && push.mem.on !== false) {
    showAsk('ask');
  }
}

function showAsk(kind) {
  renderAsk(kind);
  el['notify-ask'].hidden = false;
  announce(live, el['notify-ask-text'].textContent);
}

function renderAsk(kind) {
  el['notify-ask'].dataset.kind = kind;
  el['notify-ask-text'].textContent = kind === 'ios' ? t('notify.ask_ios') : t('notify.ask');
  el['notify-yes'].hidden = kind === 'ios';
  el['notify-later'].hidden = kind === 'ios';
  el['notify-ok'].hidden = kind !== 'ios';
}

function hideAsk() {
  if (el['notify-ask']) el['notify-ask'].hidden = true;
}

function answered() {
  try {
    localStorage.setItem(ASKED, '1');
  } catch {
    /* asked again next time */
  }
  const hadFocus = el['notify-ask'].contains(document.activeElement);
  hideAsk();
  if (hadFocus) document.getElementById('body').focus();
}

async function onYes() {
  el['notify-yes'].disabled = true;
  const state = await turnOn();
  el['notify-yes'].disabled = false;
  answered();
  announce(live, state === 'on' ? t('notify.now_on') : stateText(state));
}

// ---- On and off ---------------------------------------------------------------

async function turnOn() {
  failed = false;
  try {
    return await push.enable(lang().code);
  } catch {
    failed = true;
    return 'failed';
  }
}

async function onToggle() {
  if (busy) return;
  busy = true;
  const btn = el['notify-btn'];
  const wasOn = btn.dataset.action === 'off';
  btn.disabled = true;
  btn.textContent = t('notify.busy');
  try {
    if (wasOn) await push.disable();
    else await turnOn();
  } catch {
    failed = !wasOn;
  } finally {
    busy = false;
    btn.disabled = false;
  }
  await renderNotifyMenu();
  btn.focus();
}

function stateText(state) {
  return {
    on: t('notify.state_on'),
    off: t('notify.state_off'),
    denied: t('notify.state_denied'),
    unsupported: t('notify.state_unsupported'),
    'ios-install': t('notify.state_ios'),
    failed: t('notify.state_failed'),
  }[state];
}

// The menu's section: the true state, the button, and (while on) what a
// notification may show.
export async function renderNotifyMenu() {
  if (busy) return;
  const n = ++renders;
  let state = await push.state();
  if (n !== renders) return;
  if (state === 'off' && failed) state = 'failed';
  el['notify-state'].textContent = stateText(state);
  const btn = el['notify-btn'];
  const canToggle = state === 'on' || state === 'off' || state === 'failed';
  btn.hidden = !canToggle;
  btn.dataset.action = state === 'on' ? 'off' : 'on';
  btn.textContent = state === 'on' ? t('notify.turn_off') : t('notify.turn_on');
  el['notify-content'].hidden = state !== 'on';
  if (state === 'on') loadContent();
}

let touched = 0; // choices made meanwhile: a late answer must not undo one

async function loadContent() {
  const before = touched;
  el['notify-content-status'].textContent = '';
  try {
    const { content } = await api.notifications();
    const r = el['notify-content'].querySelector(`input[value="${content}"]`);
    if (r && touched === before) r.checked = true;
  } catch {
    /* offline: the choice shows when the menu is opened online */
  }
}

async function onContent(e) {
  touched += 1;
  const status = el['notify-content-status'];
  status.textContent = '';
  try {
    await api.setNotifications(e.currentTarget.value);
    status.textContent = t('notify.content_saved');
  } catch {
    status.textContent = t('notify.content_failed');
    loadContent();
  }
}
