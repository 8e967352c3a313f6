// staff.js - the staff web client (advisers and team members): the boot,
// the routes, the connection, signing in and out, and the wiring of the
// modules below.
//
// Signs in with /api/login (the session cookie does the rest), keeps one
// WebSocket through shared/protocol.js, and shows the caseload and a
// family's pages.  Routes live in the URL hash so the browser's back button
// and a reload keep the place:
//   #/                     the caseload
//   #/c/CONV               a conversation (conversation.js)
//   #/f/FAMILY/log         the family's contact log (log.js)
//   #/f/FAMILY/family      members, invitations, new conversation, the
//                          family's phones (revoke) (family.js), a leader's
//                          handover (handover.js)
//   #/f/FAMILY/meeting     the team's meeting: since the last one (meeting.js)
//   #/meeting              the meeting's overview of every family, for print
//   #/templates            the teams' reply templates (templates.js)
// The head over a family's pages (name, pair, tabs): family.js; the
// conversation's messages, older history, reply box and sending, and the
// chips of a family's conversations: conversation.js, each message drawn by
// message.js.
// The caseload, a work queue (last message, "Skal besvares" and how long the
// family has waited, sort and filter): caseload.js, its words waiting.js;
// the families derived from the conversations: families.js; the
// conversation's own needs-an-answer line and "Intet svar nødvendigt":
// handled.js; "I'm answering" (the partner sees "Bo skriver et svar…"):
// answering.js; the reply box's size (one line until it is used):
// composer.js.
// The unread count in the tab's title and the optional sound: attention.js.
// Notifications of new messages and what they show: notify.js (the
// "Indstillinger" dialog, the service worker sw.js).  Photos and documents
// in messages and notes (file picker, drag and drop, thumbnails, the
// viewer): attach.js.  The sign-in locked when idle: lock.js.  The strings
// in Danish and English: i18n.js (lang/XX.json).
// Issue 15, besides: a message corrected or withdrawn by its author ("Ret",
// "Træk tilbage"): correct.js; notes that name the user (@username) and the
// "@" list in the reply box: mentions.js (usernames from teams.js); out of
// office ("Jeg er væk", "Bo er væk til mandag"): away.js; a family waiting
// past its answer time: escalation.js; both through the notices in the
// corner: notices.js; the HTTP calls shared/api.js lacks: http.js.
// Issue 16: the family's case record ("Sag og journal" on the family page:
// closed or open, filed, the retention rules' next step; a closed case's
// conversation says so): record.js, its words retention.js.

import { Connection } from '../shared/protocol.js';
import { Outbox } from '../shared/outbox.js';
import { Store } from '../shared/store.js';
import { api, ApiError } from '../shared/api.js';
import { h, announce } from '../shared/dom.js';
import { MemoryFiles } from '../shared/attachments.js';
import { trackViewing } from '../shared/viewing.js';
import { initAttention, clearAttention } from './attention.js';
import { families, convName } from './families.js';
import { initCaseload, renderCaseload, refreshCaseload } from './caseload.js';
import { initHandled } from './handled.js';
import { initAnswering, resetAnswering } from './answering.js';
import { initComposer, quietFocus } from './composer.js';
import { initStaffNotify, startStaffNotify, stopStaffNotify } from './notify.js';
import { initLock, showLock, probeLocked, lockPage } from './lock.js';
import { initStaffSms } from './sms.js';
import { initStaffQuiet, showQuietLine } from './quiet.js';
import { initStaffDelivery } from './delivery.js';
import { initStaffSmsOut } from './smsout.js';
import { initScheduled } from './scheduled.js';
import { initStaffAttach, resetStaffAttach } from './attach.js';
import { initLog, openLog } from './log.js';
import { chooseLanguage, setLanguage, lang, t, LANGUAGES } from './i18n.js';
import { initNotices, clearNotices } from './notices.js';
import { loadTeams, resetTeams, rememberUsername, onTeams } from './teams.js';
import { initCorrect, isEditing, cancelEdit, resetCorrect } from './correct.js';
import { initMentions, closeMentions } from './mentions.js';
import { initAway, startAway, resetAway } from './away.js';
import { initEscalation, resetEscalation } from './escalation.js';
import { initTemplates, pickerPanel, closePicker, showTemplatesView, hideTemplatesView } from './templates.js';
import { initHandover, hideHandover } from './handover.js';
import { initRecord, hideRecord } from './record.js';
import { initRequests, hideRequests } from './requests.js';
import { initMeeting, openMeeting, closeMeeting, showMeetingAll, hideMeetingAll } from './meeting.js';
import { initMessages } from './message.js';
import {
  initConversation, composerHooks, renderConvPicker, lastConvOf, openConv, leaveConv, resetConversation,
  ensureLoaded, renderMessages, rerender, saveDraft, currentKind, updateCounter, showSendError, clearSendError,
} from './conversation.js';
import { initFamily, renderFamilyHead, openFamilyPanel, refreshDevices } from './family.js';

// An HTTP answer 401 means the sign-in is locked or gone.
function authLost(e) {
  if (e && e.code === 'unauthorized' && !el['app-view'].hidden) {
    conn.stop();
    lockOrLogin(t('staff.session_expired'));
    return true;
  }
  return false;
}

// ---- The lock (lock.js) ----------------------------------------------------
//
// An idle sign-in is locked: the drafts go to sessionStorage (with whose
// they are) and the page reloads, so nothing of the caseload stays.

const DRAFTS_KEY = 'indgang.staff.drafts';

async function lockOrLogin(notice) {
  if (await probeLocked()) {
    saveDraft();
    lockPage(store.me && store.me.name, () =>
      sessionStorage.setItem(DRAFTS_KEY, JSON.stringify({ user: store.me && store.me.id, drafts: [...drafts] })));
  } else {
    showLogin(notice);
  }
}

// The drafts a lock kept, for the same user only.
function restoreDrafts(user) {
  let kept = null;
  try {
    kept = JSON.parse(sessionStorage.getItem(DRAFTS_KEY));
  } catch {
    kept = null;
  }
  sessionStorage.removeItem(DRAFTS_KEY);
  if (!kept || kept.user !== user.id || !Array.isArray(kept.drafts)) return;
  for (const [conv, d] of kept.drafts) if (!drafts.has(conv)) drafts.set(conv, d);
}

// The gateway's error codes, in words (error.server for any other).
const ERROR_KEYS = {
  network: 'error.network', unauthorized: 'error.unauthorized', forbidden: 'error.forbidden',
  not_found: 'error.not_found', rate_limited: 'error.rate_limited', too_large: 'error.too_large',
  bad_request: 'error.bad_request', gone: 'error.gone', unsupported_type: 'error.unsupported_type',
  file_too_large: 'error.file_too_large', file_lost: 'error.file_lost', conflict: 'error.conflict',
  disconnected: 'error.disconnected', timeout: 'error.disconnected', case_closed: 'error.case_closed',
};

function humanError(e) {
  authLost(e);
  const code = e && e.code;
  return t(Object.hasOwn(ERROR_KEYS, code) ? ERROR_KEYS[code] : 'error.server');
}

// ---- State -------------------------------------------------------------

const conn = new Connection();
const store = new Store(conn);
// Files of waiting messages are kept in memory: a shared office PC keeps nothing.
const outbox = new Outbox(conn, { storage: sessionStorage, prefix: 'indgang.staff.outbox.', files: new MemoryFiles() });
const drafts = new Map(); // conv id -> {text, kind}
const el = {};
let route = { view: null };
let loggingOut = false;
// Tells the gateway the conversation on screen (none in the caseload, the log,
// the family page, or when the window is hidden).
const viewing = trackViewing(conn, () =>
  (el['app-view'] && !el['app-view'].hidden && route.view === 'conv' && store.convs.has(route.convId) ? route.convId : 0));

// The elements of these ids, by their ids (a view's own, for its module).
const byId = (ids) => Object.fromEntries(ids.map((id) => [id, document.getElementById(id)]));

// ---- Boot --------------------------------------------------------------

document.addEventListener('DOMContentLoaded', boot);

async function boot() {
  await setLanguage(chooseLanguage());
  initLanguagePicker(document.getElementById('lang-select'));
  for (const id of [
    'boot', 'login-view', 'login-form', 'login-notice', 'login-error', 'login-submit', 'username', 'password',
    'app-view', 'conn', 'me-name', 'logout', 'search', 'pair-list', 'team-list', 'pair-empty', 'team-empty',
    'empty-state', 'role-notice', 'family-view', 'fv-title', 'panel-conv', 'panel-log', 'panel-family',
    'panel-meeting', 'main', 'away-btn', 'scroller', 'msgs', 'composer', 'mode-hint', 'body', 'send-error', 'live',
    'sound', 'attach-tray', 'attach-btn', 'attach-file', 'team-section', 'queue-filter', 'queue-sort', 'queue-count',
    'conv-state', 'conv-answering',
  ]) {
    el[id] = document.getElementById(id);
  }
  initCaseload({
    store, conn,
    elements: {
      search: el.search, pairList: el['pair-list'], teamList: el['team-list'], pairEmpty: el['pair-empty'],
      teamEmpty: el['team-empty'], teamSection: el['team-section'], filter: el['queue-filter'], sort: el['queue-sort'],
      count: el['queue-count'], live: el.live,
    },
    currentConv: () => (route.view === 'conv' ? route.convId : null),
    change: () => route.view && renderHead(),
  });
  initConversation({
    store, conn, outbox, drafts, route: () => route, family: currentFamily, errorText: humanError,
    elements: byId([
      'scroller', 'older', 'history-start', 'msgs', 'composer', 'mode', 'kind-text', 'kind-note', 'mode-hint',
      'sms-hint', 'no-sms-field', 'no-sms', 'body', 'body-label', 'counter', 'send', 'send-error', 'members',
      'conv-picker', 'live', 'conv-closed', 'attach-btn', 'later-btn',
    ]),
  });
  initFamily({
    store, route: () => route, family: currentFamily, lastConv: lastConvOf, errorText: humanError,
    elements: byId([
      'fv-title', 'fv-sub', 'fv-away', 'fv-rel', 'tab-conv', 'tab-log', 'tab-family', 'tab-meeting',
      'member-list', 'invite-hint', 'invite-result', 'new-conv', 'new-conv-form', 'new-conv-name',
      'new-conv-members', 'new-conv-error', 'revoke', 'revoke-title', 'device-wrap', 'device-body', 'devices-note',
      'devices-refresh', 'revoke-confirm', 'revoke-question', 'revoke-yes', 'revoke-no', 'revoke-status', 'live',
    ]),
  });
  wire();
  initDay();
  initComposer({
    form: el.composer, textarea: el.body, list: el.scroller,
    keep: [el['attach-tray'], document.getElementById('later'), el['send-error'], pickerPanel(), document.getElementById('edit-bar')],
  });
  initHandled({ conn, store, element: el['conv-state'], liveRegion: el.live, errorText: humanError });
  initAnswering({ conn, store, element: el['conv-answering'], liveRegion: el.live, change: refreshCaseload });
  initAttention({ store, toggle: el.sound });
  initStaffQuiet();
  initStaffSms();
  initStaffDelivery({ conn, store, onChange: rerender });
  initStaffSmsOut({
    conn,
    change: (convId) => {
      rerender(convId);
      if (route.view === 'conv' && route.convId === convId) updateCounter();
    },
    failed: (convId) => {
      const conv = store.convs.get(convId);
      if (conv) announce(el.live, t('staff.sms_failed', { family: conv.family.name, conv: convName(conv) }));
    },
  });
  initScheduled({ connection: conn, liveRegion: el.live });
  initStaffAttach({
    conn, store, outbox,
    elements: { tray: el['attach-tray'], attachBtn: el['attach-btn'], fileInput: el['attach-file'], dropZone: el['panel-conv'], msgs: el.msgs },
    showError: showSendError,
    clearError: clearSendError,
    canDrop: () => route.view === 'conv' && !el['panel-conv'].hidden && store.convs.has(route.convId),
  });
  initStaffNotify({ onOpen: (conv) => conv && (location.hash = `#/c/${conv}`) });
  initLock({
    onUnlocked: (user) => startSession(user),
    onEnded: (notice) => showLogin(notice),
    onSignedOut: () => {
      outbox.clear();
      resetStaffAttach();
      drafts.clear();
      sessionStorage.removeItem(DRAFTS_KEY);
      showLogin(t('staff.signed_out'));
    },
  });
  try {
    const me = await api.me();
    startSession(me.user);
  } catch (e) {
    if (e instanceof ApiError && e.code === 'unauthorized' && (await probeLocked())) {
      el.boot.hidden = true;
      showLock();
      return;
    }
    showLogin(e instanceof ApiError && e.code !== 'unauthorized' ? humanError(e) : '');
  }
}

// Issue 15's views and notices, each in its own module; what they need of
// the reply box and the routes goes in here.
function initDay() {
  const openConvId = () => (route.view === 'conv' && document.visibilityState === 'visible' ? route.convId : null);
  initNotices(el['app-view']);
  initMessages({ store, conn, outbox, errorText: humanError });
  initLog({ store, family: currentFamily, errorText: humanError });
  initCorrect({ conn, store, liveRegion: el.live, humanError, change: rerender, composer: composerHooks() });
  initMentions({
    store, liveRegion: el.live, openConv: openConvId, form: el.composer, textarea: el.body,
    isNote: () => currentKind() === 'note' && !isEditing(), convId: () => (route.view === 'conv' ? route.convId : null),
  });
  initAway({ store, button: el['away-btn'], liveRegion: el.live, errorText: humanError });
  initEscalation({ conn, store });
  initTemplates({
    store, liveRegion: el.live, errorText: humanError, form: el.composer, textarea: el.body,
    before: el['mode-hint'], convId: () => (route.view === 'conv' ? route.convId : null), main: el.main,
  });
  initHandover({ store, parent: el['panel-family'], liveRegion: el.live, errorText: humanError });
  initRecord({ store, parent: el['panel-family'], liveRegion: el.live, errorText: humanError });
  initRequests({ store, parent: el['panel-family'], liveRegion: el.live, errorText: humanError });
  initMeeting({ conn, store, liveRegion: el.live, errorText: humanError, panel: el['panel-meeting'], main: el.main });
  store.addEventListener('changed', (e) => rerender(e.detail.conv.id));
  onTeams(() => route.view === 'conv' && renderMessages()); // the usernames: notes that name the user
}

// What is not a view's own (conversation.js and family.js wire theirs).
function wire() {
  el['login-form'].addEventListener('submit', onLogin);
  el.logout.addEventListener('click', onLogout);
  window.addEventListener('hashchange', onRoute);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'visible') return;
    if (route.view === 'conv') {
      store.markRead(route.convId);
      if (route.familyId) showQuietLine(route.familyId); // the hours may have changed meanwhile
    }
    // Back at the family page: a phone may have been enrolled meanwhile.
    if (route.view === 'family') refreshDevices();
  });
  conn.addEventListener('state', (e) => renderConn(e.detail));
  conn.addEventListener('welcome', (e) => {
    outbox.load(e.detail.user.id);
    el['me-name'].textContent = e.detail.user.name;
    onRoute(true); // the conversations are known now
  });
  conn.addEventListener('fatal', (e) => onFatal(e.detail));
}

// ---- Sign in and out ----------------------------------------------------

function showLogin(notice = '') {
  clearAttention();
  el.boot.hidden = true;
  el['app-view'].hidden = true;
  viewing();
  el['login-view'].hidden = false;
  el['login-notice'].hidden = !notice;
  el['login-notice'].textContent = notice;
  el['login-error'].hidden = true;
  el['login-submit'].disabled = false;
  (el.username.value ? el.password : el.username).focus();
}

async function onLogin(e) {
  e.preventDefault();
  const username = el.username.value.trim();
  const password = el.password.value;
  const err = el['login-error'];
  if (!username || !password) {
    err.textContent = t('staff.login_missing');
    err.hidden = false;
    (username ? el.password : el.username).focus();
    return;
  }
  el['login-submit'].disabled = true;
  el['login-submit'].textContent = t('staff.login_busy');
  try {
    const r = await api.login(username, password);
    el.password.value = '';
    startSession(r.user);
    rememberUsername(r.user, username); // for @mentions (USER has no username)
  } catch (ex) {
    err.textContent = ex.code === 'unauthorized' ? t('staff.login_wrong') : humanError(ex);
    err.hidden = false;
    el.password.select();
    el.password.focus();
  } finally {
    el['login-submit'].disabled = false;
    el['login-submit'].textContent = t('staff.login_submit');
  }
}

function startSession(user) {
  restoreDrafts(user);
  el.boot.hidden = true;
  el['login-view'].hidden = true;
  el['app-view'].hidden = false;
  el['me-name'].textContent = user.name;
  if (store.me && store.me.id !== user.id) {
    // Someone else signs in on this page: nothing of the last user stays.
    resetAnswering();
    resetDay();
    store.reset();
    drafts.clear();
    resetConversation();
  }
  if (user.role !== 'adviser') {
    el['role-notice'].hidden = false;
    el['role-notice'].textContent = user.role === 'family' ? t('staff.role_family') : t('staff.role_admin');
    el['empty-state'].hidden = true;
  } else {
    el['role-notice'].hidden = true;
  }
  outbox.load(user.id);
  conn.start();
  onRoute();
  startStaffNotify(user);
  loadTeams(user);
  document.querySelector('.tools').hidden = user.role !== 'adviser';
  if (user.role === 'adviser') startAway();
}

// Nothing of issue 15's views stays for the next person at this computer.
function resetDay() {
  cancelEdit({ quiet: true });
  resetCorrect();
  closeMentions();
  closePicker();
  resetTeams();
  resetAway();
  resetEscalation();
  clearNotices();
}

async function onLogout() {
  loggingOut = true;
  resetAnswering(); // says `stop` while the connection is still there
  try {
    await api.logout();
  } catch {
    /* the cookie may already be gone; sign out locally anyway */
  }
  conn.stop();
  stopStaffNotify();
  resetDay();
  outbox.clear();
  resetStaffAttach();
  store.reset();
  drafts.clear();
  sessionStorage.removeItem(DRAFTS_KEY);
  loggingOut = false;
  location.hash = '#/';
  showLogin(t('staff.signed_out'));
}

function onFatal({ code, reason }) {
  if (loggingOut) return;
  // Idle: locked (lock.js).  Ended (expired, signed out elsewhere,
  // deactivated): keep the page, drafts and waiting messages; signing in
  // again carries on.
  if (code === 4403) {
    showLogin(t('staff.signed_out_elsewhere'));
    return;
  }
  lockOrLogin(reason === 'idle' ? t('staff.signed_out_idle') : t('staff.session_expired'));
}

// ---- Connection state -----------------------------------------------------

const CONN_KEYS = {
  open: 'staff.conn_open', connecting: 'staff.conn_connecting', waiting: 'staff.conn_connecting',
  offline: 'staff.conn_offline', closed: 'staff.conn_closed',
};

let everOpen = false;
function renderConn({ state }) {
  const c = el.conn;
  if (state === 'open') everOpen = true;
  // Retrying alternates 'waiting' and 'connecting': one steady text for both,
  // so a screen reader hears about an outage once, not at every attempt.
  const retrying = everOpen && (state === 'waiting' || state === 'connecting');
  c.dataset.state = state;
  const text = retrying
    ? t('staff.conn_retrying')
    : Object.hasOwn(CONN_KEYS, state) ? t(CONN_KEYS[state]) : state;
  if (c.textContent !== text) c.textContent = text;
  if (state === 'open' && route.view === 'conv') ensureLoaded(route.convId);
}

// ---- Routing --------------------------------------------------------------------

const PAGES = { '#/meeting': 'meeting-all', '#/templates': 'templates' }; // views of their own

function parseRoute() {
  if (PAGES[location.hash]) return { view: PAGES[location.hash], page: true };
  const m = location.hash.match(/^#\/(c|f)\/(\d+)(?:\/(log|family|meeting))?$/);
  if (!m) return { view: null };
  if (m[1] === 'c') return { view: 'conv', convId: Number(m[2]) };
  return { view: m[3] || 'log', familyId: Number(m[2]) };
}

function onRoute(force = false) {
  if (el['app-view'].hidden) return;
  const fromCaseload = !!(document.activeElement && document.activeElement.closest('.caseload'));
  const prev = route;
  route = parseRoute();
  if (route.view === 'conv') {
    const conv = store.convs.get(route.convId);
    if (conv) route.familyId = conv.family.id;
    else if (store.convs.size) {
      route = { view: null }; // not (or no longer) visible
    }
  }
  const staffOk = el['role-notice'].hidden;
  el['app-view'].classList.toggle('has-selection', !!route.view);
  const show = !!route.view && !route.page && staffOk;
  el['family-view'].hidden = !show;
  el['empty-state'].hidden = !!route.view || !staffOk;
  el['panel-conv'].hidden = route.view !== 'conv';
  el['panel-log'].hidden = route.view !== 'log';
  el['panel-family'].hidden = route.view !== 'family';
  el['panel-meeting'].hidden = route.view !== 'meeting';
  viewing();
  if (route.view !== 'conv') leaveConv();
  if (route.view !== 'family') {
    hideHandover();
    hideRecord();
    hideRequests();
  }
  if (route.view !== 'meeting') closeMeeting();
  if (route.view !== 'meeting-all') hideMeetingAll();
  if (route.view !== 'templates') hideTemplatesView();
  renderCaseload();
  const changed =
    force === true || prev.view !== route.view || prev.convId !== route.convId || prev.familyId !== route.familyId;
  if (route.page && staffOk) {
    if (changed && route.view === 'meeting-all') showMeetingAll();
    if (changed && route.view === 'templates') showTemplatesView();
    return;
  }
  if (!show) return;
  renderHead();
  if (route.view === 'conv') openConv(route.convId, changed);
  else if (route.view === 'log' && changed) openLog();
  else if (route.view === 'family' && changed) openFamilyPanel();
  else if (route.view === 'meeting' && changed && currentFamily()) openMeeting(currentFamily());
  if (changed && force !== true && fromCaseload) {
    // Arriving from the caseload: move on to the content for keyboard users.
    // The caret waits in the reply box, which stays one line until used.
    if (route.view === 'conv' && !el.composer.hidden) quietFocus();
    else el['fv-title'].focus({ preventScroll: true });
  }
}

function currentFamily() {
  return families(store).get(route.familyId);
}

// The head over the family's pages (family.js), with the chips of its
// conversations (conversation.js).
function renderHead() {
  const f = renderFamilyHead();
  if (f) renderConvPicker(f);
}

// The settings' language list, each in its own name; a choice reloads the
// page, so every view is drawn anew in it.
function initLanguagePicker(select) {
  for (const l of LANGUAGES) select.append(h('option', { value: l.code, lang: l.code }, l.name));
  select.value = lang().code;
  select.addEventListener('change', async () => {
    await setLanguage(select.value, { remember: true });
    location.reload();
  });
}
