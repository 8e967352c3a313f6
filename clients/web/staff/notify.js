// notify.js - the staff client's settings dialog ("Indstillinger"): Web Push
// notifications of new messages (shared/push.js, the staff client's own
// service worker staff/sw.js at /staff/) and what they may show
// (GET/PUT /api/me/notifications).
//
// The gateway buzzes a pair adviser when one of the pair's families writes,
// not about the conversation on the adviser's screen, never about notes.
// The subscription carries the client's language (lang().code); the
// gateway writes staff notifications in Danish for now
// (core/push/notice.c).  The choice is kept per staff member in this
// browser; it is registered again at each sign-in and ends (here too) at
// "Log ud".  A tapped notification opens the family's conversation
// (#/c/CONV).

import { api } from '../shared/api.js';
import { Push, onOpenConversation } from '../shared/push.js';
import { t, lang } from './i18n.js';

const el = {};
let push = null; // per signed-in staff member
let busy = false;
let failed = false; // the last "on" did not work (no push service, offline)

// Push.state() -> the words under the switch.
const STATES = {
  on: 'notify.state_on',
  off: 'notify.state_off',
  failed: 'notify.state_failed',
  denied: 'notify.state_denied',
  unsupported: 'notify.state_unsupported',
  'ios-install': 'notify.state_ios_install',
};

export function initStaffNotify({ onOpen }) {
  for (const id of ['settings-btn', 'settings', 'settings-close', 'push-toggle', 'push-state', 'push-content', 'push-content-status']) {
    el[id] = document.getElementById(id);
  }
  el['settings-btn'].addEventListener('click', openSettings);
  el['settings-close'].addEventListener('click', () => el.settings.close());
  el.settings.addEventListener('close', () => el['settings-btn'].focus());
  el['push-toggle'].addEventListener('change', onToggle);
  for (const r of el['push-content'].querySelectorAll('input[name="push-content"]')) r.addEventListener('change', onContent);
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/staff/sw.js', { scope: '/staff/' }).catch(() => {
      /* no notifications in this browser; the client works without */
    });
    onOpenConversation(onOpen);
  }
}

// Signed in: this staff member's choice in this browser, registered again
// with the new sign-in.
export function startStaffNotify(user) {
  push = new Push({ scope: '/staff/', swUrl: '/staff/sw.js', storageKey: `indgang.staff.push.${user.id}` });
  push.resume(lang().code);
}

// "Log ud": the gateway ends the subscription with the sign-in; the browser's
// goes too, so the next person at this computer is not buzzed.
export function stopStaffNotify() {
  if (el.settings && el.settings.open) el.settings.close();
  if (push) push.forget();
  push = null;
}

function openSettings() {
  el['push-content-status'].textContent = '';
  el.settings.showModal();
  render();
}

async function render() {
  if (!push || busy) return;
  let state = await push.state();
  if (state === 'off' && failed) state = 'failed';
  el['push-state'].textContent = STATES[state] ? t(STATES[state]) : '';
  const toggle = el['push-toggle'];
  toggle.checked = state === 'on';
  toggle.disabled = !(state === 'on' || state === 'off' || state === 'failed');
  el['push-content'].hidden = state !== 'on';
  if (state === 'on') loadContent();
}

async function onToggle() {
  if (!push || busy) return;
  busy = true;
  const toggle = el['push-toggle'];
  const on = toggle.checked;
  toggle.disabled = true;
  el['push-state'].textContent = t(on ? 'notify.turning_on' : 'notify.turning_off');
  failed = false;
  try {
    if (on) await push.enable(lang().code);
    else await push.disable();
  } catch {
    failed = on;
  } finally {
    busy = false;
  }
  await render();
  toggle.focus();
}

let touched = 0; // choices made meanwhile: a late answer must not undo one

async function loadContent() {
  const before = touched;
  try {
    const { content } = await api.notifications();
    const r = el['push-content'].querySelector(`input[value="${content}"]`);
    if (r && touched === before) r.checked = true;
  } catch {
    /* shown the next time the dialog opens */
  }
}

async function onContent(e) {
  touched += 1;
  const status = el['push-content-status'];
  status.textContent = '';
  try {
    await api.setNotifications(e.currentTarget.value);
    status.textContent = t('notify.saved');
  } catch {
    status.textContent = t('notify.save_failed');
    loadContent();
  }
}
