// staff.js - the staff web client (advisers and team members).
//
// Signs in with /api/login (the session cookie does the rest), keeps one
// WebSocket through shared/protocol.js, and renders the caseload, a family's
// conversations, its contact log and (for the pair) invitations, restricted
// conversations and device revocation.  Routes live in the URL hash so the
// browser's back button and a reload keep the place:
//   #/                     the caseload
//   #/c/CONV               a conversation
//   #/f/FAMILY/log         the family's contact log (log.js)
//   #/f/FAMILY/family      members, invitations, new conversation, the
//                          family's phones (revoke), a leader's handover
//                          (handover.js)
//   #/f/FAMILY/meeting     the team's meeting: since the last one (meeting.js)
//   #/meeting              the meeting's overview of every family, for print
//   #/templates            the teams' reply templates (templates.js)
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
// viewer): attach.js.
// Issue 15, besides: a message corrected or withdrawn by its author ("Ret",
// "Træk tilbage"): correct.js; notes that name the user (@username) and the
// "@" list in the reply box: mentions.js (usernames from teams.js); out of
// office ("Jeg er væk", "Bo er væk til mandag"): away.js; a family waiting
// past its answer time: escalation.js; both through the notices in the
// corner: notices.js; the HTTP calls shared/api.js lacks: http.js.

import { Connection } from '../shared/protocol.js';
import { Outbox } from '../shared/outbox.js';
import { Store } from '../shared/store.js';
import { api, ApiError } from '../shared/api.js';
import { h, clear, announce, codePoints, reconcile } from '../shared/dom.js';
import { dayKey, dayLabel, time, dateTime } from '../shared/format.js';
import { qrSvg } from '../shared/qr.js';
import { sortDevices } from '../shared/devices.js';
import { initAttention, clearAttention } from './attention.js';
import { families, convName, isRestricted } from './families.js';
import { initCaseload, renderCaseload, refreshCaseload } from './caseload.js';
import { initHandled, showHandled, hideHandled } from './handled.js';
import { initAnswering, composing, showAnswering, hideAnswering, resetAnswering } from './answering.js';
import { initComposer, quietFocus, refreshComposer } from './composer.js';
import { trackViewing } from '../shared/viewing.js';
import { initStaffNotify, startStaffNotify, stopStaffNotify } from './notify.js';
import { initLock, showLock, probeLocked, lockPage } from './lock.js';
import { initStaffSms, openMemberSms } from './sms.js';
import { initStaffQuiet, showQuietLine, hideQuietLine, openQuietForm } from './quiet.js';
import { initStaffDelivery } from './delivery.js';
import { initStaffSmsOut, openSmsOut, composerLine, canMarkNoSms, smsLine } from './smsout.js';
import { initScheduled, showScheduled, hideScheduled } from './scheduled.js';
import { MemoryFiles, attSig } from '../shared/attachments.js';
import { initStaffAttach, ready as filesReady, takePicked, dropPicked, resetStaffAttach } from './attach.js';
import { initLog, openLog } from './log.js';
import { chooseLanguage, setLanguage, lang, LANGUAGES } from './i18n.js';
import { initNotices, clearNotices } from './notices.js';
import { loadTeams, resetTeams, rememberUsername, onTeams } from './teams.js';
import { initCorrect, editSig, armExpiry, isEditing, submitEdit, cancelEdit, resetCorrect } from './correct.js';
import { initMentions, mentionsMe, closeMentions } from './mentions.js';
import { initAway, startAway, resetAway, awayTag } from './away.js';
import { initEscalation, resetEscalation } from './escalation.js';
import { initTemplates, pickerPanel, closePicker, showTemplatesView, hideTemplatesView } from './templates.js';
import { initHandover, showHandover, hideHandover } from './handover.js';
import { initMeeting, openMeeting, closeMeeting, showMeetingAll, hideMeetingAll } from './meeting.js';
import { initMessages, renderMessage, renderPending, deliveryText, membersLine } from './message.js';

const LOCALE = 'da-DK';
const MAX_BODY = 4000;
const COUNT_FROM = 3500;

// An HTTP answer 401 means the sign-in is locked or gone.
function authLost(e) {
  if (e && e.code === 'unauthorized' && !el['app-view'].hidden) {
    conn.stop();
    lockOrLogin('Din session er udløbet. Log ind igen – dit udkast er gemt.');
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

function humanError(e) {
  authLost(e);
  const code = e && e.code;
  switch (code) {
    case 'network':
      return 'Ingen forbindelse til serveren. Tjek netværket, og prøv igen.';
    case 'unauthorized':
      return 'Du er ikke logget ind længere. Log ind igen.';
    case 'forbidden':
      return 'Det har du ikke ret til.';
    case 'not_found':
      return 'Det findes ikke, eller du har ikke adgang til det.';
    case 'rate_limited':
      return 'For mange forsøg på kort tid. Vent lidt, og prøv igen.';
    case 'too_large':
      return 'Teksten er for lang (højst 4.000 tegn).';
    case 'bad_request':
      return 'Det kunne serveren ikke bruge. Tjek det, du har skrevet.';
    case 'gone':
      return 'Det findes ikke længere.';
    case 'unsupported_type':
      return 'En vedhæftet fil er hverken et billede eller en PDF.';
    case 'file_too_large':
      return 'En vedhæftet fil er for stor (højst 10 MB).';
    case 'file_lost':
      return 'En vedhæftet fil findes ikke længere i browseren (siden er genindlæst). Slet beskeden, og vedhæft filen igen.';
    case 'conflict':
      return 'En vedhæftet fil er allerede sendt i en anden besked.';
    case 'disconnected':
    case 'timeout':
      return 'Forbindelsen er afbrudt. Det bliver sendt, når den er tilbage.';
    default:
      return 'Noget gik galt på serveren. Prøv igen om lidt.';
  }
}

// ---- State -------------------------------------------------------------

const conn = new Connection();
const store = new Store(conn);
// Files of waiting messages are kept in memory: a shared office PC keeps nothing.
const outbox = new Outbox(conn, { storage: sessionStorage, prefix: 'indgang.staff.outbox.', files: new MemoryFiles() });
const drafts = new Map(); // conv id -> {text, kind}
const el = {};
let route = { view: null };
let renderedConv = null;
let loggingOut = false;
// Tells the gateway the conversation on screen (none in the caseload, the log,
// the family page, or when the window is hidden).
const viewing = trackViewing(conn, () =>
  (el['app-view'] && !el['app-view'].hidden && route.view === 'conv' && store.convs.has(route.convId) ? route.convId : 0));

// ---- Boot --------------------------------------------------------------

document.addEventListener('DOMContentLoaded', boot);

async function boot() {
  await setLanguage(chooseLanguage());
  initLanguagePicker(document.getElementById('lang-select'));
  for (const id of [
    'boot', 'login-view', 'login-form', 'login-notice', 'login-error', 'login-submit', 'username', 'password',
    'app-view', 'conn', 'me-name', 'logout', 'search', 'pair-list', 'team-list', 'pair-empty', 'team-empty',
    'empty-state', 'role-notice', 'family-view', 'fv-title', 'fv-sub', 'fv-rel',
    'tab-conv', 'tab-log', 'tab-family', 'tab-meeting', 'panel-conv', 'panel-log', 'panel-family', 'panel-meeting',
    'main', 'away-btn', 'fv-away', 'conv-picker', 'members',
    'scroller', 'older', 'history-start', 'msgs', 'composer', 'mode', 'kind-text', 'kind-note', 'mode-hint',
    'sms-hint', 'no-sms-field', 'no-sms',
    'body', 'body-label', 'counter', 'send', 'send-error', 'member-list', 'invite-hint', 'invite-result', 'new-conv', 'new-conv-form',
    'new-conv-name', 'new-conv-members', 'new-conv-error', 'revoke', 'revoke-title', 'device-wrap', 'device-body',
    'devices-note', 'devices-refresh', 'revoke-confirm', 'revoke-question', 'revoke-yes', 'revoke-no',
    'revoke-status', 'live', 'sound', 'attach-tray', 'attach-btn', 'attach-file',
    'team-section', 'queue-filter', 'queue-sort', 'queue-count', 'conv-state', 'conv-answering',
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
    change: () => route.view && renderFamilyHead(),
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
  const rerender = (convId) => route.view === 'conv' && route.convId === convId && renderMessages();
  initStaffDelivery({ conn, store, onChange: rerender });
    initStaffSmsOut({
    conn,
    change: (convId) => {
      rerender(convId);
      if (route.view === 'conv' && route.convId === convId) updateCounter();
    },
    failed: (convId) => {
      const conv = store.convs.get(convId);
      if (conv) announce(el.live, `En SMS til familien i ${conv.family.name} kunne ikke sendes. Se samtalen ${convName(conv)}.`);
    },
  });
  initScheduled({ connection: conn, liveRegion: el.live });
  initStaffAttach({
    conn, store, outbox,
    elements: { tray: el['attach-tray'], attachBtn: el['attach-btn'], fileInput: el['attach-file'], dropZone: el['panel-conv'], msgs: el.msgs },
    showError: showSendError,
    clearError: () => {
      el['send-error'].hidden = true;
    },
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
      showLogin('Du er logget ud.');
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
  const rerender = (convId) => route.view === 'conv' && route.convId === convId && renderMessages();
  initNotices(el['app-view']);
  initMessages({ store, conn, outbox, errorText: humanError });
  initLog({ store, family: currentFamily, errorText: humanError });
  initCorrect({
    conn, store, liveRegion: el.live, humanError, change: rerender,
    composer: {
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
      clearError: () => {
        el['send-error'].hidden = true;
      },
      labels: ({ label, send }) => {
        el['body-label'].textContent = label;
        el.send.textContent = send;
        el['sms-hint'].hidden = true;
      },
    },
  });
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
  initMeeting({ conn, store, liveRegion: el.live, errorText: humanError, panel: el['panel-meeting'], main: el.main });
  store.addEventListener('changed', (e) => rerender(e.detail.conv.id));
  onTeams(() => route.view === 'conv' && renderMessages()); // the usernames: notes that name the user
}

function wire() {
  el['login-form'].addEventListener('submit', onLogin);
  el.logout.addEventListener('click', onLogout);
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
  el['new-conv-form'].addEventListener('submit', onCreateConv);
  el['revoke-yes'].addEventListener('click', onRevokeYes);
  el['revoke-no'].addEventListener('click', onRevokeNo);
  el['revoke-confirm'].addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      onRevokeNo();
    }
  });
  el['devices-refresh'].addEventListener('click', () => loadDevices({ announce: true }));
  window.addEventListener('hashchange', onRoute);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'visible') return;
    if (route.view === 'conv') {
      store.markRead(route.convId);
      if (route.familyId) showQuietLine(route.familyId); // the hours may have changed meanwhile
    }
    // Back at the family page: a phone may have been enrolled meanwhile.
    if (route.view === 'family' && !el.revoke.hidden && el['revoke-confirm'].hidden) loadDevices();
  });

  conn.addEventListener('state', (e) => renderConn(e.detail));
  conn.addEventListener('welcome', (e) => {
    outbox.load(e.detail.user.id);
    el['me-name'].textContent = e.detail.user.name;
    onRoute(true); // the conversations are known now
  });
  conn.addEventListener('fatal', (e) => onFatal(e.detail));
  conn.addEventListener('servererror', (e) => {
    if (e.detail.code === 'rate_limited') showSendError('Du sender meget hurtigt. Vent et øjeblik.');
  });
  store.addEventListener('message', (e) => onStoreMessage(e.detail));
  store.addEventListener('conversation', (e) => onNewConversation(e.detail.conv));
  store.addEventListener('receipt', (e) => {
    if (route.view === 'conv' && e.detail.conv.id === route.convId) renderMessages();
  });
  // A file was checked: its thumbnail or link, or why it was rejected.
  store.addEventListener('attachment', (e) => {
    if (route.view === 'conv' && e.detail.conv && e.detail.conv.id === route.convId) renderMessages();
  });
  store.addEventListener('history', (e) => {
    if (route.view === 'conv' && e.detail.conv.id === route.convId) renderMessages({ keepOffset: true });
  });
  outbox.addEventListener('change', () => {
    if (route.view === 'conv') renderMessages();
  });
  outbox.addEventListener('failed', (e) => showSendError(humanError({ code: e.detail.code })));
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
    err.textContent = 'Skriv både brugernavn og adgangskode.';
    err.hidden = false;
    (username ? el.password : el.username).focus();
    return;
  }
  el['login-submit'].disabled = true;
  el['login-submit'].textContent = 'Logger ind …';
  try {
    const r = await api.login(username, password);
    el.password.value = '';
    startSession(r.user);
    rememberUsername(r.user, username); // for @mentions (USER has no username)
  } catch (ex) {
    err.textContent =
      ex.code === 'unauthorized' ? 'Forkert brugernavn eller adgangskode.' : humanError(ex);
    err.hidden = false;
    el.password.select();
    el.password.focus();
  } finally {
    el['login-submit'].disabled = false;
    el['login-submit'].textContent = 'Log ind';
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
    el.body.value = '';
    refreshComposer();
    renderedConv = null;
    clear(el.msgs);
  }
  if (user.role !== 'adviser') {
    el['role-notice'].hidden = false;
    el['role-notice'].textContent =
      user.role === 'family'
        ? 'Denne side er for medarbejdere. Familier bruger familie-appen på /family/.'
        : 'Du er logget ind som administrator. Administratorer læser ikke beskeder; konti, teams og invitationer styres med indgang-admin.';
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
  showLogin('Du er logget ud.');
}

function onFatal({ code, reason }) {
  if (loggingOut) return;
  // Idle: locked (lock.js).  Ended (expired, signed out elsewhere,
  // deactivated): keep the page, drafts and waiting messages; signing in
  // again carries on.
  if (code === 4403) {
    showLogin('Du er blevet logget ud (fra et andet vindue eller af en administrator). Log ind igen.');
    return;
  }
  lockOrLogin(reason === 'idle'
    ? 'Du er logget ud, fordi du ikke har været aktiv i et stykke tid. Log ind igen – dit udkast er gemt.'
    : 'Din session er udløbet. Log ind igen – dit udkast er gemt.');
}

// ---- Connection state -----------------------------------------------------

let everOpen = false;
function renderConn({ state }) {
  const c = el.conn;
  if (state === 'open') everOpen = true;
  // Retrying alternates 'waiting' and 'connecting': one steady text for both,
  // so a screen reader hears about an outage once, not at every attempt.
  const retrying = everOpen && (state === 'waiting' || state === 'connecting');
  c.dataset.state = state;
  const text = retrying
    ? 'Forbindelsen er afbrudt – prøver igen …'
    : {
        open: 'Forbundet',
        connecting: 'Forbinder …',
        waiting: 'Forbinder …',
        offline: 'Offline – det, du sender, venter til forbindelsen er tilbage',
        closed: 'Ikke forbundet',
      }[state] || state;
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
  if (route.view !== 'conv') {
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
  if (route.view !== 'family') hideHandover();
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
  renderFamilyHead();
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

function renderFamilyHead() {
  const f = currentFamily();
  if (!f) {
    if (store.convs.size && route.view) {
      el['fv-title'].textContent = 'Familien findes ikke i din sagsliste';
      el['fv-sub'].textContent = '';
    }
    return;
  }
  el['fv-title'].textContent = f.name;
  // The pair, the coordinator (CONV.primary, "tovholder") first and named so.
  const primary = f.main.primary;
  const adv = [...f.advisers.values()]
    .sort((a, b) => (b.id === primary) - (a.id === primary))
    .map((u) => (u.id === primary ? `${u.name} (tovholder)` : u.name))
    .join(' og ');
  el['fv-sub'].textContent = adv ? `Makkerpar: ${adv}` : '';
  el['fv-sub'].title = el['fv-sub'].textContent; // one line (day.css)
  el['fv-away'].replaceChildren(...[awayTag(f, store.me)].filter(Boolean));
  el['fv-away'].hidden = !el['fv-away'].firstChild;
  el['fv-rel'].textContent = f.pair ? 'Du er i makkerparret' : 'Du er i teamet (læse + noter)';
  el['fv-rel'].className = `rel-tag${f.pair ? ' pair' : ''}`;
  const convId = route.view === 'conv' ? route.convId : (lastConvOf.get(f.id) || f.main.id);
  setTab(el['tab-conv'], `#/c/${convId}`, route.view === 'conv');
  setTab(el['tab-log'], `#/f/${f.id}/log`, route.view === 'log');
  setTab(el['tab-family'], `#/f/${f.id}/family`, route.view === 'family');
  setTab(el['tab-meeting'], `#/f/${f.id}/meeting`, route.view === 'meeting');
  // The tab title stays neutral: window titles show in task bars and shared screens.
  // Conversation chips, when the family has more than one.
  clear(el['conv-picker']);
  if (f.convs.length > 1) {
    for (const c of f.convs) {
      el['conv-picker'].append(
        h('a', { class: 'conv-chip', href: `#/c/${c.id}`, 'aria-current': route.convId === c.id ? 'page' : null },
          convName(c),
          isRestricted(c, f) ? h('span', { class: 'restricted-tag' }, 'begrænset') : null,
          c.unread ? h('span', { class: 'badge' }, String(c.unread), h('span', { class: 'visually-hidden' }, ' ulæste')) : null),
      );
    }
  }
}

const lastConvOf = new Map(); // family id -> last conversation opened

function setTab(a, href, current) {
  a.href = href;
  if (current) a.setAttribute('aria-current', 'page');
  else a.removeAttribute('aria-current');
}

// ---- Conversation ----------------------------------------------------------------

async function openConv(convId, changed) {
  const conv = store.convs.get(convId);
  if (!conv) {
    clear(el.msgs);
    return;
  }
  const f = currentFamily();
  lastConvOf.set(conv.family.id, convId);
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
    updateCounter();
    renderMessages({ toBottom: true });
  }
  openSmsOut(convId); // afresh each time: the family page may have changed who gets SMS
  await ensureLoaded(convId);
  // Back in a conversation loaded before: what came meanwhile is read now.
  if (route.view === 'conv' && route.convId === convId && document.visibilityState === 'visible') store.markRead(convId);
}

async function ensureLoaded(convId) {
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
  if (route.view !== 'conv') return;
  el.older.disabled = true;
  try {
    await store.loadOlder(route.convId);
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
      ? 'Du er i familiens team: du kan skrive interne noter til makkerparret og teamet. Familien ser dem aldrig.'
      : 'Intern note – kun makkerparret og teamet kan se den. Familien ser den aldrig.'
    : 'Besked til familien – familien, begge rådgivere og teamet kan se den.';
  el['body-label'].textContent = note ? 'Intern note (familien ser den ikke)' : 'Besked til familien';
  el.body.placeholder = note ? 'Skriv en intern note …' : 'Skriv til familien …';
  el.send.textContent = note ? 'Gem intern note' : 'Send til familien';
  if (!keepDraft) saveDraft();
  updateCounter();
  noteComposing(); // a reply turned note is no longer an answer (and a new conversation stops the last)
}

// Tells answering.js what the reply box holds, and where.
function noteComposing({ typed = false } = {}) {
  const text = isEditing() ? '' : el.body.value; // a correction is no answer
  composing(route.view === 'conv' ? route.convId : null, text, currentKind(), { typed });
}

function currentKind() {
  return el['kind-note'].checked ? 'note' : 'text';
}

function saveDraft(convId = renderedConv) {
  if (convId === null || isEditing()) return; // correct.js keeps the draft meanwhile
  drafts.set(convId, { text: el.body.value, kind: currentKind() });
}

function updateCounter() {
  const n = codePoints(el.body.value.trim());
  const c = el.counter;
  c.classList.toggle('over', n > MAX_BODY);
  c.textContent = n >= COUNT_FROM ? `${n.toLocaleString(LOCALE)} / ${MAX_BODY.toLocaleString(LOCALE)} tegn` : '';
  el.send.disabled = n > MAX_BODY;
  updateSmsHint();
}

// Who gets it by SMS, and what it costs there (smsout.js); a note never goes.
function updateSmsHint() {
  const text = route.view === 'conv' && currentKind() === 'text' && !isEditing();
  const line = text ? composerLine(route.convId, el.body.value, el['no-sms'].checked, (store.me || {}).name || '') : '';
  el['sms-hint'].textContent = line;
  el['sms-hint'].hidden = !line;
  el['no-sms-field'].hidden = !text || !canMarkNoSms(route.convId);
}

function showSendError(text) {
  el['send-error'].textContent = text;
  el['send-error'].hidden = false;
}

async function sendFromComposer() {
  if (route.view !== 'conv') return;
  if (isEditing()) {
    submitEdit();
    return;
  }
  const convId = route.convId;
  const body = el.body.value.trim();
  el['send-error'].hidden = true;
  const withFiles = await filesReady(); // a photo still being made smaller goes with it
  if ((!body && !withFiles) || route.view !== 'conv' || route.convId !== convId) return;
  if (codePoints(body) > MAX_BODY) {
    showSendError('Teksten er for lang: højst 4.000 tegn.');
    return;
  }
  const noSms = currentKind() === 'text' && !el['no-sms-field'].hidden && el['no-sms'].checked;
  outbox.add(route.convId, body, currentKind(), { no_sms: noSms, files: withFiles ? takePicked() : [] });
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
  const open = route.view === 'conv' && route.convId === conv.id;
  if (open) {
    renderMessages({ toBottom: mine });
    if (!mine && document.visibilityState === 'visible') store.markRead(conv.id);
  }
  if (live && !mine) {
    const what = m.kind === 'note' ? 'Ny intern note' : 'Ny besked';
    announce(
      el.live,
      open
        ? `${what} fra ${m.sender.name}: ${m.body.slice(0, 140)}`
        : `${what} fra ${m.sender.name} i ${conv.family.name}, ${convName(conv)}`,
    );
  }
}

function renderMessages({ toBottom = false, keepOffset = false } = {}) {
  if (route.view !== 'conv') return;
  const conv = store.convs.get(route.convId);
  if (!conv) return;
  const sc = el.scroller;
  const fromBottom = sc.scrollHeight - sc.scrollTop;
  const atBottom = sc.scrollHeight - sc.scrollTop - sc.clientHeight < 60;
  const items = [];
  let lastDay = null;
  const addDay = (ts) => {
    const k = dayKey(ts);
    if (k === lastDay) return;
    lastDay = k;
    const label = dayLabel(ts, LOCALE, { today: 'I dag', yesterday: 'I går' });
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
  if (!conv.loaded && !conv.messages.size) hint = conn.isOpen ? 'Henter beskeder …' : 'Beskederne hentes, når forbindelsen er der.';
  else if (conv.loaded && conv.messages.size === 0 && !pending.length) hint = 'Ingen beskeder endnu.';
  if (hint) items.push({ key: 'hint', sig: hint, render: () => h('li', { class: 'hint' }, hint) });
  reconcile(el.msgs, items);
  el.older.hidden = !conv.loaded || !conv.more;
  el['history-start'].hidden = !conv.loaded || conv.more || conv.messages.size === 0;
  if (keepOffset) sc.scrollTop = sc.scrollHeight - fromBottom;
  else if (toBottom || atBottom) sc.scrollTop = sc.scrollHeight;
  armExpiry(conv); // "Ret" goes by itself after five minutes
}

// ---- Family panel: invitations, restricted conversations, revocation ------------------

function openFamilyPanel() {
  const f = currentFamily();
  if (!f) return;
  el['invite-result'].hidden = true;
  clear(el['invite-result']);
  endAsk();
  el['revoke-status'].textContent = '';
  el['new-conv-error'].hidden = true;
  el['new-conv'].hidden = !f.pair;
  el.revoke.hidden = !f.pair; // the device list is the pair's (team members get 403)
  openQuietForm(f);
  showHandover(f); // a leader of the family's team: "Overdrag familien"
  if (f.pair) loadDevices();
  el['invite-hint'].textContent = f.pair
    ? 'En invitationskode tilmelder én telefon som det familiemedlem. Koden kan bruges én gang og udløber efter 72 timer.'
    : 'Kun makkerparret laver invitationer og samtaler. Du ser familien som medlem af teamet.';
  clear(el['member-list']);
  const members = [...f.members.values()].sort((a, b) => a.id - b.id);
  for (const u of members) {
    el['member-list'].append(
      h('li', null,
        h('span', { class: 'name' }, u.name),
                f.pair ? h('button', { class: 'btn', type: 'button', onclick: (ev) => makeInvite(u, ev.currentTarget) }, 'Lav invitationskode', h('span', { class: 'visually-hidden' }, ` til ${u.name}`)) : null,
        f.pair ? h('button', { class: 'btn', type: 'button', onclick: (ev) => sendInvite(u, ev.currentTarget) }, 'Send kode som SMS', h('span', { class: 'visually-hidden' }, ` til ${u.name}`)) : null,
      ),
    );
  }
  if (!members.length) el['member-list'].append(h('li', { class: 'hint' }, 'Ingen familiemedlemmer.'));
  openMemberSms(f, members);
  clear(el['new-conv-members']);
  for (const u of members) {
    el['new-conv-members'].append(
      h('label', null, h('input', { type: 'checkbox', name: 'member', value: String(u.id) }), u.name),
    );
  }
}

// The code goes straight to the member's own number: nobody here sees it.
async function sendInvite(member, button) {
  const box = el['invite-result'];
  button.disabled = true;
  clear(box);
  try {
    const r = await api.inviteBySms(member.id);
    box.append(h('p', { role: 'status' },
      `Invitationen er sendt som SMS til ${member.name} (${r.sent_to}). Linket i den virker én gang, til ${dateTime(r.expires_at, LOCALE)}.`));
    } catch (e) {
    const why = {
      bad_request: `${member.name} har intet telefonnummer. Tilføj det under SMS nedenfor.`,
      conflict: `${member.name}s nummer har sendt STOP. Slå SMS til igen under SMS nedenfor først.`,
      unavailable: 'Der er ikke sat SMS op på denne server. Lav en invitationskode i stedet.',
    }[e && e.code];
    box.append(h('p', { class: 'error-box', role: 'alert' }, why || humanError(e)));
  } finally {
    box.hidden = false;
    button.disabled = false;
  }
}

async function makeInvite(member, button) {
  const box = el['invite-result'];
  button.disabled = true;
  try {
    const r = await api.invite(member.id);
    const link = `${location.origin}/family/#code=${encodeURIComponent(r.code)}`;
    clear(box);
    box.append(
      h('div', { class: 'invite-qr' }, qrSvg(link, { label: `QR-kode med invitationslink til ${member.name}` })),
      h('div', null,
        h('h3', null, `Invitation til ${member.name}`),
        h('p', { class: 'hint' }, 'Lad familiemedlemmet scanne QR-koden med telefonens kamera, eller skriv koden i familie-appen.'),
        h('p', { class: 'invite-code', 'aria-label': `Kode: ${r.code.split('').join(' ')}` }, r.code),
        h('p', null, `Gyldig til ${dateTime(r.expires_at, LOCALE)}. Kan bruges én gang.`),
        h('p', { class: 'invite-link' }, link),
        h('button', {
          class: 'btn', type: 'button',
          onclick: async (ev) => {
            try {
              await navigator.clipboard.writeText(link);
              ev.currentTarget.textContent = 'Link kopieret';
            } catch {
              ev.currentTarget.textContent = 'Kunne ikke kopiere – markér linket i stedet';
            }
          },
        }, 'Kopiér link'),
      ),
    );
    box.hidden = false;
    box.focus();
  } catch (e) {
    clear(box);
    box.append(h('p', { class: 'error-box', role: 'alert' }, humanError(e)));
    box.hidden = false;
  } finally {
    button.disabled = false;
  }
}

async function onCreateConv(e) {
  e.preventDefault();
  const f = currentFamily();
  const err = el['new-conv-error'];
  err.hidden = true;
  const title = el['new-conv-name'].value.trim();
  const ids = [...el['new-conv-members'].querySelectorAll('input:checked')].map((x) => Number(x.value));
  if (!title) {
    err.textContent = 'Giv samtalen et navn.';
    err.hidden = false;
    el['new-conv-name'].focus();
    return;
  }
  if (!ids.length) {
    err.textContent = 'Vælg mindst ét familiemedlem.';
    err.hidden = false;
    return;
  }
  creating += 1;
  try {
    // The answer is the new CONV; the gateway's `conversation` frame brings
    // the same to our other windows (whichever comes first adds it).
    const conv = await api.createConversation(f.id, title, ids);
    el['new-conv-name'].value = '';
    if (!store.addConv(conv)) await store.refreshConvs();
    location.hash = `#/c/${conv.id}`;
    announce(el.live, `Samtalen ${title} er oprettet.`);
  } catch (ex) {
    err.textContent = humanError(ex);
    err.hidden = false;
  } finally {
    creating -= 1;
  }
}

let creating = 0; // our own create is under way: it says so itself

// A conversation created by someone else (the other adviser of the pair)
// or in another window: the caseload shows it at once; a screen reader
// hears of it.
function onNewConversation(conv) {
  if (creating) return;
  announce(el.live, `Ny samtale i ${conv.family.name}: ${convName(conv)}`);
}

// ---- The family's phones (GET /api/families/{id}/devices: the pair only) ----

let devices = []; // of the family on screen
let devicesOf = null; // its id
let asking = null; // the device the confirm step is about
let askingButton = null;

function deviceLabel(d) {
  return `${d.name || 'Telefon'} (nr. ${d.id})`;
}

async function loadDevices({ announce: say = false } = {}) {
  const f = currentFamily();
  if (!f || !f.pair) return;
  const famId = f.id;
  const note = el['devices-note'];
  if (devicesOf !== famId) {
    devices = [];
    clear(el['device-body']);
    el['device-wrap'].hidden = true;
    note.textContent = 'Henter telefoner …';
  }
  try {
    const r = await api.devices(famId);
    if (currentFamily()?.id !== famId) return; // another family is on screen now
    devicesOf = famId;
    devices = r.devices || [];
    renderDevices();
    if (say) announce(el.live, note.textContent || `${activeCount()} aktive telefoner.`);
  } catch (e) {
    if (currentFamily()?.id !== famId) return;
    note.textContent = `Telefonerne kunne ikke hentes: ${humanError(e)}`;
  }
}

function activeCount() {
  return devices.filter((d) => !d.revoked_at).length;
}

function renderDevices() {
  const body = el['device-body'];
  const list = sortDevices(devices); // active first, then the revoked ones
  const focusedId = document.activeElement?.closest('#device-body') ? document.activeElement.dataset.device : null;
  clear(body);
  for (const d of list) {
    const revoked = !!d.revoked_at;
    body.append(
      h('tr', { class: revoked ? 'revoked' : '', dataset: { device: String(d.id) } },
        h('td', null, h('span', { class: 'device-name', dir: 'auto' }, d.name || 'Telefon'), h('span', { class: 'device-no' }, `nr. ${d.id}`)),
        h('td', null, d.user ? d.user.name : ''),
        h('td', { class: 'when' }, h('time', { datetime: d.created_at }, dateTime(d.created_at, LOCALE))),
        h('td', null, revoked
          ? [h('span', { class: 'device-state revoked' }, 'Tilbagekaldt'), ' ',
            h('time', { class: 'device-when', datetime: d.revoked_at }, dateTime(d.revoked_at, LOCALE))]
          : h('span', { class: 'device-state active' }, 'Aktiv')),
        h('td', { class: 'action' }, revoked ? null : h('button', {
          class: 'btn btn-danger', type: 'button', dataset: { device: String(d.id) },
          'aria-expanded': asking && asking.id === d.id ? 'true' : 'false',
          'aria-controls': 'revoke-confirm',
          onclick: (ev) => onRevokeAsk(d, ev.currentTarget),
        }, 'Tilbagekald', h('span', { class: 'visually-hidden' }, ` ${deviceLabel(d)} fra ${d.user ? d.user.name : 'familien'}`))),
      ),
    );
  }
  el['device-wrap'].hidden = list.length === 0;
  const n = activeCount();
  el['devices-note'].textContent = list.length === 0
    ? 'Ingen telefoner er tilmeldt endnu. En invitationskode ovenfor tilmelder en telefon.'
    : `${n} ${n === 1 ? 'aktiv telefon' : 'aktive telefoner'}${list.length > n ? `, ${list.length - n} tilbagekaldt` : ''}.`;
  if (focusedId) body.querySelector(`button[data-device="${CSS.escape(focusedId)}"]`)?.focus();
}

function onRevokeAsk(d, button) {
  asking = d;
  askingButton = button;
  el['revoke-status'].textContent = '';
  for (const b of el['device-body'].querySelectorAll('button[data-device]')) b.setAttribute('aria-expanded', b === button ? 'true' : 'false');
  for (const tr of el['device-body'].rows) tr.classList.toggle('asking', tr.dataset.device === String(d.id));
  el['revoke-question'].textContent =
    `Vil du tilbagekalde ${deviceLabel(d)} fra ${d.user ? d.user.name : 'familien'}, tilmeldt ${dateTime(d.created_at, LOCALE)}? ` +
    'Den bliver logget ud med det samme og skal have en ny invitationskode for at komme ind igen.';
  el['revoke-confirm'].hidden = false;
  el['revoke-yes'].focus();
}

function endAsk() {
  el['revoke-confirm'].hidden = true;
  for (const b of el['device-body'].querySelectorAll('button[data-device]')) b.setAttribute('aria-expanded', 'false');
  for (const tr of el['device-body'].rows) tr.classList.remove('asking');
  const d = asking;
  asking = null;
  return d;
}

function onRevokeNo() {
  const d = endAsk();
  const again = d && el['device-body'].querySelector(`button[data-device="${d.id}"]`);
  (again || askingButton || el['revoke-title']).focus();
}

async function onRevokeYes() {
  const d = endAsk();
  if (!d) return;
  el['revoke-yes'].disabled = true;
  try {
    await api.revokeDevice(d.id);
    await loadDevices();
    el['revoke-title'].focus(); // its button is gone; the status says what happened
    el['revoke-status'].textContent = `${deviceLabel(d)} fra ${d.user ? d.user.name : 'familien'} er tilbagekaldt og logget ud.`;
  } catch (ex) {
    el['revoke-status'].textContent =
      ex.code === 'not_found' ? `${deviceLabel(d)} findes ikke længere i dine familier.` : humanError(ex);
    await loadDevices();
    const again = el['device-body'].querySelector(`button[data-device="${d.id}"]`);
    (again || el['revoke-title']).focus();
  } finally {
    el['revoke-yes'].disabled = false;
  }
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
