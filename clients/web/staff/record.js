// record.js - "Sag og journal" on the family page (issue 16): the family's
// case record (GET /api/families/{id}/record) and what may be done with it.
//
// It says whether the case is open or closed (when, by whom, why), how far
// the journal export is confirmed filed in the case file (the municipality's
// ESDH), a legal hold if an administrator set one, and what the retention
// rules will do next and when (retention.js has the words).  Buttons only
// where the gateway would allow them, as far as this client knows the
// user's place: "Luk sagen" and "Genåbn sagen" for the family's pair and a
// leader of its team, "Bekræft journaliseret" for its coordinator (primary
// adviser) and a leader.  Closing asks first and says what it means (the
// family can no longer write, its phones are signed out after the grace
// period, the deletion clock starts), with an optional reason.  Confirming
// the filing takes a date and a time of day in Danish time, now by default;
// no deletion ever reaches past it.  A refusal is said plainly (the
// leadership may have changed since the teams were read).
//
// The record is kept per family for the other views: the conversation of a
// closed case says so and disables its reply box (conversation.js, through
// closedNotice() and onRecord()), and the journal export confirms a
// document's period filed (log.js, through confirmFiled()).

import { h, clear, announce } from '../shared/dom.js';
import { dateTime } from '../shared/format.js';
import { fromInputs, toInputs } from '../shared/cph.js';
import { http } from './http.js';
import { families } from './families.js';
import { familyTeam, onTeams } from './teams.js';
import { stateText, filedText, holdText, retentionLine, stepLines } from './retention.js';
import { t, lang } from './i18n.js';

const REASON_MAX = 125; // the gateway's limit, in characters

const records = new Map(); // family id -> the record as last read or changed
const listeners = new Set();
let store = null;
let live = null;
let humanError = (e) => String((e && e.code) || e);
let box = null;
let shown = null; // the family id on the page
// What the section holds besides the record, kept over a redraw.
let ui = { asking: false, reason: '', date: '', time: '', status: '', error: '', loadError: '', busy: false };

// store; parent: the family panel; liveRegion; errorText(e).
export function initRecord({ store: s, parent, liveRegion, errorText }) {
  store = s;
  live = liveRegion;
  if (errorText) humanError = errorText;
  box = h('section', { id: 'record', class: 'card block record', 'aria-labelledby': 'record-title', hidden: true });
  parent.prepend(box); // the case's state first: it decides what else may happen
  onTeams(() => shown !== null && render()); // a leader's buttons
  store.addEventListener('convs', () => shown !== null && render()); // a new pair
}

// ---- The kept records ----------------------------------------------------------------------

export function recordOf(familyId) {
  return records.get(familyId) || null;
}

// fn(record) whenever a family's record is read or changed.
export function onRecord(fn) {
  listeners.add(fn);
}

function keep(rec) {
  if (!rec || typeof rec.family !== 'number') return rec;
  records.set(rec.family, rec);
  for (const fn of listeners) fn(rec);
  if (shown === rec.family) render();
  return rec;
}

export async function loadRecord(familyId) {
  return keep(await http.record(familyId));
}

// The conversation's notice while the family's case is closed ('' when open
// or not known).
export function closedNotice(familyId) {
  const rec = records.get(familyId);
  if (!rec || rec.state !== 'closed') return '';
  return t('record.conv_closed', {
    when: dateTime(rec.closed_at, lang().locale), name: (rec.closed_by && rec.closed_by.name) || t('record.someone'),
  });
}

// ---- Who may do what (the gateway decides; these only hide what it would refuse) ----

function leads(f) {
  const team = familyTeam(f);
  return !!(team && team.leader);
}

export function canClose(f) {
  return !!f && (f.pair || leads(f));
}

export function canConfirmFiled(f) {
  return !!f && ((f.pair && !!store.me && f.main.primary === store.me.id) || leads(f));
}

// Confirms the family's journal export filed up to upto (a Date or ms):
// -> {ok, text}, the text in words either way; the record is kept.
export async function confirmFiled(familyId, upto) {
  const at = new Date(upto);
  if (Number.isNaN(at.getTime())) return { ok: false, text: t('record.filed_bad') };
  if (at.getTime() > Date.now()) return { ok: false, text: t('record.filed_future') };
  try {
    const rec = keep(await http.confirmFiled(familyId, at.toISOString()));
    return { ok: true, text: t('record.filed_done', { upto: dateTime(rec.filed_upto || at, lang().locale) }) };
  } catch (e) {
    if (e && e.code === 'forbidden') return { ok: false, text: t('record.forbidden_filed') };
    if (e && e.code === 'bad_request') return { ok: false, text: t('record.filed_future') };
    if (e && e.code === 'conflict') {
      const rec = await loadRecord(familyId).catch(() => records.get(familyId));
      const upto = rec && rec.filed_upto;
      return { ok: false, text: upto ? t('record.filed_earlier', { upto: dateTime(upto, lang().locale) }) : humanError(e) };
    }
    return { ok: false, text: humanError(e) };
  }
}

// ---- The section on the family page --------------------------------------------------------

export function showRecord(f) {
  if (shown !== f.id) ui = { asking: false, reason: '', date: '', time: '', status: '', error: '', loadError: '', busy: false };
  shown = f.id;
  ui.status = '';
  ui.error = '';
  const now = toInputs(new Date()); // the filing's time: now by default
  ui.date = now.date;
  ui.time = now.time;
  render();
  const id = f.id;
  loadRecord(id).then(() => {
    if (shown === id && ui.loadError) {
      ui.loadError = '';
      render();
    }
  }, (e) => {
    if (shown !== id) return;
    ui.loadError = t('record.load_failed', { error: humanError(e) });
    render();
  });
}

export function hideRecord() {
  shown = null;
  ui.asking = false;
  if (box) box.hidden = true;
}

function render() {
  const f = shown !== null ? families(store).get(shown) : null;
  if (!f) {
    box.hidden = true;
    return;
  }
  const focused = box.contains(document.activeElement) ? document.activeElement.id : '';
  const rec = records.get(f.id);
  clear(box);
  box.hidden = false;
  box.append(
    h('h2', { id: 'record-title', tabindex: '-1' }, t('record.title')),
    h('p', { class: 'hint' }, t('record.hint')),
  );
  if (!rec) {
    box.append(h('p', { class: 'record-loading' }, ui.loadError || t('record.loading')));
    return;
  }
  const closed = rec.state === 'closed';
  const steps = stepLines(rec);
  box.append(...[
    h('p', { class: `record-state${closed ? ' closed' : ''}` }, stateText(rec)),
    closed && rec.close_reason ? h('p', { class: 'record-reason', dir: 'auto' }, t('record.reason', { reason: rec.close_reason })) : null,
    rec.hold ? h('p', { class: 'record-hold' }, holdText(rec)) : null,
    h('p', { class: 'record-filed' }, filedText(rec)),
    h('p', { class: 'record-next' }, retentionLine(rec)),
    steps.length ? h('ul', { class: 'record-steps', 'aria-label': t('record.steps') }, steps.map((s) => h('li', null, s))) : null,
  ].filter(Boolean));
  if (canClose(f)) box.append(closeActs(f, rec));
  if (ui.asking && !closed && canClose(f)) box.append(askBox(f));
  if (canConfirmFiled(f)) box.append(filedForm(f));
  box.append(
    h('p', { class: 'error-box record-error', role: 'alert', hidden: !ui.error }, ui.error),
    h('p', { class: 'record-status', role: 'status' }, ui.status),
  );
  if (focused) box.querySelector(`#${CSS.escape(focused)}`)?.focus();
}

function closeActs(f, rec) {
  const closed = rec.state === 'closed';
  return h('div', { class: 'record-acts' }, closed
    ? h('button', { id: 'record-reopen', class: 'btn', type: 'button', disabled: ui.busy, onclick: () => reopen(f) }, t('record.reopen'))
    : h('button', {
      id: 'record-close', class: 'btn btn-danger', type: 'button', 'aria-expanded': ui.asking ? 'true' : 'false',
      'aria-controls': 'record-ask', disabled: ui.busy, onclick: () => ask(true),
    }, t('record.close')));
}

// The confirm step: what closing means, an optional reason, yes or no.
function askBox(f) {
  const reason = h('input', {
    id: 'record-reason', type: 'text', maxlength: String(REASON_MAX), value: ui.reason, 'aria-describedby': 'record-means',
    oninput: (e) => {
      ui.reason = e.currentTarget.value;
    },
  });
  return h('div', {
    id: 'record-ask', class: 'info-box record-ask', role: 'group', 'aria-labelledby': 'record-question',
    onkeydown: (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        ask(false);
      } else if (e.key === 'Enter' && e.target === reason) {
        e.preventDefault();
        close(f);
      }
    },
  },
  h('p', { id: 'record-question', class: 'record-question' }, t('record.close_question', { family: f.name })),
  h('p', { id: 'record-means' }, t('record.close_means')),
  h('div', { class: 'field' }, h('label', { for: 'record-reason' }, t('record.reason_label')), reason),
  h('div', { class: 'record-ask-buttons' },
    h('button', { id: 'record-yes', class: 'btn btn-danger', type: 'button', disabled: ui.busy, onclick: () => close(f) }, t('record.close_yes')),
    h('button', { id: 'record-no', class: 'btn', type: 'button', onclick: () => ask(false) }, t('record.close_no'))));
}

function ask(on) {
  ui.asking = on;
  ui.error = '';
  ui.status = '';
  if (!on) ui.reason = '';
  render();
  box.querySelector(on ? '#record-reason' : '#record-close')?.focus();
}

function filedForm(f) {
  const date = h('input', { id: 'record-date', type: 'date', value: ui.date, oninput: (e) => { ui.date = e.currentTarget.value; } });
  const time = h('input', { id: 'record-time', type: 'time', value: ui.time, oninput: (e) => { ui.time = e.currentTarget.value; } });
  return h('form', {
    class: 'record-filed-form', novalidate: true, 'aria-describedby': 'record-filed-hint',
    onsubmit: (e) => {
      e.preventDefault();
      filed(f);
    },
  },
  h('fieldset', null,
    h('legend', null, t('record.filed_legend')),
    h('div', { class: 'record-when' },
      h('div', { class: 'field' }, h('label', { for: 'record-date' }, t('record.date')), date),
      h('div', { class: 'field' }, h('label', { for: 'record-time' }, t('record.time')), time),
      h('button', { id: 'record-filed', class: 'btn btn-primary', type: 'submit', disabled: ui.busy }, t('record.confirm_filed')))),
  h('p', { id: 'record-filed-hint', class: 'hint' }, t('record.filed_hint')));
}

// ---- Changes -------------------------------------------------------------------------------

async function change(f, work, { done, forbidden, conflict }) {
  ui.busy = true;
  ui.error = '';
  ui.status = '';
  render();
  try {
    keep(await work());
    ui.asking = false;
    ui.reason = '';
    ui.status = done;
    announce(live, done);
    return true;
  } catch (e) {
    if (e && e.code === 'forbidden') ui.error = forbidden;
    else if (e && e.code === 'conflict') {
      ui.error = conflict;
      await loadRecord(f.id).catch(() => {});
    } else ui.error = humanError(e);
    ui.asking = false;
    return false;
  } finally {
    ui.busy = false;
    if (shown === f.id) render();
  }
}

async function close(f) {
  const reason = ui.reason.trim();
  if ([...reason].length > REASON_MAX) {
    ui.error = t('record.reason_long', { max: REASON_MAX });
    render();
    box.querySelector('#record-reason')?.focus();
    return;
  }
  const ok = await change(f, () => http.closeCase(f.id, reason), {
    done: t('record.closed_done'), forbidden: t('record.forbidden_close'), conflict: t('record.already_closed'),
  });
  if (shown === f.id) box.querySelector(ok ? '#record-title' : '#record-close, #record-reopen')?.focus();
}

async function reopen(f) {
  const ok = await change(f, () => http.reopenCase(f.id), {
    done: t('record.reopened_done'), forbidden: t('record.forbidden_close'), conflict: t('record.already_open'),
  });
  if (shown === f.id) box.querySelector(ok ? '#record-title' : '#record-close, #record-reopen')?.focus();
}

async function filed(f) {
  const at = fromInputs(ui.date, ui.time);
  ui.error = '';
  ui.status = '';
  if (!at) {
    ui.error = t('record.filed_bad');
    render();
    return;
  }
  ui.busy = true;
  render();
  const r = await confirmFiled(f.id, at);
  ui.busy = false;
  if (r.ok) {
    ui.status = r.text;
    announce(live, r.text);
  } else ui.error = r.text;
  if (shown === f.id) render();
}
