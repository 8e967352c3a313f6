// scheduled.js - "Send senere": a pair adviser's message to the family,
// written now and sent by the gateway at a chosen Danish time
// (POST/GET /api/conversations/{id}/scheduled, PUT/DELETE /api/scheduled/{id},
// the `scheduled` frame).
//
// In the reply box, next to the send button (pair advisers, messages to the
// family; never notes, never team members): "Send senere" opens the
// choices: "I morgen kl. 08.00", "Mandag kl. 08.00" on a Friday or Saturday,
// or a date and a time of day (Danish time, whatever the computer's zone).
// The text in the reply box is what gets scheduled.
//
// Above the reply box, while something waits in the conversation on screen:
// "Planlagte beskeder (2)", soonest first, each "Planlagt til tors. 08.00 ·
// Anna Jensen" with its text, and for the pair "Rediger" (text, date and
// time, in place) and "Annullér" (asks first: "Ja, annullér" gets the
// focus, "Fortryd" or Escape gives it back).  Team members see the list,
// without buttons (the gateway refuses them anyway).
//
// The list is loaded when a conversation opens and after every reconnect;
// `scheduled` frames keep it live (the partner's edits appear, a sent or
// cancelled one disappears; the sent message itself comes as an ordinary
// message).  Frames that arrive while a list is being fetched are applied
// on top of it, and a message seen sent or cancelled never comes back.

import { api } from '../shared/api.js';
import { h, announce, codePoints, reconcile } from '../shared/dom.js';
import { newClientId } from '../shared/protocol.js';
import { cphParts, cphInstant, cphAddDays, fromInputs, toInputs } from '../shared/cph.js';
import { t, lang } from './i18n.js';

const MAX_BODY = 4000;
const AHEAD_MS = 90 * 24 * 3600 * 1000; // the gateway's limit
const ZONE = 'Europe/Copenhagen';

// ---- Danish times (pure: tested in Node) ------------------------------------
//
// The labels are made by Intl in the language's own way (CLDR's names of
// days and months, "i dag"/"today", "08.00"/"08:00"), so they need no
// strings: the functions work before any language file is loaded (in Node).

// Copenhagen's calendar and clock for `at` in the current language.
function cph(at, opts) {
  return new Intl.DateTimeFormat(lang().locale, { timeZone: ZONE, hourCycle: 'h23', ...opts }).format(at);
}
const clock = (at) => cph(at, { hour: '2-digit', minute: '2-digit' });
// "i dag", "i morgen" (0, 1).
const relDay = (days) => new Intl.RelativeTimeFormat(lang().locale, { numeric: 'auto' }).format(days, 'day');
const capital = (s) => s.charAt(0).toLocaleUpperCase(lang().locale) + s.slice(1);

// The word between a day and its time in the language's full date-time
// pattern: " kl. " in Danish, " at " in English.
function atWord() {
  const parts = new Intl.DateTimeFormat(lang().locale, { dateStyle: 'full', timeStyle: 'short', timeZone: 'UTC' }).formatToParts(0);
  const i = parts.findIndex((p) => p.type === 'hour');
  return i > 0 && parts[i - 1].type === 'literal' ? parts[i - 1].value : ' ';
}

// The quick choices at `now`: tomorrow 08:00, and Monday 08:00 on a Friday
// or Saturday (on a Sunday tomorrow is Monday).  [{label, at: Date}]:
// "I morgen kl. 08.00", "Mandag kl. 08.00".
export function quickPicks(now = new Date()) {
  const today = cphParts(now);
  const at8 = (d) => cphInstant(d.year, d.month, d.day, 8, 0);
  const pick = (day, at) => ({ label: `${capital(day)}${atWord()}${clock(at)}`, at });
  const tomorrow = at8(cphAddDays(today, 1));
  const picks = [pick(relDay(1), tomorrow)];
  if (today.weekday === 5 || today.weekday === 6) {
    const monday = at8(cphAddDays(today, 8 - today.weekday));
    picks.push(pick(cph(monday, { weekday: 'long' }), monday));
  }
  return picks;
}

// "i dag 14.05", "i morgen 08.00", "tors. 08.00" (within the week), else
// "tors. 3. dec. 08.00" (with the year when not this year).
export function whenLabel(at, now = new Date()) {
  const a = cphParts(at);
  const n = cphParts(now);
  const days = Math.round((Date.UTC(a.year, a.month - 1, a.day) - Date.UTC(n.year, n.month - 1, n.day)) / 86400000);
  const hm = clock(at);
  if (days === 0 || days === 1) return `${relDay(days)} ${hm}`;
  if (days > 1 && days < 7) return `${cph(at, { weekday: 'short' })} ${hm}`;
  const date = cph(at, { weekday: 'short', day: 'numeric', month: 'short', year: a.year !== n.year ? 'numeric' : undefined });
  return `${date} ${hm}`;
}

// "torsdag 3. december 2026 kl. 08.00": the whole of it, for a tooltip.
function fullWhen(at) {
  const a = cphParts(at);
  return t('scheduled.full_when', {
    weekday: cph(at, { weekday: 'long' }), day: a.day, month: cph(at, { month: 'long' }), year: a.year, time: clock(at),
  });
}

// Why a moment cannot be chosen, or '' when it can.
function timeProblem(at, now = Date.now()) {
  if (!at) return t('scheduled.need_date_time');
  if (at.getTime() <= now) return t('scheduled.past');
  if (at.getTime() - now > AHEAD_MS) return t('scheduled.too_far');
  return '';
}

// The gateway's refusals by code.
const ERRORS = {
  network: 'scheduled.err_network',
  unauthorized: 'scheduled.err_unauthorized',
  forbidden: 'scheduled.err_forbidden',
  not_found: 'scheduled.err_not_found',
  gone: 'scheduled.err_not_found',
  bad_request: 'scheduled.err_bad_request',
  too_large: 'scheduled.err_too_large',
  rate_limited: 'scheduled.err_rate_limited',
};

function errorText(e, { change = false } = {}) {
  const code = e && e.code;
  if (code === 'conflict') return change ? t('scheduled.err_done') : t('scheduled.err_full');
  return t(Object.hasOwn(ERRORS, code) ? ERRORS[code] : 'scheduled.err_other');
}

// ---- State ---------------------------------------------------------------------

const el = {};
const waiting = new Map(); // conv id -> Map(id -> SCHEDULED in state waiting)
const finished = new Set(); // ids seen sent, cancelled or failed
const fetching = new Map(); // conv id -> frames that arrived while its list was fetched
const errors = new Map(); // id -> the error shown in that item
let conn = null;
let live = null;
let shown = null; // the conversation on screen
let writer = false; // the user is in its pair
let editing = null; // the id being changed
let editingSeen = ''; // its updated_at when the change began: no change over an unseen one
let asking = null; // the id whose cancelling is being confirmed
let posting = null; // {conv, body, at, clientId}: a retry of the same text reuses its client_id
let userId = null; // whose lists these are

export function initScheduled({ connection, liveRegion }) {
  conn = connection;
  live = liveRegion;
  for (const id of ['body', 'kind-text', 'kind-note', 'later-btn', 'later', 'later-picks', 'later-date', 'later-time',
    'later-go', 'later-error', 'sched', 'sched-title', 'sched-list']) {
    el[id] = document.getElementById(id);
  }
  el['later-btn'].addEventListener('click', () => (el.later.hidden ? openLater() : closeLater(true)));
  el['later-go'].addEventListener('click', () => scheduleAt(fromInputs(el['later-date'].value, el['later-time'].value)));
  el.later.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      closeLater(true);
    } else if (e.key === 'Enter' && e.target.tagName === 'INPUT') {
      e.preventDefault(); // not the reply box's submit: that would send now
      scheduleAt(fromInputs(el['later-date'].value, el['later-time'].value));
    }
  });
  el['kind-text'].addEventListener('change', updateComposer);
  el['kind-note'].addEventListener('change', updateComposer);
  conn.addEventListener('scheduled', (e) => apply(e.detail.scheduled));
  conn.addEventListener('welcome', (e) => {
    if (userId !== e.detail.user.id) {
      // Someone else signed in on this page: nothing of the last user's lists stays.
      userId = e.detail.user.id;
      waiting.clear();
      finished.clear();
      errors.clear();
      posting = null;
    }
    // What changed while the connection was away.
    if (shown !== null) load(shown);
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && shown !== null) render(); // "i dag" may be "i går" now
  });
}

// A conversation is on screen; pair: the user may schedule and change.
export function showScheduled(convId, { pair }) {
  const changed = shown !== convId;
  shown = convId;
  writer = !!pair;
  if (changed) {
    editing = null;
    asking = null;
    closeLater(false);
  }
  updateComposer();
  render();
  if (changed) load(convId);
}

export function hideScheduled() {
  shown = null;
  editing = null;
  asking = null;
  closeLater(false);
  if (el.sched) el.sched.hidden = true;
}

// The contact log's `scheduled` rows in words: "scheduled 12, send at TS",
// "changed …", "moved …", "cancelled …".
const LOG_KEYS = {
  scheduled: 'scheduled.log_scheduled',
  changed: 'scheduled.log_changed',
  moved: 'scheduled.log_moved',
  cancelled: 'scheduled.log_cancelled',
};

export function scheduledDetail(detail) {
  const m = /^(scheduled|changed|moved|cancelled) (\d+), send at (\S+)$/.exec(detail || '');
  if (!m) return detail || '';
  const when = Number.isNaN(Date.parse(m[3])) ? m[3] : fullWhen(new Date(m[3]));
  return t(LOG_KEYS[m[1]], { n: m[2], when });
}

// ---- The list --------------------------------------------------------------

async function load(convId) {
  if (fetching.has(convId)) return; // under way already
  const buffered = [];
  fetching.set(convId, buffered);
  try {
    const r = await api.scheduled(convId);
    const map = new Map();
    for (const s of r.scheduled || []) if (s.state === 'waiting' && !finished.has(s.id)) map.set(s.id, s);
    waiting.set(convId, map);
    fetching.delete(convId);
    for (const s of buffered) apply(s); // newer than the list, or older and ignored
  } catch {
    fetching.delete(convId); // the list stays as it was; frames keep it live
  }
  if (convId === shown) render();
}

// A SCHEDULED from a frame or an answer.  refocus: false when the caller
// puts the focus where it belongs itself.
function apply(s, { refocus = true } = {}) {
  if (!s || typeof s.id !== 'number' || typeof s.conv !== 'number') return;
  const buffer = fetching.get(s.conv);
  if (buffer) buffer.push(s);
  if (!waiting.has(s.conv)) waiting.set(s.conv, new Map());
  const map = waiting.get(s.conv);
  if (s.state === 'waiting') {
    if (finished.has(s.id)) return;
    const prev = map.get(s.id);
    if (prev && prev.updated_at > s.updated_at) return; // an older frame
    map.set(s.id, s);
  } else {
    finished.add(s.id);
    const had = map.delete(s.id);
    errors.delete(s.id);
    if (editing === s.id) editing = null;
    if (asking === s.id) asking = null;
    if (had && s.conv === shown && s.state === 'failed') {
      announce(live, t('scheduled.failed', { when: whenLabel(new Date(s.send_at)), name: s.sender.name }));
    } else if (had && s.conv === shown && s.state === 'sent') {
      announce(live, t('scheduled.sent', { name: s.sender.name }));
    }
  }
  if (s.conv === shown) render({ refocus });
}

function sortedWaiting(convId) {
  return [...(waiting.get(convId) || new Map()).values()]
    .sort((a, b) => Date.parse(a.send_at) - Date.parse(b.send_at) || a.id - b.id);
}

// refocus: when the focused control goes with its item (sent, cancelled,
// redrawn by someone else's change), the focus goes to the reply box.
function render({ refocus = true } = {}) {
  if (!el.sched) return;
  const list = shown !== null ? sortedWaiting(shown) : [];
  const focusWasIn = el['sched-list'].contains(document.activeElement);
  el.sched.hidden = list.length === 0;
  el['sched-title'].textContent = t('scheduled.title', { n: list.length });
  reconcile(el['sched-list'], list.map((s) => ({
    key: `s:${s.id}`,
    sig: editing === s.id ? 'edit' : `${s.updated_at}|${whenLabel(new Date(s.send_at))}|${writer}|${asking === s.id}|${errors.get(s.id) || ''}`,
    render: () => renderItem(s),
  })));
  if (refocus && focusWasIn && !el['sched-list'].contains(document.activeElement)) {
    if (writer && !el.body.disabled) el.body.focus();
    else if (!el.sched.hidden) el['sched-title'].focus();
  }
}

function renderItem(s) {
  const when = whenLabel(new Date(s.send_at));
  const li = h('li', { class: 'sched-item', dataset: { sched: String(s.id) } },
    h('p', { class: 'sched-when' },
      h('time', { datetime: s.send_at, title: fullWhen(new Date(s.send_at)) }, t('scheduled.planned_for', { when })),
      h('span', { class: 'sched-who' }, ` · ${s.sender.name}`)),
  );
  if (editing === s.id) {
    li.append(editForm(s));
    return li;
  }
  li.append(h('p', { class: 'sched-body', dir: 'auto' }, s.body));
  if (writer) {
    const about = h('span', { class: 'visually-hidden' }, ` ${t('scheduled.about', { when })}`);
    li.append(h('div', { class: 'sched-actions' },
      h('button', { class: 'btn sched-edit-btn', type: 'button', onclick: () => startEdit(s.id) }, t('scheduled.edit'), about.cloneNode(true)),
      h('button', {
        class: 'btn sched-cancel-btn', type: 'button', 'aria-expanded': asking === s.id ? 'true' : 'false',
        onclick: () => askCancel(s.id),
      }, t('scheduled.cancel'), about),
    ));
  }
  if (asking === s.id) {
    li.append(h('div', { class: 'sched-ask info-box', role: 'group', 'aria-label': t('scheduled.ask_label') },
      h('p', null, t('scheduled.ask', { when })),
      h('button', { class: 'btn btn-danger sched-yes', type: 'button', onclick: () => cancelYes(s.id) }, t('scheduled.yes_cancel')),
      h('button', { class: 'btn sched-no', type: 'button', onclick: () => cancelNo(s.id) }, t('scheduled.keep')),
    ));
    // Escape anywhere in the question backs out.
    li.querySelector('.sched-ask').addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        cancelNo(s.id);
      }
    });
  }
  if (errors.has(s.id)) li.append(h('p', { class: 'error-box', role: 'alert' }, errors.get(s.id)));
  return li;
}

const itemOf = (id) => el['sched-list'].querySelector(`li[data-sched="${id}"]`);

// ---- Changing one -----------------------------------------------------------

function editForm(s) {
  const id = `sched-${s.id}`;
  const at = toInputs(new Date(s.send_at));
  const err = h('p', { class: 'error-box', role: 'alert', hidden: !errors.has(s.id) }, errors.get(s.id) || '');
  const body = h('textarea', { id: `${id}-body`, rows: '3', dir: 'auto' });
  body.value = s.body;
  const date = h('input', { id: `${id}-date`, type: 'date', value: at.date });
  const time = h('input', { id: `${id}-time`, type: 'time', value: at.time });
  const form = h('form', { class: 'sched-edit', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: `${id}-body` }, t('scheduled.text')), body),
    h('div', { class: 'sched-edit-when' },
      h('div', { class: 'field' }, h('label', { for: `${id}-date` }, t('scheduled.date')), date),
      h('div', { class: 'field' }, h('label', { for: `${id}-time` }, t('scheduled.time')), time),
      h('span', { class: 'hint' }, t('scheduled.danish_time'))),
    err,
    h('div', { class: 'sched-actions' },
      h('button', { class: 'btn btn-primary', type: 'submit' }, t('scheduled.save')),
      h('button', { class: 'btn', type: 'button', onclick: () => endEdit(s.id) }, t('scheduled.discard'))),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    saveEdit(s.id, form, { body, date, time, err, at });
  });
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      endEdit(s.id);
    }
  });
  return form;
}

function startEdit(id) {
  asking = null;
  editing = id;
  editingSeen = waiting.get(shown)?.get(id)?.updated_at || '';
  errors.delete(id);
  render({ refocus: false });
  itemOf(id)?.querySelector('textarea')?.focus();
}

function endEdit(id) {
  if (editing === id) editing = null;
  render({ refocus: false });
  itemOf(id)?.querySelector('.sched-edit-btn')?.focus();
}

async function saveEdit(id, form, { body, date, time, err, at }) {
  const s = waiting.get(shown)?.get(id);
  if (!s) return;
  const text = body.value.trim();
  const changes = {};
  const say = (words) => {
    err.textContent = words;
    err.hidden = false;
  };
  if (!text) return say(t('scheduled.empty_edit'));
  if (codePoints(text) > MAX_BODY) return say(t('scheduled.too_long'));
  if (text !== s.body) changes.body = text;
  if (date.value !== at.date || time.value !== at.time) {
    const when = fromInputs(date.value, time.value);
    const problem = timeProblem(when);
    if (problem) return say(problem);
    changes.send_at = when.toISOString();
  }
  if (!Object.keys(changes).length) return endEdit(id);
  if (editingSeen) changes.updated_at = editingSeen;
  for (const b of form.querySelectorAll('button')) b.disabled = true;
  try {
    const r = await api.changeScheduled(id, changes);
    editing = null;
    apply(r, { refocus: false });
    itemOf(id)?.querySelector('.sched-edit-btn')?.focus();
    announce(live, t('scheduled.saved', { when: whenLabel(new Date(r.send_at)) }));
  } catch (e) {
    for (const b of form.querySelectorAll('button')) b.disabled = false;
    if (e.code === 'conflict' && /changed meanwhile/.test(e.message)) {
      // The partner changed it meanwhile: her text stays in the form, theirs
      // is shown, and saving again (now from their version) is a choice.
      await load(shown);
      const fresh = waiting.get(shown)?.get(id);
      if (fresh) {
        editingSeen = fresh.updated_at;
        say(t('scheduled.changed_meanwhile', { body: fresh.body, when: whenLabel(new Date(fresh.send_at)) }));
        body.focus();
        return;
      }
    }
    say(errorText(e, { change: true }));
    if (e.code === 'conflict' || e.code === 'not_found') load(shown);
  }
}

// ---- Cancelling one ---------------------------------------------------------

function askCancel(id) {
  editing = null;
  asking = asking === id ? null : id;
  errors.delete(id);
  render({ refocus: false });
  itemOf(id)?.querySelector(asking === id ? '.sched-yes' : '.sched-cancel-btn')?.focus();
}

function cancelNo(id) {
  if (asking === id) asking = null;
  render({ refocus: false });
  itemOf(id)?.querySelector('.sched-cancel-btn')?.focus();
}

async function cancelYes(id) {
  const s = waiting.get(shown)?.get(id);
  if (!s) return;
  const yes = itemOf(id)?.querySelector('.sched-yes');
  if (yes) yes.disabled = true;
  try {
    apply(await api.cancelScheduled(id), { refocus: false });
    announce(live, t('scheduled.cancelled', { when: whenLabel(new Date(s.send_at)) }));
  } catch (e) {
    asking = null;
    errors.set(id, errorText(e, { change: true }));
    render({ refocus: false });
    itemOf(id)?.querySelector('.sched-cancel-btn')?.focus();
    if (e.code === 'conflict' || e.code === 'not_found') load(shown);
    return;
  }
  if (writer) el.body.focus();
}

// ---- "Send senere" in the reply box -------------------------------------------

function updateComposer() {
  const can = shown !== null && writer && !el['kind-note'].checked;
  el['later-btn'].hidden = !can;
  if (!can) closeLater(false);
}

function openLater() {
  const picks = el['later-picks'];
  picks.replaceChildren(...quickPicks().map((p) => h('button', {
    class: 'btn', type: 'button', title: fullWhen(p.at), onclick: () => scheduleAt(p.at),
  }, p.label)));
  // The custom choice starts at tomorrow 08:00; it may be today, not before.
  const start = toInputs(quickPicks()[0].at);
  el['later-date'].min = toInputs(new Date()).date;
  el['later-date'].max = toInputs(new Date(Date.now() + AHEAD_MS)).date;
  if (!el['later-date'].value) el['later-date'].value = start.date;
  if (!el['later-time'].value) el['later-time'].value = start.time;
  el['later-error'].hidden = true;
  el.later.hidden = false;
  el['later-btn'].setAttribute('aria-expanded', 'true');
  picks.querySelector('button')?.focus();
}

function closeLater(focusButton) {
  if (!el.later) return;
  const wasOpen = !el.later.hidden;
  el.later.hidden = true;
  el['later-btn'].setAttribute('aria-expanded', 'false');
  el['later-date'].value = '';
  el['later-time'].value = '';
  if (wasOpen && focusButton) el['later-btn'].focus();
}

function laterError(text) {
  el['later-error'].textContent = text;
  el['later-error'].hidden = !text;
}

async function scheduleAt(at) {
  const conv = shown;
  if (conv === null || !writer) return;
  const text = el.body.value.trim();
  laterError('');
  if (!text) {
    laterError(t('scheduled.write_first'));
    el.body.focus();
    return;
  }
  if (codePoints(text) > MAX_BODY) {
    laterError(t('scheduled.too_long'));
    return;
  }
  const problem = timeProblem(at);
  if (problem) {
    laterError(problem);
    return;
  }
  if (!posting || posting.conv !== conv || posting.body !== text || posting.at !== at.getTime()) {
    posting = { conv, body: text, at: at.getTime(), clientId: newClientId() };
  }
  const buttons = el.later.querySelectorAll('button');
  for (const b of buttons) b.disabled = true;
  try {
    const s = await api.schedule(conv, text, at.toISOString(), posting.clientId);
    posting = null;
    apply(s, { refocus: false });
    if (el.body.value.trim() === text) {
      el.body.value = '';
      el.body.dispatchEvent(new Event('input')); // the draft and the counter follow
    }
    closeLater(false);
    el.body.focus();
    announce(live, t('scheduled.done', { when: whenLabel(new Date(s.send_at)) }));
  } catch (e) {
    laterError(errorText(e));
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}
