// staff.js - the staff web client (advisers and team members).
//
// Signs in with /api/login (the session cookie does the rest), keeps one
// WebSocket through shared/protocol.js, and renders the caseload, a family's
// conversations, its contact log and (for the pair) invitations, restricted
// conversations and device revocation.  Routes live in the URL hash so the
// browser's back button and a reload keep the place:
//   #/                     the caseload
//   #/c/CONV               a conversation
//   #/f/FAMILY/log         the family's contact log
//   #/f/FAMILY/family      members, invitations, new conversation, the
//                          family's phones (revoke)
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

import { Connection } from '../shared/protocol.js';
import { Outbox } from '../shared/outbox.js';
import { Store } from '../shared/store.js';
import { api, ApiError } from '../shared/api.js';
import { h, clear, announce, codePoints, reconcile } from '../shared/dom.js';
import { dayKey, dayLabel, time, dateTime, shortWhen, localDateToUtc, isoDate } from '../shared/format.js';
import { qrSvg } from '../shared/qr.js';
import { sortDevices } from '../shared/devices.js';
import { linkify } from '../shared/linkify.js';
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
import { initStaffQuiet, showQuietLine, hideQuietLine, openQuietForm, settingsDetail } from './quiet.js';
import { initStaffDelivery, familyReach } from './delivery.js';
import { initStaffSmsOut, openSmsOut, composerLine, canMarkNoSms, smsLine, smsFailed } from './smsout.js';
import { initScheduled, showScheduled, hideScheduled, scheduledDetail } from './scheduled.js';
import { MemoryFiles, attSig, bodyShown } from '../shared/attachments.js';
import { initStaffAttach, ready as filesReady, takePicked, messageFiles, pendingFiles, dropPicked, resetStaffAttach } from './attach.js';

const LOCALE = 'da-DK';
const MAX_BODY = 4000;
const COUNT_FROM = 3500;

const KIND_LABELS = {
  message: 'Besked',
  note: 'Intern note',
  receipt: 'Læst',
  enrol: 'Telefon tilmeldt',
  login: 'Logget ind',
  logout: 'Logget ud',
  invite: 'Invitationskode lavet',
  revoke: 'Telefon tilbagekaldt',
  device: 'Telefon omdøbt',
  access: 'Opslag',
  denied: 'Afvist adgang',
  conversation: 'Samtale oprettet',
  handover: 'Overdragelse',
  settings: 'Indstilling',
  sms: 'SMS',
  scheduled: 'Planlagt besked',
};

const ACCESS_LABELS = {
  history: 'åbnede samtalen',
  sync: 'hentede nye beskeder',
  log: 'åbnede kontaktloggen',
  'log export csv': 'hentede kontaktloggen som CSV',
  devices: 'så familiens telefoner',
  'list devices': 'så familiens telefoner',
  'access log': 'åbnede adgangsloggen',
  'access log csv': 'hentede adgangsloggen som CSV',
  'access log (indgang-admin)': 'udtrak adgangsloggen (indgang-admin)',
  scheduled: 'så de planlagte beskeder',
};

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
  for (const id of [
    'boot', 'login-view', 'login-form', 'login-notice', 'login-error', 'login-submit', 'username', 'password',
    'app-view', 'conn', 'me-name', 'logout', 'search', 'pair-list', 'team-list', 'pair-empty', 'team-empty',
    'empty-state', 'role-notice', 'family-view', 'fv-title', 'fv-sub', 'fv-rel',
    'tab-conv', 'tab-log', 'tab-family', 'panel-conv', 'panel-log', 'panel-family', 'conv-picker', 'members',
    'scroller', 'older', 'history-start', 'msgs', 'composer', 'mode', 'kind-text', 'kind-note', 'mode-hint',
    'sms-hint', 'no-sms-field', 'no-sms',
    'body', 'body-label', 'counter', 'send', 'send-error', 'log-form', 'log-from', 'log-to', 'log-csv',
    'log-error', 'log-caption', 'log-body', 'log-more', 'member-list', 'invite-hint', 'invite-result', 'new-conv', 'new-conv-form',
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
  initComposer({
    form: el.composer, textarea: el.body, list: el.scroller,
    keep: [el['attach-tray'], document.getElementById('later'), el['send-error']],
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
  el['log-form'].addEventListener('submit', (e) => {
    e.preventDefault();
    loadLog();
  });
  el['log-more'].addEventListener('click', () => loadLog(true));
  el['log-from'].addEventListener('change', updateCsvLink);
  el['log-to'].addEventListener('change', updateCsvLink);
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

function parseRoute() {
  const m = location.hash.match(/^#\/(c|f)\/(\d+)(?:\/(log|family))?$/);
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
  el['app-view'].classList.toggle('has-selection', !!route.view);
  const show = !!route.view && el['role-notice'].hidden;
  el['family-view'].hidden = !show;
  el['empty-state'].hidden = show || !el['role-notice'].hidden;
  el['panel-conv'].hidden = route.view !== 'conv';
  el['panel-log'].hidden = route.view !== 'log';
  el['panel-family'].hidden = route.view !== 'family';
  viewing();
  if (route.view !== 'conv') {
    hideQuietLine();
    hideScheduled();
    hideHandled();
    hideAnswering();
    composing(null); // left the conversation: no longer answering there
  }
  renderCaseload();
  if (!show) return;
  renderFamilyHead();
  const changed =
    force === true || prev.view !== route.view || prev.convId !== route.convId || prev.familyId !== route.familyId;
  if (route.view === 'conv') openConv(route.convId, changed);
  else if (route.view === 'log' && changed) openLog();
  else if (route.view === 'family' && changed) openFamilyPanel();
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
  el['fv-rel'].textContent = f.pair ? 'Du er i makkerparret' : 'Du er i teamet (læse + noter)';
  el['fv-rel'].className = `rel-tag${f.pair ? ' pair' : ''}`;
  const convId = route.view === 'conv' ? route.convId : (lastConvOf.get(f.id) || f.main.id);
  setTab(el['tab-conv'], `#/c/${convId}`, route.view === 'conv');
  setTab(el['tab-log'], `#/f/${f.id}/log`, route.view === 'log');
  setTab(el['tab-family'], `#/f/${f.id}/family`, route.view === 'family');
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

function roleLabel(user, conv) {
  if (!user) return '';
  if (user.role === 'family') return 'familie';
  if (user.role === 'admin') return 'administrator';
  const inPair = (conv.members || []).some((u) => u.id === user.id);
  return inPair ? 'rådgiver, makkerpar' : 'team';
}

// "Deltagere: Mette Hansen og Jonas Hansen (familie), Anna Jensen og Bo
// Nielsen (makkerpar). Teamet læser med."
function membersLine(conv, f) {
  const groups = new Map(); // role label -> names, in the members' order
  for (const u of conv.members || []) {
    const role = roleLabel(u, conv);
    const label = role === 'rådgiver, makkerpar' ? 'makkerpar' : role;
    if (!groups.has(label)) groups.set(label, []);
    groups.get(label).push(u.name);
  }
  const and = (names) => (names.length > 1 ? `${names.slice(0, -1).join(', ')} og ${names.at(-1)}` : names[0]);
  const list = [...groups].map(([label, names]) => `${and(names)} (${label})`).join(', ');
  return `Deltagere: ${list}${f && !f.pair ? '. Du læser med som team.' : '. Teamet læser med.'}`;
}

async function openConv(convId, changed) {
  const conv = store.convs.get(convId);
  if (!conv) {
    clear(el.msgs);
    return;
  }
  const f = currentFamily();
  lastConvOf.set(conv.family.id, convId);
  if (changed || renderedConv !== convId) {
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
  composing(route.view === 'conv' ? route.convId : null, el.body.value, currentKind(), { typed });
}

function currentKind() {
  return el['kind-note'].checked ? 'note' : 'text';
}

function saveDraft(convId = renderedConv) {
  if (convId === null) return;
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
  const text = route.view === 'conv' && currentKind() === 'text';
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
    items.push({ key: `m:${m.id}`, sig: mine ? `${deliveryText(conv, m)}|${smsLine(conv, m)}|${files}` : files, render: () => renderMessage(conv, m) });
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
}

function renderMessage(conv, m) {
  const mine = store.me && m.sender.id === store.me.id;
  if (m.kind === 'system') {
    return h('li', { class: 'msg system' }, h('p', { class: 'msg-body', dir: 'auto' }, m.body), h('span', { class: 'msg-time' }, time(m.created_at, LOCALE)));
  }
  const note = m.kind === 'note';
  const cls = ['msg'];
  if (note) cls.push('note');
  else if (mine) cls.push('mine');
  if (m.sender.role === 'family') cls.push('from-family');
  return h('li', { class: cls.join(' '), dataset: { id: String(m.id), kind: m.kind } },
    h('div', { class: 'msg-head' },
      note ? h('span', { class: 'note-badge' }, h('span', { class: 'lock', 'aria-hidden': 'true' }), 'Intern note') : null,
      h('span', { class: 'msg-sender' }, mine ? `${m.sender.name} (dig)` : m.sender.name),
      h('span', { class: 'msg-role' }, roleLabel(m.sender, conv)),
      h('time', { class: 'msg-time', datetime: m.created_at, title: dateTime(m.created_at, LOCALE) }, time(m.created_at, LOCALE)),
      m.via === 'sms' ? h('span', { class: 'via-sms', title: 'Kom som SMS fra telefonen' }, 'SMS') : null,
      m.no_sms ? h('span', { class: 'no-sms-badge', title: 'Teksten sendes ikke som SMS' }, 'Ikke som SMS') : null,
    ),
    note ? h('span', { class: 'visually-hidden' }, 'Familien kan ikke se denne note.') : null,
    bodyShown(m) ? h('p', { class: 'msg-body', dir: 'auto' }, linkify(m.body)) : null,
    messageFiles(m),
    mine ? h('p', { class: `msg-state ${note ? 'saved' : 'reach'}` }, deliveryText(conv, m)) : null,
    mine && !note && smsLine(conv, m)
      ? h('p', { class: `msg-state sms-state${smsFailed(conv, m) ? ' failed' : ''}` }, smsLine(conv, m))
      : null,
  );
}

// A message to the family: how far it got for each member (delivery.js);
// a note: saved, and read by which colleagues.
function deliveryText(conv, m) {
  if (m.kind !== 'note') return familyReach(conv, m);
  const readers = store.readersOf(conv, m).filter((r) => m.kind !== 'note' || r.user.role !== 'family');
  if (!readers.length) return '✓ Gemt';
  const who = readers
    .sort((a, b) => (a.at < b.at ? -1 : 1))
    .map((r) => `${r.user.name} ${shortWhen(r.at, LOCALE)}`)
    .join(', ');
  return `✓✓ Læst af ${who}`;
}

function renderPending(conv, it) {
  const note = it.kind === 'note';
  const me = store.me || { name: '' };
  let state;
  if (it.state === 'failed') {
    state = h('p', { class: 'msg-state failed' }, `Ikke sendt: ${humanError({ code: it.error })} `,
      h('button', { class: 'btn-link', type: 'button', onclick: () => outbox.retry(it.client_id) }, 'Prøv igen'),
      h('button', { class: 'btn-link', type: 'button', onclick: () => outbox.discard(it.client_id) }, 'Slet'));
  } else {
    state = h('p', { class: 'msg-state' }, conn.isOpen ? 'Sender …' : 'Venter på forbindelse …');
  }
  return h('li', { class: `msg pending ${note ? 'note' : 'mine'}`, dataset: { clientId: it.client_id, kind: it.kind } },
    h('div', { class: 'msg-head' },
      note ? h('span', { class: 'note-badge' }, h('span', { class: 'lock', 'aria-hidden': 'true' }), 'Intern note') : null,
      h('span', { class: 'msg-sender' }, `${me.name} (dig)`),
    ),
    it.body ? h('p', { class: 'msg-body', dir: 'auto' }, it.body) : null,
    pendingFiles(it),
    state,
  );
}

// ---- Contact log ---------------------------------------------------------------------

function openLog() {
  const today = new Date();
  const from = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 13);
  if (!el['log-from'].value) el['log-from'].value = isoDate(from);
  if (!el['log-to'].value) el['log-to'].value = isoDate(today);
  updateCsvLink();
  loadLog();
}

function logRange() {
  const from = el['log-from'].value ? localDateToUtc(el['log-from'].value) : '';
  const to = el['log-to'].value ? localDateToUtc(el['log-to'].value, 1) : '';
  return { from, to };
}

function updateCsvLink() {
  const f = currentFamily();
  if (!f) return;
  const { from, to } = logRange();
  el['log-csv'].href = api.logCsvUrl(f.id, from, to);
  el['log-csv'].setAttribute('download', `kontaktlog-${f.name.replace(/[^\p{L}\p{N}]+/gu, '-')}-${el['log-from'].value}-${el['log-to'].value}.csv`);
}

// The log comes a page at a time (500 entries): the first page on opening, the
// next ones when asked for ("Vis flere hændelser"), each a read that is logged.
const logPages = { count: 0, next: null };

function logCaption(f) {
  const n = logPages.count;
  const more = logPages.next ? ' – der er flere' : '';
  return `Kontaktlog for ${f.name}: ${n} ${n === 1 ? 'hændelse' : 'hændelser'}${more}`;
}

async function loadLog(more = false) {
  const f = currentFamily();
  if (!f) return;
  const { from, to } = logRange();
  el['log-error'].hidden = true;
  if (from && to && from >= to) {
    el['log-error'].textContent = '«Fra og med» skal ligge før «til og med».';
    el['log-error'].hidden = false;
    return;
  }
  if (more && !logPages.next) return;
  updateCsvLink();
  el['log-more'].hidden = true;
  if (!more) {
    logPages.count = 0;
    logPages.next = null;
    clear(el['log-body']);
  }
  el['log-caption'].textContent = `Kontaktlog for ${f.name} – henter …`;
  try {
    const r = await api.log(f.id, from, to, more ? logPages.next : undefined);
    const entries = r.entries || [];
    logPages.count += entries.length;
    logPages.next = r.next ?? null;
    el['log-caption'].textContent = logCaption(f);
    for (const e of entries) el['log-body'].append(logRow(e));
    if (!logPages.count) el['log-body'].append(h('tr', null, h('td', { colspan: '5' }, 'Ingen hændelser i perioden.')));
    el['log-more'].hidden = !logPages.next;
  } catch (e) {
    el['log-caption'].textContent = `Kontaktlog for ${f.name}`;
    el['log-error'].textContent = humanError(e);
    el['log-error'].hidden = false;
    el['log-more'].hidden = !logPages.next;
  }
}

// 'device 12 "Android-telefon" of Mette Hansen renamed "Mettes Samsung"'
function renamedDetail(detail) {
  const m = /^device (\d+) "(.*)" of (.*) renamed "(.*)"$/.exec(detail || '');
  if (!m) return detail || '';
  const whose = /[sxz]$/i.test(m[3]) ? `${m[3]}'` : `${m[3]}s`; // Danish genitive
  return `${whose} telefon nr. ${m[1]}: „${m[2]}“ hedder nu „${m[4]}“`;
}

function logRow(e) {
  const conv = e.conv ? store.convs.get(e.conv) : null;
  let detail = e.detail || '';
  if (e.kind === 'message' || e.kind === 'note') detail = `Besked nr. ${e.message}`;
  else if (e.kind === 'receipt') detail = `Læst til og med besked nr. ${e.message}`;
  else if (e.kind === 'access' || e.kind === 'denied') detail = ACCESS_LABELS[detail] || detail;
  else if (e.kind === 'enrol' || e.kind === 'revoke') detail = detail ? `Telefon: ${detail}` : '';
  else if (e.kind === 'device') detail = renamedDetail(detail);
  else if (e.kind === 'settings') detail = settingsDetail(detail);
  else if (e.kind === 'scheduled') detail = scheduledDetail(detail);
  const actor = e.actor ? `${e.actor.name} (${{ family: 'familie', adviser: 'medarbejder', admin: 'administrator' }[e.actor.role] || e.actor.role})` : '';
  return h('tr', null,
    h('td', { class: 'when' }, h('time', { datetime: e.at }, dateTime(e.at, LOCALE))),
    h('td', null, h('span', { class: `log-kind kind-${e.kind}` }, KIND_LABELS[e.kind] || e.kind)),
    h('td', null, actor),
    h('td', null, e.conv ? (conv ? convName(conv) : `nr. ${e.conv}`) : ''),
    h('td', null, detail),
  );
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
