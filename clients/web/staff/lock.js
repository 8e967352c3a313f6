// lock.js - the staff client's lock screen: an idle sign-in locks, it does
// not end (issue 12).
//
// After staff_idle_minutes without a person's activity the gateway closes
// the WebSocket (4401 "idle") and refuses the sign-in's content, but still
// answers its unread count (GET /api/me/unread, a number), a sign-out, and
// POST /api/unlock with the user's own password.  A page left open on a
// shared office PC must then show nothing of any family: lockPage() keeps
// the drafts in sessionStorage and reloads the page, so no message, name
// or caseload is left in the DOM or in the page's memory; the fresh page
// finds its sign-in locked (probeLocked) and shows only this screen: the
// user's own name, the number of unread messages (also in the tab's title,
// polled every 30 s and when the tab is shown again) and the password
// field.  Web Push goes on through the service worker.  The right password
// brings the page back where it was (the address keeps the conversation,
// startSession the drafts); an expired sign-in goes to the sign-in form.

import { api } from '../shared/api.js';
import { t } from './i18n.js';

const NAME_KEY = 'indgang.staff.locked-name';
const POLL_MS = 30000;

const el = {};
let opts = null; // { onUnlocked(user), onEnded(notice), onSignedOut() }
let timer = null;
let baseTitle = '';

export function initLock(options) {
  opts = options;
  baseTitle = document.title;
  for (const id of ['lock-view', 'lock-form', 'lock-title', 'lock-who', 'lock-count', 'lock-password',
    'lock-error', 'lock-submit', 'lock-logout']) {
    el[id] = document.getElementById(id);
  }
  el['lock-form'].addEventListener('submit', onUnlock);
  el['lock-logout'].addEventListener('click', onSignOut);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && lockShown()) poll();
  });
}

export function lockShown() {
  return !el['lock-view'].hidden;
}

// Is this page's sign-in locked (idle, not ended)?  Only a locked or live
// sign-in gets its count; the caller knows it is not live.
export async function probeLocked() {
  try {
    await api.unread();
    return true;
  } catch {
    return false;
  }
}

// Locks the page: what must survive goes to sessionStorage first (save),
// then a reload leaves nothing of the caseload behind.
export function lockPage(userName, save) {
  try {
    sessionStorage.setItem(NAME_KEY, userName || '');
    save();
  } catch {
    // storage full or refused: the lock matters more than the draft
  }
  location.reload();
}

export function showLock() {
  el['lock-view'].hidden = false;
  const name = sessionStorage.getItem(NAME_KEY);
  el['lock-title'].textContent = name ? t('lock.title_name', { name }) : t('lock.title');
  el['lock-error'].hidden = true;
  el['lock-password'].value = '';
  el['lock-password'].focus();
  poll();
}

function hideLock() {
  clearTimeout(timer);
  timer = null;
  el['lock-view'].hidden = true;
  el['lock-password'].value = '';
  document.title = baseTitle;
}

async function poll() {
  clearTimeout(timer);
  timer = null;
  let n;
  try {
    n = (await api.unread()).unread;
  } catch (e) {
    if (e.code === 'unauthorized') return end(t('lock.expired'));
    n = null; // offline: try again later
  }
  if (!lockShown()) return;
  if (n !== null) {
    el['lock-count'].textContent = n === 0 ? t('lock.unread_none') : n === 1 ? t('lock.unread_one') : t('lock.unread_other', { n });
    document.title = n > 0 ? `(${n}) ${baseTitle}` : baseTitle;
  }
  timer = setTimeout(poll, POLL_MS);
}

function end(notice) {
  hideLock();
  sessionStorage.removeItem(NAME_KEY);
  opts.onEnded(notice);
}

async function onUnlock(e) {
  e.preventDefault();
  const password = el['lock-password'].value;
  const err = el['lock-error'];
  if (!password) {
    err.textContent = t('lock.no_password');
    err.hidden = false;
    el['lock-password'].focus();
    return;
  }
  el['lock-submit'].disabled = true;
  try {
    const r = await api.unlock(password);
    hideLock();
    sessionStorage.removeItem(NAME_KEY);
    opts.onUnlocked(r.user);
  } catch (ex) {
    if (ex.code === 'unauthorized' && /expired/i.test(ex.message)) {
      end(t('lock.expired'));
      return;
    }
    err.textContent = t(ex.code === 'unauthorized' ? 'lock.wrong_password'
      : ex.code === 'rate_limited' ? 'lock.rate_limited'
        : ex.code === 'network' ? 'lock.network'
          : 'lock.failed');
    err.hidden = false;
    el['lock-password'].select();
    el['lock-password'].focus();
  } finally {
    el['lock-submit'].disabled = false;
  }
}

async function onSignOut() {
  try {
    await api.logout();
  } catch {
    // gone already: signed out here all the same
  }
  hideLock();
  sessionStorage.removeItem(NAME_KEY);
  opts.onSignedOut();
}
