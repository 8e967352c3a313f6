// requests.js - a family member's requests for erasure and restriction
// (issue 16; GDPR art. 17 and 18) on the family page, right under "Sag og
// journal" (record.js): GET/POST /api/families/{id}/requests, PUT
// /api/requests/{id}.
//
// A request reaches the pair however the member makes it (a meeting, a
// call, a letter); the pair records it here with who asked, what, and when
// it was received (Danish time, now by default; its one-month deadline,
// art. 12(3), runs from then, and the list says when it falls), and answers
// it with a decision and the reasons given to the member ("Besvar").  The
// list says each request's state: received when, what was asked, the
// decision and the answer, and for a granted erasure whether it is carried
// out (with what was deleted) or still under way; the gateway deletes in
// the background, so the section asks again by itself (every two seconds,
// slower as it waits) while an erasure is under way.  A granted restriction
// is a legal hold on the family: the record section is read again to show
// it.
//
// Writing is the pair's and a leader's of the family's team (the same as
// closing the case: record.js's canClose); the team sees the list without
// buttons.  A refusal is said plainly: the gateway's 409 for an erasure
// before the journal export is confirmed filed says "Bekræft journaliseret
// først", and a leadership taken back since the teams were read says who
// may.  The list is drawn item by item (dom.js reconcile), so asking again
// never disturbs an answer being written.

import { h, clear, announce, reconcile } from '../shared/dom.js';
import { dateTime } from '../shared/format.js';
import { cphParts, cphInstant, fromInputs, toInputs } from '../shared/cph.js';
import { http } from './http.js';
import { families } from './families.js';
import { onTeams } from './teams.js';
import { canClose, loadRecord, recordOf, onRecord } from './record.js';
import { decisionText, erasedText } from './retention.js';
import { t, lang } from './i18n.js';

const NOTE_MAX = 1000; // the gateway's limits, in characters
const ANSWER_MAX = 1000;
const POLL_FIRST = 2000;
const POLL_MAX = 30000;

let store = null;
let live = null;
let humanError = (e) => String((e && e.code) || e);
let box = null;
let el = {}; // the section's parts, made once
let shown = null; // the family id on the page
let list = null; // its requests, newest first; null before the first answer
let loadError = '';
let loads = 0;
let poll = { timer: null, delay: POLL_FIRST };
let ui = { adding: false, answering: null, decision: '', answer: '' };

// store; parent: the family panel; liveRegion; errorText(e).
export function initRequests({ store: s, parent, liveRegion, errorText }) {
  store = s;
  live = liveRegion;
  if (errorText) humanError = errorText;
  box = h('section', { id: 'requests', class: 'card block requests', 'aria-labelledby': 'requests-title', hidden: true });
  el.acts = h('div', { class: 'requests-acts' });
  el.body = h('div', { class: 'requests-body' });
  el.error = h('p', { class: 'error-box requests-error', role: 'alert', hidden: true });
  el.status = h('p', { class: 'requests-status', role: 'status' });
  box.append(
    h('h2', { id: 'requests-title', tabindex: '-1' }, t('requests.title')),
    h('p', { class: 'hint' }, t('requests.hint')),
    el.body, el.acts, el.error, el.status,
  );
  const record = parent.querySelector('#record');
  if (record) record.after(box); // right under "Sag og journal"
  else parent.prepend(box);
  onTeams(() => shown !== null && render()); // a leader's buttons
  store.addEventListener('convs', () => shown !== null && render()); // new members, a new pair
  onRecord((rec) => rec.family === shown && renderList()); // a hold: an erasure waits
}

export function showRequests(f) {
  if (shown !== f.id) {
    list = null;
    loadError = '';
    ui = { adding: false, answering: null, decision: '', answer: '' };
  }
  shown = f.id;
  say('', '');
  render();
  load();
}

export function hideRequests() {
  shown = null;
  stopPolling();
  loads += 1; // an answer on its way is not drawn
  if (box) box.hidden = true;
}

const family = () => (shown !== null ? families(store).get(shown) : null);
const erasing = (r) => !!(r.erasure && !r.erasure.done_at);

// ---- Reading, and asking again while an erasure is under way -------------------------------

async function load() {
  const id = shown;
  const n = ++loads;
  try {
    const r = await http.requests(id);
    if (n !== loads || shown !== id) return;
    const was = list;
    list = r.requests || [];
    loadError = '';
    for (const q of list) {
      const before = was && was.find((x) => x.id === q.id);
      if (before && erasing(before) && !erasing(q)) announce(live, erasureLine(q));
    }
  } catch (e) {
    if (n !== loads || shown !== id) return;
    loadError = t('requests.load_failed', { error: humanError(e) });
  }
  renderList();
  planPoll();
}

function planPoll() {
  clearTimeout(poll.timer);
  poll.timer = null;
  if (shown === null || !list || !list.some(erasing)) {
    poll.delay = POLL_FIRST;
    return;
  }
  poll.timer = setTimeout(load, poll.delay);
  poll.delay = Math.min(POLL_MAX, Math.round(poll.delay * 1.5));
}

function stopPolling() {
  clearTimeout(poll.timer);
  poll = { timer: null, delay: POLL_FIRST };
}

// ---- Words ---------------------------------------------------------------------------------

const when = (ts) => dateTime(ts, lang().locale);

// One month after receipt (GDPR art. 12(3)), as a Danish calendar day; the
// 31st of a shorter month is its last day.
export function deadline(received) {
  const p = cphParts(new Date(received));
  const y = p.month === 12 ? p.year + 1 : p.year;
  const m = p.month === 12 ? 1 : p.month + 1;
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const at = cphInstant(y, m, Math.min(p.day, last), 12);
  return new Intl.DateTimeFormat(lang().locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'Europe/Copenhagen' }).format(at);
}

const memberOf = (r) => (r.member && r.member.name) || t('record.member_no', { n: r.member && r.member.id });
const nameOf = (u) => (u && u.name) || t('record.someone');

function erasureLine(r) {
  const e = r.erasure;
  if (e.done_at) return t('requests.erasure_done', { when: when(e.done_at), what: erasedText(e.texts, e.files), upto: when(e.upto) });
  const rec = recordOf(r.family);
  return rec && rec.hold ? t('requests.erasure_hold') : t('requests.erasure_waiting', { upto: when(e.upto) });
}

// ---- Drawing -------------------------------------------------------------------------------

// The error goes into the form it is about (near: that form's buttons),
// else to the end of the section.
function say(error, status, near = null) {
  if (near && near.isConnected) near.before(el.error);
  else if (el.error.parentNode !== box) el.status.before(el.error);
  el.error.textContent = error;
  el.error.hidden = !error;
  el.status.textContent = status;
}

function render() {
  const f = family();
  if (!f) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  renderActs(f);
  renderList();
}

// "Registrér anmodning" and its form: drawn again only when they change.
function renderActs(f) {
  const may = canClose(f);
  const sig = `${may}|${ui.adding}|${[...f.members.keys()].join(',')}`;
  if (el.acts.dataset.sig === sig) return;
  el.acts.dataset.sig = sig;
  clear(el.acts);
  if (!may) return;
  el.acts.append(h('button', {
    id: 'requests-add', class: 'btn', type: 'button', 'aria-expanded': ui.adding ? 'true' : 'false',
    'aria-controls': 'requests-new', onclick: () => adding(!ui.adding),
  }, t('requests.record')));
  if (ui.adding) el.acts.append(newForm(f));
}

function renderList() {
  const f = family();
  if (!f) return;
  if (loadError || !list || !list.length) {
    clear(el.body);
    el.items = null;
    el.body.append(h('p', { class: loadError || !list ? 'requests-loading' : 'requests-none' },
      loadError || (list ? t('requests.none') : t('requests.loading'))));
    return;
  }
  if (!el.items || !el.items.isConnected) {
    clear(el.body);
    el.items = h('ol', { class: 'requests-list', 'aria-label': t('requests.list_label') });
    el.body.append(el.items);
  }
  const may = canClose(f);
  const rec = recordOf(f.id);
  reconcile(el.items, list.map((r) => ({
    key: String(r.id),
    sig: JSON.stringify([r, may, ui.answering === r.id, !!(rec && rec.hold), lang().code]),
    render: () => item(f, r, may),
  })));
}

function item(f, r, may) {
  const answered = !!r.decision;
  const kind = r.kind === 'erasure' || r.kind === 'restriction' ? t(`requests.kind_label_${r.kind}`) : r.kind;
  const granted = r.decision === 'granted' || r.decision === 'partly';
  return h('li', { class: `request${answered ? ' answered' : ''}`, dataset: { id: String(r.id) }, tabindex: '-1' },
    h('p', { class: 'request-head' }, t('requests.head', { kind, member: memberOf(r) })),
    h('p', { class: 'request-received' }, t('requests.received', {
      when: when(r.received_at), deadline: deadline(r.received_at), name: nameOf(r.recorded_by), at: when(r.recorded_at),
    })),
    r.note ? h('p', { class: 'request-note', dir: 'auto' }, t('requests.note', { note: r.note })) : null,
    h('p', { class: `request-state${answered ? '' : ' open'}` }, answered
      ? t('requests.answered', { when: when(r.answered_at), name: nameOf(r.answered_by), decision: decisionText(r.decision) })
      : t('requests.open')),
    answered && r.answer ? h('p', { class: 'request-answer', dir: 'auto' }, t('requests.answer', { answer: r.answer })) : null,
    r.erasure ? h('p', { class: `request-erasure${r.erasure.done_at ? ' done' : ''}` }, erasureLine(r)) : null,
    r.kind === 'restriction' && granted ? h('p', { class: 'request-restricted' }, t('requests.restricted')) : null,
    !answered && may && ui.answering !== r.id ? h('button', {
      class: 'btn request-answer-btn', type: 'button', dataset: { answer: String(r.id) },
      onclick: () => answering(r.id),
    }, t('requests.answer_btn'), h('span', { class: 'visually-hidden' }, ` ${t('requests.answer_for', { n: r.id, member: memberOf(r) })}`)) : null,
    !answered && may && ui.answering === r.id ? answerForm(f, r) : null);
}

// ---- Recording a request -------------------------------------------------------------------

function adding(on) {
  ui.adding = on;
  say('', '');
  const f = family();
  if (!f) return;
  renderActs(f);
  box.querySelector(on ? '#request-member' : '#requests-add')?.focus();
}

function newForm(f) {
  const members = [...f.members.values()].sort((a, b) => a.id - b.id);
  const now = toInputs(new Date());
  const radio = (value, checked) => h('label', { class: 'choice' },
    h('input', { type: 'radio', name: 'request-kind', value, checked }), h('span', null, t(`requests.kind_label_${value}`)));
  return h('form', {
    id: 'requests-new', class: 'requests-new', novalidate: true,
    onsubmit: (e) => {
      e.preventDefault();
      record(f, e.currentTarget);
    },
    onkeydown: (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        adding(false);
      }
    },
  },
  h('div', { class: 'field' },
    h('label', { for: 'request-member' }, t('requests.member')),
    h('select', { id: 'request-member', name: 'member' }, members.map((u) => h('option', { value: String(u.id) }, u.name)))),
  h('fieldset', { class: 'requests-kind' },
    h('legend', { class: 'label' }, t('requests.kind')),
    radio('erasure', true), radio('restriction', false)),
  h('fieldset', { class: 'requests-when' },
    h('legend', { class: 'label' }, t('requests.received_legend')),
    h('div', { class: 'record-when' },
      h('div', { class: 'field' }, h('label', { for: 'request-date' }, t('record.date')),
        h('input', { id: 'request-date', name: 'date', type: 'date', value: now.date })),
      h('div', { class: 'field' }, h('label', { for: 'request-time' }, t('record.time')),
        h('input', { id: 'request-time', name: 'time', type: 'time', value: now.time })))),
  h('div', { class: 'field' },
    h('label', { for: 'request-note' }, t('requests.note_label')),
    h('textarea', { id: 'request-note', name: 'note', rows: '2', maxlength: String(NOTE_MAX), dir: 'auto' })),
  h('div', { class: 'requests-buttons' },
    h('button', { id: 'request-save', class: 'btn btn-primary', type: 'submit' }, t('requests.save')),
    h('button', { class: 'btn', type: 'button', onclick: () => adding(false) }, t('requests.cancel'))));
}

async function record(f, form) {
  const at = fromInputs(form.elements.date.value, form.elements.time.value);
  const note = form.elements.note.value.trim();
  const kind = form.querySelector('input[name="request-kind"]:checked')?.value || 'erasure';
  const member = Number(form.elements.member.value);
  if (!at) return refuse(t('requests.when_bad'), form.elements.date);
  if (at.getTime() > Date.now()) return refuse(t('requests.when_future'), form.elements.date);
  if ([...note].length > NOTE_MAX) return refuse(t('requests.note_long', { max: NOTE_MAX }), form.elements.note);
  if (!member) return refuse(t('requests.member_missing'), form.elements.member);
  const button = form.querySelector('#request-save');
  button.disabled = true;
  say('', '');
  try {
    const req = await http.recordRequest(f.id, { member, kind, received_at: at.toISOString(), note });
    if (shown !== f.id) return;
    list = [req, ...(list || []).filter((x) => x.id !== req.id)];
    ui.adding = false;
    renderActs(f);
    renderList();
    say('', t('requests.recorded'));
    announce(live, t('requests.recorded'));
    box.querySelector('#requests-add')?.focus();
    load();
  } catch (e) {
    button.disabled = false;
    say(e && e.code === 'forbidden' ? t('requests.forbidden') : e && e.code === 'bad_request' ? t('requests.bad_request') : humanError(e), '',
      buttonsOf(form));
  }
}

const buttonsOf = (form) => (form && form.querySelector('.requests-buttons')) || null;

function refuse(text, field) {
  say(text, '', buttonsOf(field && field.form));
  field?.focus();
}

// ---- Answering -----------------------------------------------------------------------------

function answering(id) {
  ui.answering = id;
  ui.decision = '';
  ui.answer = '';
  say('', '');
  renderList();
  box.querySelector(`#request-decision-${id}-granted`)?.focus();
}

function stopAnswering(id) {
  ui.answering = null;
  say('', '');
  renderList();
  box.querySelector(`button[data-answer="${id}"]`)?.focus();
}

function answerForm(f, r) {
  const radio = (value) => {
    const id = `request-decision-${r.id}-${value}`;
    return h('label', { class: 'choice', for: id },
      h('input', {
        id, type: 'radio', name: `request-decision-${r.id}`, value, checked: ui.decision === value,
        onchange: () => {
          ui.decision = value;
        },
      }),
      h('span', null, t(`requests.decision_label_${value}`)));
  };
  const text = `request-answer-${r.id}`;
  return h('form', {
    class: 'request-answer', novalidate: true,
    onsubmit: (e) => {
      e.preventDefault();
      answer(f, r, e.currentTarget);
    },
    onkeydown: (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        stopAnswering(r.id);
      }
    },
  },
  h('fieldset', null, h('legend', { class: 'label' }, t('requests.decision')), ['granted', 'partly', 'refused'].map(radio)),
  h('div', { class: 'field' },
    h('label', { for: text }, t('requests.answer_label')),
    h('textarea', {
      id: text, rows: '3', maxlength: String(ANSWER_MAX), dir: 'auto', text: ui.answer,
      oninput: (e) => {
        ui.answer = e.currentTarget.value;
      },
    }),
    h('span', { class: 'hint' }, r.kind === 'erasure' ? t('requests.answer_hint_erasure') : t('requests.answer_hint_restriction'))),
  h('div', { class: 'requests-buttons' },
    h('button', { class: 'btn btn-primary', type: 'submit' }, t('requests.answer_save')),
    h('button', { class: 'btn', type: 'button', onclick: () => stopAnswering(r.id) }, t('requests.cancel'))));
}

async function answer(f, r, form) {
  const decision = ui.decision;
  const text = ui.answer.trim();
  if (!decision) return refuse(t('requests.decision_missing'), form.querySelector('input[type="radio"]'));
  if (!text) return refuse(t('requests.answer_empty'), form.querySelector('textarea'));
  if ([...text].length > ANSWER_MAX) return refuse(t('requests.answer_long', { max: ANSWER_MAX }), form.querySelector('textarea'));
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  say('', '');
  try {
    const done = await http.answerRequest(r.id, decision, text);
    if (shown !== f.id) return;
    list = (list || []).map((x) => (x.id === done.id ? done : x));
    ui.answering = null;
    ui.answer = '';
    ui.decision = '';
    poll.delay = POLL_FIRST;
    renderList();
    say('', t('requests.answered_done'));
    announce(live, t('requests.answered_done'));
    el.items?.querySelector(`.request[data-id="${r.id}"]`)?.focus();
    loadRecord(f.id).catch(() => {}); // a restriction is a hold now; the record says so
    load(); // an erasure under way: asked again until it is carried out
  } catch (e) {
    if (button.isConnected) button.disabled = false;
    if (e && e.code === 'conflict') {
      // Answered meanwhile, or an erasure before the journal export is filed.
      await load();
      const now = (list || []).find((x) => x.id === r.id);
      if (now && now.decision) {
        ui.answering = null;
        renderList();
        say(t('requests.already_answered'), '');
      } else say(r.kind === 'erasure' && decision !== 'refused' ? t('requests.not_filed') : humanError(e), '', buttonsOf(form));
      return;
    }
    say(e && e.code === 'forbidden' ? t('requests.forbidden') : e && e.code === 'bad_request' ? t('requests.answer_bad') : humanError(e), '',
      buttonsOf(form));
  }
}
