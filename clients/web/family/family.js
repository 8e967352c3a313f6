// family.js - the family phone app.
//
// One obvious thing to do: write to "my advisers".  Enrolment by invite code
// (typed, or from a link /family/#code=XXXXX-XXXXX, which a QR code carries);
// afterwards the phone stays signed in through the HttpOnly session cookie
// (180 days), so no token is ever kept by this script.  Messages go through
// the shared outbox (kept in localStorage, so what is written offline
// survives closing the app, and sent once with the same client_id on every
// retry).  Links and phone numbers in a message are tappable
// (shared/linkify.js).  Strings: lang/XX.json through i18n.js.  The member's
// own phones, to remove one they do not recognise: phones.js (at #phones).  Photos and
// documents (issue 14; the files wait in IndexedDB with the outbox): attach.js.  Notifications
// of new messages (Web Push, asked for after the member's first message):
// notify.js; a tapped notification opens its conversation, in the open app
// or at /family/#conv=N.  The family's quiet hours, in the menu: quiet.js.
// A message sent by mistake, corrected or withdrawn within five minutes, and
// how a changed message shows (issue 15): changes.js.  The coordinator
// ("tovholder") chosen in the menu: coordinator.js.  The family's case
// closed (issue 16: a send refused with `case_closed`): closed.js.  "Mine
// data" (issue 16: who has seen the family's data, and the member's own data
// to download), at #mydata from the menu: mydata.js.

import { Connection } from '../shared/protocol.js';
import { Outbox } from '../shared/outbox.js';
import { Store } from '../shared/store.js';
import { api } from '../shared/api.js';
import { h, clear, announce, codePoints, reconcile } from '../shared/dom.js';
import { dayKey, dayLabel, time, dateTime } from '../shared/format.js';
import { enrolNoticeDevice } from '../shared/devices.js';
import { linkify } from '../shared/linkify.js';
import { trackViewing } from '../shared/viewing.js';
import { onOpenConversation } from '../shared/push.js';
import { chooseLanguage, setLanguage, t, lang, LANGUAGES, names } from './i18n.js';
import { initPhones, openPhones, closePhones, forgetPhones, phonesShown, renderPhones, refreshPhones } from './phones.js';
import { initNotify, resumeNotify, afterOwnMessage, notifyLanguage, forgetNotify, renderNotifyMenu } from './notify.js';
import { initQuiet, renderQuiet } from './quiet.js';
import { initSmsMenu, renderSmsMenu } from './smsmenu.js';
import { initStatus, ownState } from './status.js';
import { hold, held, settleHeld } from './held.js';
import { readCache, writeCache, clearCache } from './cache.js';
import { attSig, bodyShown } from '../shared/attachments.js';
import { initAttach, familyFiles, renderPicked, ready as filesReady, takePicked, messageFiles, pendingFiles, resetAttach } from './attach.js';
import {
  initChanges, changeSig, changeClass, withdrawnBody, editedMark, changeButton, planExpiry, editingId, submitEdit, resetChanges,
} from './changes.js';
import { initCoordinator, renderCoordinator } from './coordinator.js';
import { initClosed, renderClosed, isClosed, fromOutbox, resetClosed } from './closed.js';
import { initMyData, openMyData, closeMyData, forgetMyData, myDataShown, renderMyData } from './mydata.js';

const MAX_BODY = 4000;
const COUNT_FROM = 3500;
const STATE_KEY = 'indgang.family';

const conn = new Connection();
const store = new Store(conn);
const outbox = new Outbox(conn, { storage: localStorage, prefix: 'indgang.family.outbox.', files: familyFiles });
initStatus(conn, store); // "Sendt" / "Læst af …", and `delivered` for what this phone has
const el = {};
let saved = loadSaved();
let active = null; // conversation on screen
let installPrompt = null;
let signingOut = false;
let sideFrom = null; // the button that opened the phones or "Mine data" view, for the focus afterwards
// Tells the gateway the conversation on screen (none in another view or when hidden).
const viewing = trackViewing(conn, () => (el['chat-view'] && chatShown() ? active : 0));

// ---- Saved state: who this phone is, and the conversations' outline ------
// Only what the app needs to open and queue messages while offline: ids,
// names and titles (localStorage).  The last messages for reading offline
// are in IndexedDB (cache.js), deleted with the sign-in.

function outline(c) {
  return {
    id: c.id, family: c.family, title: c.title, members: c.members, primary: c.primary, secondary: c.secondary,
    last_id: c.last_id, read_upto: c.read_upto,
  };
}

function loadSaved() {
  try {
    return JSON.parse(localStorage.getItem(STATE_KEY)) || {};
  } catch {
    return {};
  }
}

function save() {
  try {
    localStorage.setItem(STATE_KEY, JSON.stringify(saved));
  } catch {
    /* private mode: works for this visit */
  }
}

function forget() {
  clearCache(); // the messages kept for offline reading go with the sign-in
  saved = {};
  try {
    localStorage.removeItem(STATE_KEY);
  } catch {
    /* nothing kept */
  }
}

// ---- Boot --------------------------------------------------------------------

document.addEventListener('DOMContentLoaded', boot);

async function boot() {
  for (const id of [
    'boot', 'enrol-view', 'enrol-form', 'code', 'from-link', 'enrol-error', 'enrol-submit', 'signedout',
    'chat-view', 'advisers', 'primary-adviser', 'answer-time', 'away', 'menu-btn', 'net-banner', 'conv-tabs', 'thread', 'older', 'thread-note', 'msgs',
    'composer', 'body', 'send', 'counter', 'send-error', 'menu', 'menu-close',
    'install-block', 'install-btn', 'device-info', 'signout-btn', 'signout-confirm', 'signout-yes',
    'signout-no', 'live', 'phones-open', 'chat-notice', 'signout-unsent',
    'attach-tray', 'attach-btn', 'camera-btn', 'attach-file', 'attach-camera', 'closed-banner', 'mydata-open',
  ]) {
    el[id] = document.getElementById(id);
  }
  await setLanguage(chooseLanguage());
  renderLangButtons();
  initPhones({
    familyId: () => (convList()[0] || { family: {} }).family.id || null,
    thisDevice: () => (saved.device && saved.device.id) || null,
    onBack: () => leavePhones(),
    onRenamed: (id, name) => {
      if (saved.device && saved.device.id === id) {
        saved.device.name = name; // the menu's "Denne telefon: …"
        save();
      }
    },
  });
  initMyData({ onBack: () => leaveMyData() });
  initNotify({ liveRegion: el.live });
    initQuiet({ family: () => (convList()[0] || { family: {} }).family.id || null });
  initSmsMenu({ member: () => (store.me ? store.me.id : null) });
  initAttach({
    conn, store, outbox,
    elements: {
      tray: el['attach-tray'], attachBtn: el['attach-btn'], cameraBtn: el['camera-btn'],
      fileInput: el['attach-file'], cameraInput: el['attach-camera'], msgs: el.msgs,
    },
    showError: showSendError,
    clearError: () => {
      el['send-error'].hidden = true;
    },
  });
  initChanges({ conn, store, rerender: () => renderThread(), composerChanged: updateCounter });
  initClosed({
    store, outbox, conn,
    elements: {
      banner: el['closed-banner'], composer: el.composer, body: el.body, send: el.send,
      attach: [el['attach-btn'], el['camera-btn']],
    },
    active: () => store.convs.get(active) || null,
    change: () => renderThread(),
  });
  initCoordinator({ conv: () => store.convs.get(active) || convList()[0] || null, chosen: coordinatorChosen });
  wire();
  registerServiceWorker();

  const code = codeFromHash();
  const convLink = convFromHash();
  if (convLink) {
    // A tapped notification opened the app: that conversation first.
    saved.active = convLink;
    history.replaceState(null, '', location.pathname);
  }
  let me = null;
  let meError = null;
  try {
    me = (await api.me()).user;
  } catch (e) {
    meError = e;
    if (e.code === 'network' && saved.user) {
      startChat(saved.user); // offline: open from what we know, connect later
      return;
    }
    if (e.code === 'network') {
      showEnrol({ code, error: t('enrol.err_network') });
      return;
    }
  }
  if (me && me.role === 'family') {
    if (code) history.replaceState(null, '', location.pathname);
    startChat(me);
  } else if (me) {
    showEnrol({ code, notice: t('signedout.wrong_role') });
  } else {
    // Signed out while the app was closed: say so, and leave nothing of the
    // old sign-in on the phone but, when it ended by time, the messages not
    // yet sent (held.js); a revoked one keeps nothing.
    const was = !!saved.user;
    let notice = was && !code ? t('signedout.expired') : '';
    if (was) {
      const n = endedByTime(meError) ? hold(saved.user.id) : dropOutbox(saved.user.id);
      if (n && notice) notice += ` ${t(endedByTime(meError) ? 'held.kept' : 'held.deleted', { n })}`;
      forget();
      forgetNotify();
    } else {
      const h = held(); // held from an earlier visit to this screen
      if (h && !code) notice = t('held.kept', { n: h.n });
    }
    showEnrol({ code, notice });
  }
}

// /family/#conv=N: the conversation a notification was about.
function convFromHash() {
  const m = location.hash.match(/^#conv=(\d{1,15})$/);
  return m ? Number(m[1]) : 0;
}

function codeFromHash() {
  const m = location.hash.match(/(?:^#|&)code=([^&]+)/);
  if (!m) return '';
  try {
    return decodeURIComponent(m[1]).trim().toUpperCase();
  } catch {
    return '';
  }
}

function wire() {
  el['enrol-form'].addEventListener('submit', onEnrol);
  el.composer.addEventListener('submit', (e) => {
    e.preventDefault();
    sendFromComposer();
  });
  el.body.addEventListener('keydown', (e) => {
    // On a phone Enter makes a new line; with a keyboard Ctrl/Cmd+Enter sends.
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      sendFromComposer();
    }
  });
  el.body.addEventListener('input', updateCounter);
  el.older.addEventListener('click', loadOlder);
  el['menu-btn'].addEventListener('click', openMenu);
  el['menu-close'].addEventListener('click', () => el.menu.close());
  el.menu.addEventListener('close', () => {
    if (chatShown()) el['menu-btn'].focus();
  });
  el['phones-open'].addEventListener('click', () => showPhones());
  el['mydata-open'].addEventListener('click', () => showMyData());
  window.addEventListener('popstate', () => {
    const conv = convFromHash();
    if (conv) {
      history.replaceState(null, '', location.pathname);
      openFromNotification(conv);
      return;
    }
    if (location.hash === '#phones') {
      if (chatShown() || myDataShown()) showPhones();
    } else if (location.hash === '#mydata') {
      if (chatShown() || phonesShown()) showMyData();
    } else if (phonesShown()) {
      leavePhones({ viaHistory: true });
    } else if (myDataShown()) {
      leaveMyData({ viaHistory: true });
    }
  });
  onOpenConversation(openFromNotification);
  el['install-btn'].addEventListener('click', async () => {
    if (!installPrompt) return;
    installPrompt.prompt();
    await installPrompt.userChoice.catch(() => null);
    installPrompt = null;
    el['install-block'].hidden = true;
  });
  el['signout-btn'].addEventListener('click', () => {
    const n = outbox.items.length; // signing out deletes them: say so first
    el['signout-unsent'].hidden = n === 0;
    el['signout-unsent'].textContent = n ? t('menu.signout_unsent', { n }) : '';
    el['signout-confirm'].hidden = false;
    el['signout-yes'].focus();
  });
  el['signout-no'].addEventListener('click', () => {
    el['signout-confirm'].hidden = true;
    el['signout-btn'].focus();
  });
  el['signout-yes'].addEventListener('click', signOut);
  window.addEventListener('beforeinstallprompt', (e) => {
    e.preventDefault();
    installPrompt = e;
    el['install-block'].hidden = false;
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'visible') return;
    if (active && chatShown()) store.markRead(active);
    refreshPhones();
  });

  conn.addEventListener('state', (e) => renderNet(e.detail.state));
  conn.addEventListener('welcome', onWelcome);
  conn.addEventListener('fatal', (e) => onFatal(e.detail));
  conn.addEventListener('servererror', (e) => {
    if (e.detail.code === 'rate_limited') showSendError(t('err.rate_limited'));
  });
  store.addEventListener('convs', () => {
    if (saved.user && store.me) {
      saved.convs = [...store.convs.values()].map(outline);
      save();
    }
    renderHeader();
    renderTabs();
  });
  store.addEventListener('message', (e) => {
    onStoreMessage(e.detail);
    keepForOffline();
  });
  store.addEventListener('conversation', (e) => onNewConversation(e.detail.conv));
  // A message corrected or withdrawn (changes.js): its bubble drawn anew, in place.
  store.addEventListener('changed', (e) => {
    if (e.detail.conv.id === active) renderThread();
    keepForOffline();
  });
  store.addEventListener('receipt', (e) => {
    if (e.detail.conv.id === active) renderThread();
  });
  // A file was checked: ready (its thumbnail) or rejected (said why).
  store.addEventListener('attachment', (e) => {
    if (e.detail.conv && e.detail.conv.id === active) renderThread();
  });
  store.addEventListener('history', (e) => {
    if (e.detail.conv.id === active) renderThread({ keepOffset: true });
    keepForOffline();
  });
  outbox.addEventListener('change', () => renderThread());
}

// ---- Enrolment ---------------------------------------------------------------

function showEnrol({ code = '', error = '', notice = '' } = {}) {
  el.boot.hidden = true;
  el['chat-view'].hidden = true;
  forgetPhones();
  forgetMyData();
  if (location.hash === '#phones' || location.hash === '#mydata') history.replaceState(null, '', location.pathname);
  el['enrol-view'].hidden = false;
  viewing();
  el.code.value = code;
  el['from-link'].hidden = !code;
  el['enrol-error'].hidden = !error;
  el['enrol-error'].textContent = error;
  el.signedout.hidden = !notice;
  el.signedout.textContent = notice;
  showChatNotice('');
  document.title = 'Indgang';
  (code ? el['enrol-submit'] : el.code).focus();
}

// A first name for the phone, from what the browser says of itself: the
// model where it tells one (Chromium on Android: "Android-telefon (Pixel 7)"),
// so two Android phones in a family are told apart; the member can rename
// it in "Dine telefoner".
async function deviceName() {
  const ua = navigator.userAgent || '';
  let kind = 'Browser';
  if (/iPhone/.test(ua)) kind = 'iPhone';
  else if (/iPad/.test(ua)) kind = 'iPad';
  else if (/Android/.test(ua)) kind = /Mobile/.test(ua) ? 'Android-telefon' : 'Android-tablet';
  let model = '';
  try {
    const v = await navigator.userAgentData?.getHighEntropyValues?.(['model']);
    model = String(v?.model || '').trim().slice(0, 40);
  } catch {
    // not told: the kind alone
  }
  return model ? `${kind} (${model})` : kind;
}

async function onEnrol(e) {
  e.preventDefault();
  const code = el.code.value.replace(/\s+/g, '').toUpperCase();
  const err = el['enrol-error'];
  err.hidden = true;
  if (!code) {
    err.textContent = t('enrol.err_empty');
    err.hidden = false;
    el.code.focus();
    return;
  }
  const btn = el['enrol-submit'];
  btn.disabled = true;
  btn.textContent = t('enrol.busy');
  try {
    const r = await api.enrol(code, await deviceName());
    history.replaceState(null, '', location.pathname); // the code is spent: out of the address bar
    saved = { user: r.user, device: r.device };
    save();
    el.code.value = '';
    const lost = settleHeld(r.user.id); // another member's unsent messages are not sent as this one's
    clearCache(); // nothing another sign-in kept
    startChat(r.user);
    showChatNotice(lost ? t('held.deleted_other', { n: lost }) : '');
  } catch (ex) {
    err.textContent =
      {
        unauthorized: t('enrol.err_unknown'),
        bad_request: t('enrol.err_unknown'),
        gone: t('enrol.err_gone'),
        rate_limited: t('enrol.err_rate'),
        network: t('enrol.err_network'),
      }[ex.code] || t('enrol.err_other');
    err.hidden = false;
    el.code.focus();
  } finally {
    btn.disabled = false;
    btn.textContent = t('enrol.submit');
  }
}

// ---- Chat ----------------------------------------------------------------------

function startChat(user) {
  el.boot.hidden = true;
  el['enrol-view'].hidden = true;
  el['chat-view'].hidden = false;
  if (!saved.user || saved.user.id !== user.id) saved = { user };
  save();
  outbox.load(user.id);
  // What we knew last time, so the app opens (and queues) while offline.
  if (!store.me && Array.isArray(saved.convs)) {
    store.me = user;
    store.mergeConvs(saved.convs.map((c) => ({ ...c, unread: 0 })));
    seedFromCache(user.id);
  }
  pickActive();
  fromOutbox(); // a message refused as the case was closed, kept from the last visit
  renderHeader();
  renderTabs();
  renderThread({ toBottom: true });
  conn.start();
  if (location.hash === '#phones') showPhones(); // a reload in the phones view
  else if (location.hash === '#mydata') showMyData(); // … or in "Mine data"
  viewing();
  resumeNotify();
}

const chatShown = () => !el['chat-view'].hidden;

// The last messages kept on the phone (cache.js), on screen until the
// gateway's own pages come: a reopened app offline shows its conversations.
async function seedFromCache(userId) {
  const kept = await readCache(userId);
  if (!store.me || store.me.id !== userId) return; // signed out meanwhile
  let any = false;
  for (const [conv, messages] of kept) any = store.seed(conv, messages) || any;
  if (any) renderThread({ toBottom: true });
}

// Keeps what is on screen for the next offline start.
function keepForOffline() {
  if (!store.me) return;
  writeCache(store.me.id, () => convList().map((c) => ({ id: c.id, messages: store.sorted(c) })));
}

function onWelcome(e) {
  const f = e.detail;
  if (f.user.role !== 'family') {
    conn.stop();
    showEnrol({ notice: t('signedout.wrong_role') });
    return;
  }
  saved.user = f.user;
  saved.convs = (f.conversations || []).map(outline);
  save();
  pickActive();
  viewing();
  renderHeader();
  renderTabs();
  ensureLoaded();
  refreshPhones(); // after every (re)connect, when the view is open
}

function convList() {
  return [...store.convs.values()].sort((a, b) => a.id - b.id);
}

function pickActive() {
  const list = convList();
  if (active && store.convs.has(active)) return;
  const remembered = saved.active && store.convs.get(saved.active);
  const unread = list.find((c) => c.unread > 0);
  active = (remembered || unread || list[0] || {}).id || null;
}

function setActive(id) {
  if (active === id) return;
  active = id;
  resetChanges(); // a correction belongs to the conversation it was started in
  const c = store.convs.get(id);
  if (c) c.isNew = false;
  saved.active = id;
  save();
  viewing();
  el['send-error'].hidden = true;
  renderTabs();
  renderHeader();
  renderThread({ toBottom: true });
  ensureLoaded();
}

function convName(c) {
  return c.title && c.title !== c.family.name ? c.title : t('chat.main_conv');
}

// The pair, the coordinator ("tovholder", CONV.primary) first.
function advisersOf(c) {
  return (c.members || [])
    .filter((u) => u.role === 'adviser')
    .sort((a, b) => (b.id === c.primary) - (a.id === c.primary));
}

function renderHeader() {
  const c = store.convs.get(active);
  const adv = c ? advisersOf(c) : [];
  const primary = c && adv.find((u) => u.id === c.primary);
  el.advisers.textContent = adv.length ? names(adv.map((u) => u.name)) : '';
  // Who holds the thread: a line of its own, in words (no colour or icon
  // alone), so a screen reader reads it with the header.
  el['primary-adviser'].hidden = !primary;
  el['primary-adviser'].textContent = primary ? t('chat.primary', { name: primary.name }) : '';
  const away = awayText(c, adv);
  const expect = away ? '' : answerTime(c && c.answer_minutes);
  el['answer-time'].hidden = !expect;
  el['answer-time'].textContent = expect;
  el.away.hidden = !away;
  el.away.textContent = away;
  document.title = adv.length ? `Indgang – ${names(adv.map((u) => u.name))}` : 'Indgang';
}

// An adviser away now (CONV.away, from its `from` to its `to`), and who
// answers meanwhile: "Anna er væk til mandag – Bo svarer."  Within a week
// the day's name, later the date; the adviser's own note is for the staff
// client's caseload and the meeting, the family gets this plain line.
function awayText(c, adv) {
  const now = Date.now();
  const a = (c && c.away || []).find((x) => Date.parse(x.from) <= now && now < Date.parse(x.to));
  const other = a && adv.find((u) => u.id !== a.user.id);
  if (!a || !other) return '';
  const to = new Date(a.to);
  const locale = lang().locale;
  const soon = to - now < 6 * 24 * 3600 * 1000;
  const until = to.toLocaleDateString(locale, soon ? { weekday: 'long', timeZone: 'Europe/Copenhagen' }
    : { day: 'numeric', month: 'long', timeZone: 'Europe/Copenhagen' });
  return t('chat.away', { name: a.user.name, until, other: other.name });
}

// When to expect an answer: the team's target in working minutes
// (CONV.answer_minutes; a working day is 7 h 30), honest rather than
// promising.  None: nothing is said.
function answerTime(minutes) {
  const DAY = 450;
  if (!minutes) return '';
  if (minutes === DAY) return t('chat.answer_day');
  if (minutes % DAY === 0) return t('chat.answer_days', { n: minutes / DAY });
  return t('chat.answer_hours', { n: Math.round((minutes / 60) * 10) / 10 });
}

function renderTabs() {
  const list = convList();
  const nav = el['conv-tabs'];
  nav.hidden = list.length < 2;
  clear(nav);
  if (list.length < 2) return;
  for (const c of list) {
    nav.append(
      h('button', { class: 'conv-tab', type: 'button', 'aria-current': c.id === active ? 'true' : 'false', onclick: () => setActive(c.id) },
        convName(c),
        c.unread && c.id !== active ? h('span', { class: 'badge' }, String(c.unread)) : null,
        c.isNew && !c.unread && c.id !== active ? h('span', { class: 'badge new' }, t('chat.new_badge')) : null),
    );
  }
}

async function ensureLoaded() {
  const c = store.convs.get(active);
  if (!c || c.loaded || !conn.isOpen) {
    renderThread();
    return;
  }
  try {
    await store.loadOlder(active);
    renderThread({ toBottom: true });
    if (document.visibilityState === 'visible' && chatShown()) store.markRead(active);
  } catch {
    renderThread();
  }
}

async function loadOlder() {
  el.older.disabled = true;
  try {
    await store.loadOlder(active);
  } catch {
    /* the connection state says why */
  } finally {
    el.older.disabled = false;
  }
}

function onStoreMessage({ conv, message: m, live }) {
  if (m.kind === 'note') return; // never shown to a family (the gateway never sends them either)
  const mine = store.me && m.sender.id === store.me.id;
  if (conv.id === active) {
    renderThread({ toBottom: mine });
    if (!mine && document.visibilityState === 'visible' && chatShown()) store.markRead(conv.id);
  }
  renderTabs();
  if (enrolNoticeDevice(m) && mine) {
    // Another phone added for me: if it was not me, the phones view is one tap away.
    if (live && myEnrolNotice(m)) {
      announce(el.live, t('live.new_phone'));
      refreshPhones();
    }
    return;
  }
  if (live && mine && m.kind === 'text' && chatShown()) afterOwnMessage(); // stored: the moment to ask about notifications
  if (!live || mine) return;
  // A hidden app is told by a Web Push notification from the gateway
  // (sw.js), which knows the member's choices and quiet hours.
  if (document.visibilityState === 'visible') {
    announce(el.live, t('live.new', { name: m.sender.name, body: m.body.slice(0, 140) }));
  }
}

// A notification was tapped while the app is open: its conversation.
function openFromNotification(convId) {
  if (!chatShown() && !phonesShown() && !myDataShown()) return; // not signed in
  if (el.menu.open) el.menu.close();
  if (phonesShown()) leavePhones();
  if (myDataShown()) leaveMyData();
  if (convId && store.convs.has(convId)) setActive(convId);
  else if (convId) {
    saved.active = convId; // not known yet: chosen when the welcome lists it
    save();
  }
}

// A conversation created for us (e.g. a youth's own thread with the pair):
// its tab appears at once, marked "new", and a screen reader hears of it.
// The conversation on screen stays where it is.
function onNewConversation(c) {
  if (el['chat-view'].hidden) return;
  if (!active) setActive(c.id);
  announce(el.live, t('live.new_conv', { title: convName(c) }));
}

function renderThread({ toBottom = false, keepOffset = false } = {}) {
  if (el['chat-view'].hidden) return;
  const c = store.convs.get(active);
  const sc = el.thread;
  const fromBottom = sc.scrollHeight - sc.scrollTop;
  const atBottom = sc.scrollHeight - sc.scrollTop - sc.clientHeight < 60;
  el.composer.hidden = !c;
  renderClosed(); // the case closed: the banner, and no reply box to write in
  if (!c) {
    clear(el.msgs);
    el['thread-note'].textContent = conn.isOpen ? t('chat.no_conversation') : t('chat.loading');
    el.older.hidden = true;
    return;
  }
  const locale = lang().locale;
  const code = lang().code;
  const items = [];
  let lastDay = null;
  const addDay = (ts) => {
    const k = dayKey(ts);
    if (k === lastDay) return;
    lastDay = k;
    const label = dayLabel(ts, locale, { today: t('chat.today'), yesterday: t('chat.yesterday') });
    items.push({ key: `d:${k}`, sig: `${code}|${label}`, render: () => h('li', { class: 'day-sep' }, h('span', null, label)) });
  };
  const msgs = store.sorted(c).filter((m) => m.kind !== 'note');
  for (const m of msgs) {
    addDay(m.created_at);
    items.push({
      key: `m:${m.id}`, sig: `${code}|${readState(c, m).text}|${myEnrolNotice(m)}|${attSig(m)}|${changeSig(m)}`, render: () => bubble(c, m),
    });
  }
  planExpiry(msgs); // the options to correct go when their five minutes do
  const pending = outbox.forConv(c.id);
  for (const it of pending) {
    addDay(it.queued_at);
    const files = (it.files || []).map((f) => (f.upload ? 'u' : '-')).join('');
    items.push({ key: `p:${it.client_id}`, sig: `${code}|${it.state}|${conn.isOpen}|${it.error || ''}|${files}`, render: () => pendingBubble(it) });
  }
  reconcile(el.msgs, items);
  el.older.hidden = !c.loaded || !c.more;
  const advNames = names(advisersOf(c).map((u) => u.name));
  el['thread-note'].textContent = !c.loaded
    ? (conn.isOpen ? t('chat.loading') : msgs.length || pending.length ? '' : t('chat.empty', { names: advNames }))
    : msgs.length === 0 && pending.length === 0
      ? t('chat.empty', { names: advNames })
      : c.more
        ? ''
        : t('chat.start');
  if (keepOffset) sc.scrollTop = sc.scrollHeight - fromBottom;
  else if (toBottom || atBottom) sc.scrollTop = sc.scrollHeight;
}

// The notice of another phone added for me (not this one, not another
// member's): the one to check.
function myEnrolNotice(m) {
  const device = enrolNoticeDevice(m);
  return !!(device && store.me && m.sender.id === store.me.id && device !== (saved.device && saved.device.id));
}

// Sent, or read by which of the pair (only my own messages): status.js.
const readState = (c, m) => ownState(store, c, m, advisersOf(c));

function bubble(c, m) {
  const locale = lang().locale;
  const mine = store.me && m.sender.id === store.me.id;
  if (m.kind === 'system') {
    return h('li', { class: 'bubble system' }, h('p', { class: 'body', dir: 'auto' }, m.body),
      myEnrolNotice(m)
        ? h('button', { class: 'btn-link', type: 'button', onclick: (e) => showPhones(e.currentTarget) }, t('chat.enrol_shortcut'))
        : null);
  }
  const when = h('time', { datetime: m.created_at, title: dateTime(m.created_at, locale) }, time(m.created_at, locale));
  // A withdrawn message says so, without its text or files (changes.js).
  const body = withdrawnBody(m)
    || [bodyShown(m) ? h('p', { class: 'body', dir: 'auto', id: `msg-body-${m.id}` }, linkify(m.body)) : null, messageFiles(m)];
  if (mine) {
    const st = readState(c, m);
    return h('li', { class: `bubble mine${changeClass(m)}`, dataset: { id: String(m.id) } },
      h('span', { class: 'visually-hidden' }, `${t('chat.you')}: `),
      body,
      h('span', { class: 'meta' }, when, m.via === 'sms' ? ` · ${t('chat.via_sms')}` : '', editedMark(m, locale), ' · ',
        h('span', { class: 'state', dataset: { state: st.state } }, st.text)),
      changeButton(m),
    );
  }
  return h('li', { class: `bubble theirs${changeClass(m)}`, dataset: { id: String(m.id) } },
    h('span', { class: 'who', dir: 'auto' }, m.sender.name),
    body,
    h('span', { class: 'meta' }, when, editedMark(m, locale)),
  );
}

function pendingBubble(it) {
  if (it.state === 'failed') {
    const reason = t(`err.${it.error}`) !== `err.${it.error}` ? t(`err.${it.error}`) : t('err.other');
    return h('li', { class: 'bubble mine failed', dataset: { clientId: it.client_id } },
      it.body ? h('p', { class: 'body', dir: 'auto' }, it.body) : null,
      pendingFiles(it),
      h('span', { class: 'meta' }, t('state.failed', { reason }), ' ',
        h('button', { class: 'btn-link', type: 'button', onclick: () => outbox.retry(it.client_id) }, t('state.retry')),
        h('button', { class: 'btn-link', type: 'button', onclick: () => outbox.discard(it.client_id) }, t('state.delete'))),
    );
  }
  const waiting = !conn.isOpen;
  return h('li', { class: 'bubble mine pending', dataset: { clientId: it.client_id } },
    h('span', { class: 'visually-hidden' }, `${t('chat.you')}: `),
    it.body ? h('p', { class: 'body', dir: 'auto' }, it.body) : null,
    pendingFiles(it),
    h('span', { class: 'meta' }, h('span', { class: 'state', dataset: { state: waiting ? 'waiting' : 'sending' } }, waiting ? t('state.waiting') : t('state.sending'))),
  );
}

function updateCounter() {
  const n = codePoints(el.body.value.trim());
  el.counter.classList.toggle('over', n > MAX_BODY);
  el.counter.textContent = n >= COUNT_FROM ? t('chat.count', { n, max: MAX_BODY }) : '';
}

function showSendError(text) {
  el['send-error'].textContent = text;
  el['send-error'].hidden = false;
}

async function sendFromComposer() {
  if (editingId()) {
    submitEdit(); // the edit mode: the message is corrected, not sent anew
    return;
  }
  const body = el.body.value.trim();
  el['send-error'].hidden = true;
  if (isClosed(store.convs.get(active))) return; // the banner says why
  const withFiles = await filesReady(); // a photo still being made smaller goes with it
  if ((!body && !withFiles) || !active) return;
  if (codePoints(body) > MAX_BODY) {
    showSendError(t('chat.too_long', { max: MAX_BODY }));
    return;
  }
  outbox.add(active, body, 'text', { files: withFiles ? takePicked() : [] });
  el.body.value = '';
  updateCounter();
  renderThread({ toBottom: true });
  el.body.focus();
}

// ---- Connection state ---------------------------------------------------------

let everOpen = false;
function renderNet(state) {
  document.documentElement.dataset.conn = state;
  if (state === 'open') everOpen = true;
  const b = el['net-banner'];
  // Retrying alternates 'waiting' and 'connecting': one steady text for both.
  const retrying = everOpen && (state === 'waiting' || state === 'connecting');
  const text = state === 'offline' ? t('net.offline') : retrying ? t('net.reconnecting') : '';
  b.hidden = !text;
  if (b.textContent !== text) b.textContent = text;
  if (state === 'open') ensureLoaded();
  else renderThread();
}

// A word in the chat about what happened at the sign-in ('' hides it).
function showChatNotice(text) {
  el['chat-notice'].hidden = !text;
  el['chat-notice'].textContent = text;
}

// Was the sign-in revoked (the phone removed), rather than ended by time?
// 4403 says so on an open connection; a reconnect's refused auth (4401
// "unauthorized") does not, and GET /api/me's refusal tells.
async function wasRevoked(code, reason) {
  if (code === 4403) return true;
  if (reason === 'idle' || reason === 'expired') return false;
  try {
    await api.me();
    return null; // signed in after all
  } catch (e) {
    return e.code !== 'network' && !endedByTime(e);
  }
}

async function onFatal({ code, reason }) {
  if (signingOut) return;
  // Revoked: nothing stays.  Ended by time: the unsent messages wait for the
  // same member's next code (held.js).  Either way, said.
  const revoked = await wasRevoked(code, reason);
  if (revoked === null) {
    conn.start();
    return;
  }
  const n = revoked ? dropOutbox(saved.user && saved.user.id) : hold(saved.user && saved.user.id);
  outbox.load(null);
  resetAttach();
  resetChanges();
  resetClosed();
  forget();
  forgetNotify();
  store.reset();
  active = null;
  let notice = revoked ? t('signedout.revoked') : t('signedout.expired');
  if (n) notice += ` ${t(revoked ? 'held.deleted' : 'held.kept', { n })}`;
  showEnrol({ notice });
}

// Deletes a member's unsent messages; how many there were.
function dropOutbox(userId) {
  if (!userId) return 0;
  outbox.load(userId);
  const n = outbox.items.length;
  outbox.clear();
  return n;
}

// Did GET /api/me's 401 say the sign-in ended by time (expired, idle), as
// against revoked or unknown?
function endedByTime(e) {
  return !!e && e.code === 'unauthorized' && /expired|without activity/i.test(e.message || '');
}

async function signOut() {
  signingOut = true;
  try {
    await api.logout();
  } catch (e) {
    if (e.code === 'network') {
      el['signout-confirm'].hidden = true;
      el['device-info'].textContent = t('enrol.err_network');
      signingOut = false;
      return;
    }
  }
  conn.stop();
  outbox.clear();
  resetAttach();
  resetChanges();
  resetClosed();
  forget();
  forgetNotify();
  store.reset();
  active = null;
  el.menu.close();
  signingOut = false;
  showEnrol({ notice: t('signedout.self') });
}

// ---- The phones view (phones.js) and "Mine data" (mydata.js), at #phones and
// #mydata so the back button leaves them ------------------------------------------

const sideShown = () => phonesShown() || myDataShown();

function showPhones(from = null) {
  if (!chatShown() && !sideShown()) return; // not signed in
  if (!sideShown()) sideFrom = from;
  if (el.menu.open) el.menu.close();
  closeMyData();
  el['chat-view'].hidden = true;
  viewing();
  if (location.hash !== '#phones') history.pushState({ phones: true }, '', '#phones');
  openPhones();
}

function showMyData(from = null) {
  if (!chatShown() && !sideShown()) return; // not signed in
  if (!sideShown()) sideFrom = from;
  if (el.menu.open) el.menu.close();
  closePhones();
  el['chat-view'].hidden = true;
  viewing();
  if (location.hash !== '#mydata') history.pushState({ mydata: true }, '', '#mydata');
  openMyData();
}

function leavePhones({ viaHistory = false } = {}) {
  if (!phonesShown()) return;
  if (!viaHistory && leaveByHistory('phones')) return;
  closePhones();
  backToChat();
}

function leaveMyData({ viaHistory = false } = {}) {
  if (!myDataShown()) return;
  if (!viaHistory && leaveByHistory('mydata')) return;
  closeMyData();
  backToChat();
}

// A view pushed onto the history leaves by going back (popstate comes back
// to leave it); otherwise its hash goes from the address bar.
function leaveByHistory(key) {
  if (history.state && history.state[key]) {
    history.back();
    return true;
  }
  history.replaceState(null, '', location.pathname);
  return false;
}

function backToChat() {
  el['chat-view'].hidden = false;
  viewing();
  renderHeader();
  renderTabs();
  renderThread({ toBottom: true });
  ensureLoaded();
  if (active && document.visibilityState === 'visible') store.markRead(active);
  const back = sideFrom && sideFrom.isConnected && sideFrom.getClientRects().length ? sideFrom : el['menu-btn'];
  sideFrom = null;
  back.focus();
}

// ---- Menu: language, notifications, this phone ---------------------------------

function renderLangButtons() {
  for (const box of document.querySelectorAll('[data-lang-buttons]')) {
    clear(box);
    for (const l of LANGUAGES) {
      box.append(
        h('button', {
          class: 'btn', type: 'button', lang: l.code, dir: l.dir, 'aria-pressed': l.code === lang().code ? 'true' : 'false',
          onclick: () => switchLanguage(l.code),
        }, l.name),
      );
    }
  }
}

async function switchLanguage(code) {
  await setLanguage(code, { remember: true });
  renderLangButtons();
  renderHeader();
  renderTabs();
  renderThread();
  renderNet(conn.state);
  renderMenu();
  renderCoordinator();
  renderPhones();
  renderMyData();
  renderPicked();
  notifyLanguage(code);
  if (!el['enrol-view'].hidden) {
    el['enrol-submit'].textContent = t('enrol.submit');
  }
  const pressed = document.activeElement && document.activeElement.closest('[data-lang-buttons]')
    ? document.activeElement.closest('[data-lang-buttons]').querySelector(`[lang="${code}"]`)
    : null;
  if (pressed) pressed.focus();
}

function openMenu() {
  renderMenu();
  renderCoordinator();
    renderQuiet();
  renderSmsMenu();
  el['signout-confirm'].hidden = true;
  el.menu.showModal();
}

function renderMenu() {
  const d = saved.device;
  el['device-info'].textContent = d && d.id ? t('menu.device_info', { id: d.id, name: d.name }) : t('menu.device_unknown');
  renderNotifyMenu();
}

// The family chose its coordinator (coordinator.js): every conversation of
// the family has the new primary at once (the gateway's `conversation` frame
// says the same for one of them), and the header and the saved outline follow.
function coordinatorChosen(familyId, adviser) {
  for (const c of store.convs.values()) {
    if (c.family.id !== familyId || (c.primary !== adviser && c.secondary !== adviser)) continue;
    if (c.primary !== adviser) [c.primary, c.secondary] = [adviser, c.primary];
  }
  store.emit('convs');
}

function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/family/sw.js', { scope: '/family/' }).catch(() => {
    /* the app works without it, only not offline */
  });
}
