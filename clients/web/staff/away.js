// away.js - out of office (issue 15).
//
// "Jeg er væk" (the tools above the caseload) opens a dialog: from when, until
// when (Danish time, whatever the computer's zone), and a short note for the
// families (at most 160 characters), saved with PUT /api/me/absence.  The
// dialog shows the current absence (GET) with "Tilbage før tid" (DELETE);
// the button itself says "Du er væk til mandag" meanwhile.  The families of
// the adviser's pair see it (CONV.away); the partner gets the escalations.
//
// The pair's absences not yet over come in CONV.away
// ([{user, from, to, note}], shown from `from` on).  The caseload shows them
// under the family's name and the family's head beside its name: "Bo er
// væk til mandag" (the note in its title), "Du er væk til mandag" for one's
// own.  CONV.away comes with the welcome and GET /api/me: saving here asks
// GET /api/me again (store.refreshConvs()) so this page shows it at once;
// the partner's page shows it at its next welcome or reload.

import { h, clear, announce } from '../shared/dom.js';
import { cphParts, cphInstant, cphAddDays, fromInputs, toInputs } from '../shared/cph.js';
import { http } from './http.js';
import { shortName, now } from './waiting.js';
import { t, lang } from './i18n.js';

const NOTE_MAX = 160;

// ---- The words (pure) ---------------------------------------------------------------------

// "til kl. 15.00" (today), "til i morgen", "til mandag" (within six days),
// "til 12. januar" (later); Danish time.
export function untilText(to, at = now()) {
  const when = new Date(to);
  const a = cphParts(new Date(at));
  const p = cphParts(when);
  const same = (x, y) => x.year === y.year && x.month === y.month && x.day === y.day;
  if (same(a, p)) return t('away.until_time', { time: new Intl.DateTimeFormat(lang().locale, { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Copenhagen' }).format(when) });
  if (same(cphAddDays(a, 1), p)) return t('away.until_tomorrow');
  const soon = when.getTime() - at < 6 * 24 * 3600 * 1000;
  return t('away.until_day', { day: when.toLocaleDateString(lang().locale, soon
    ? { weekday: 'long', timeZone: 'Europe/Copenhagen' }
    : { day: 'numeric', month: 'long', timeZone: 'Europe/Copenhagen' }) });
}

// The absences in force now among the family's conversations, one per adviser.
export function awayNow(convs, at = now()) {
  const out = new Map();
  for (const c of convs || []) {
    for (const a of c.away || []) {
      if (!a || !a.user || out.has(a.user.id)) continue;
      if (Date.parse(a.from) <= at && at < Date.parse(a.to)) out.set(a.user.id, a);
    }
  }
  return [...out.values()];
}

// "Bo er væk til mandag" ("Du …" for one's own).
export function awayText(a, me, people = [], at = now()) {
  const until = untilText(a.to, at);
  if (me && a.user.id === me.id) return t('away.you_away', { until });
  return t('away.someone_away', { who: shortName(a.user, people), until });
}

// A pill for the caseload's family line or the family's head (or null).
export function awayTag(fam, me, cls = 'away-tag') {
  const list = awayNow(fam && fam.convs);
  if (!list.length) return null;
  const people = [...((fam && fam.advisers) || new Map()).values()];
  const text = list.map((a) => awayText(a, me, people)).join(' · ');
  const notes = list.map((a) => a.note).filter(Boolean).join(' · ');
  return h('span', { class: cls, title: notes || null }, text);
}

// ---- The dialog ------------------------------------------------------------------------------

let store = null;
let live = null;
let humanError = (e) => String((e && e.code) || e);
let button = null;
let dialog = null;
let mine = null; // the absence as last read: {user, from, to, note} or null
const f = {};

// store; button: where "Jeg er væk" goes; liveRegion; errorText(e).
export function initAway({ store: s, button: b, liveRegion, errorText }) {
  store = s;
  button = b;
  live = liveRegion;
  if (errorText) humanError = errorText;
  button.textContent = t('away.button');
  button.setAttribute('aria-haspopup', 'dialog');
  button.addEventListener('click', openDialog);
  const field = (id, label, input) => h('div', { class: 'field' }, h('label', { for: id }, label), input);
  f.fromDate = h('input', { id: 'away-from-date', type: 'date', required: true });
  f.fromTime = h('input', { id: 'away-from-time', type: 'time', required: true });
  f.toDate = h('input', { id: 'away-to-date', type: 'date', required: true });
  f.toTime = h('input', { id: 'away-to-time', type: 'time', required: true });
  f.note = h('textarea', { id: 'away-note', rows: '2', maxlength: String(NOTE_MAX), 'aria-describedby': 'away-note-hint' });
  f.error = h('p', { id: 'away-error', class: 'error-box', role: 'alert', hidden: true });
  f.status = h('p', { id: 'away-status', class: 'away-status', role: 'status' });
  f.current = h('div', { id: 'away-current', class: 'away-current' });
  f.form = h('form', { id: 'away-form', class: 'away-form', novalidate: true, onsubmit: onSave },
    h('fieldset', { class: 'away-when' }, h('legend', null, t('away.from')),
      field('away-from-date', t('away.date'), f.fromDate), field('away-from-time', t('away.time'), f.fromTime)),
    h('fieldset', { class: 'away-when' }, h('legend', null, t('away.to')),
      field('away-to-date', t('away.date'), f.toDate), field('away-to-time', t('away.time'), f.toTime)),
    h('div', { class: 'field' }, h('label', { for: 'away-note' }, t('away.note')), f.note,
      h('p', { id: 'away-note-hint', class: 'hint' }, t('away.note_hint', { max: NOTE_MAX }))),
    f.error,
    h('button', { class: 'btn btn-primary', type: 'submit' }, t('away.save')));
  dialog = h('dialog', { id: 'away-dialog', class: 'settings away-dialog', 'aria-labelledby': 'away-title' },
    h('div', { class: 'settings-head' },
      h('h2', { id: 'away-title' }, t('away.title')),
      h('button', { class: 'btn', type: 'button', onclick: () => dialog.close() }, t('away.close'))),
    h('p', { class: 'hint' }, t('away.intro')),
    f.current, f.status, f.form);
  dialog.addEventListener('close', () => button.focus());
  document.body.append(dialog);
}

// Signed in: what the button says comes from GET /api/me/absence.
export async function startAway() {
  try {
    const r = await http.absence();
    mine = (r && r.absence) || null;
  } catch {
    mine = null;
  }
  renderButton();
}

export function resetAway() {
  mine = null;
  if (dialog && dialog.open) dialog.close();
  renderButton();
}

function inForce(a, at = now()) {
  return !!a && Date.parse(a.to) > at;
}

function renderButton() {
  if (!button) return;
  const away = inForce(mine) && Date.parse(mine.from) <= now();
  button.textContent = away ? t('away.you_away', { until: untilText(mine.to) }) : t('away.button');
  button.classList.toggle('is-away', away);
}

function renderCurrent() {
  clear(f.current);
  if (!inForce(mine)) {
    f.current.append(h('p', null, t('away.none')));
    return;
  }
  const fmt = (ts) => new Date(ts).toLocaleString(lang().locale, {
    weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Copenhagen',
  });
  f.current.append(
    h('p', { class: 'away-now' }, t('away.current', { from: fmt(mine.from), to: fmt(mine.to) })),
    mine.note ? h('p', null, t('away.current_note', { note: mine.note })) : null,
    h('button', { class: 'btn', type: 'button', id: 'away-back', onclick: onBack }, t('away.back')));
}

// The form's defaults: from now, back the next weekday at 08.00; or the
// current absence.
function fillForm() {
  const at = now();
  if (inForce(mine)) {
    const a = toInputs(new Date(Math.max(Date.parse(mine.from), at)));
    const b = toInputs(new Date(mine.to));
    [f.fromDate.value, f.fromTime.value, f.toDate.value, f.toTime.value] = [a.date, a.time, b.date, b.time];
    f.note.value = mine.note || '';
    return;
  }
  const a = toInputs(new Date(at));
  const today = cphParts(new Date(at));
  let next = cphAddDays(today, 1);
  while (next.weekday === 0 || next.weekday === 6) next = cphAddDays(next, 1);
  const b = toInputs(cphInstant(next.year, next.month, next.day, 8, 0));
  [f.fromDate.value, f.fromTime.value, f.toDate.value, f.toTime.value] = [a.date, a.time, b.date, b.time];
  f.note.value = '';
}

async function openDialog() {
  f.error.hidden = true;
  f.status.textContent = '';
  clear(f.current);
  f.current.append(h('p', { class: 'hint' }, t('away.loading')));
  dialog.showModal();
  await startAway();
  renderCurrent();
  fillForm();
}

async function onSave(e) {
  e.preventDefault();
  f.error.hidden = true;
  f.status.textContent = '';
  const from = fromInputs(f.fromDate.value, f.fromTime.value);
  const to = fromInputs(f.toDate.value, f.toTime.value);
  const note = f.note.value.trim();
  const fail = (text, el) => {
    f.error.textContent = text;
    f.error.hidden = false;
    el?.focus();
  };
  if (!from || !to) return fail(t('away.bad_time'), !from ? f.fromDate : f.toDate);
  if (to.getTime() <= from.getTime() || to.getTime() <= now()) return fail(t('away.order'), f.toDate);
  if ([...note].length > NOTE_MAX) return fail(t('away.too_long', { max: NOTE_MAX }), f.note);
  try {
    const r = await http.setAbsence(from.toISOString(), to.toISOString(), note);
    mine = (r && r.absence) || null;
    renderButton();
    renderCurrent();
    f.status.textContent = t('away.saved', { until: untilText(to.getTime()) });
    announce(live, f.status.textContent);
    await store.refreshConvs(); // CONV.away on this page
  } catch (ex) {
    fail(ex && ex.code === 'bad_request' ? t('away.refused') : humanError(ex));
  }
}

async function onBack() {
  f.error.hidden = true;
  try {
    await http.endAbsence();
    mine = null;
    renderButton();
    renderCurrent();
    fillForm();
    f.status.textContent = t('away.ended');
    announce(live, f.status.textContent);
    f.fromDate.focus();
    await store.refreshConvs();
  } catch (ex) {
    f.error.textContent = humanError(ex);
    f.error.hidden = false;
  }
}
