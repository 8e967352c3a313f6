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

const LOCALE = 'da-DK';
const NOTE_MAX = 160;

const TEXT = {
  button: 'Jeg er væk',
  buttonAway: (until) => `Du er væk ${until}`,
  title: 'Jeg er væk',
  intro: 'Sig til, når du er på ferie, kursus eller syg. Dine familier ser, at du er væk, og hvem der svarer imens; din makker får besked, når en familie venter. Fraværet slutter af sig selv.',
  from: 'Væk fra',
  to: 'Tilbage',
  date: 'Dato',
  time: 'Kl.',
  note: 'Besked til familierne (valgfri)',
  noteHint: `Højst ${NOTE_MAX} tegn. F.eks. «På kursus – Bo svarer imens».`,
  save: 'Gem fravær',
  close: 'Luk',
  current: (from, to) => `Du er væk fra ${from} til ${to}.`,
  currentNote: (note) => `Besked til familierne: «${note}»`,
  none: 'Du er ikke meldt væk.',
  back: 'Tilbage før tid',
  saved: (until) => `Gemt. Du er væk ${until}.`,
  ended: 'Du er tilbage. Dine familier ser ikke længere, at du er væk.',
  loading: 'Henter …',
  badTime: 'Skriv en rigtig dato og et klokkeslæt.',
  order: '«Tilbage» skal ligge efter «Væk fra» og efter nu.',
  tooLong: `Beskeden må højst have ${NOTE_MAX} tegn.`,
  refused: 'Serveren tog ikke imod fraværet: «Tilbage» skal ligge efter nu, «Væk fra» højst et døgn tilbage, og højst et år i alt.',
  // "Bo er væk til mandag", "Du er væk til i morgen", "… til kl. 15.00"
  away: (who, until) => `${who} er væk ${until}`,
  you: 'Du',
  untilTime: (t) => `til kl. ${t}`,
  untilTomorrow: 'til i morgen',
  untilDay: (d) => `til ${d}`,
  awayList: (names) => names.join(' · '),
};

// ---- The words (pure) ---------------------------------------------------------------------

// "til kl. 15.00" (today), "til i morgen", "til mandag" (within six days),
// "til 12. januar" (later); Danish time.
export function untilText(to, at = now()) {
  const t = new Date(to);
  const a = cphParts(new Date(at));
  const p = cphParts(t);
  const same = (x, y) => x.year === y.year && x.month === y.month && x.day === y.day;
  if (same(a, p)) return TEXT.untilTime(new Intl.DateTimeFormat(LOCALE, { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Copenhagen' }).format(t));
  if (same(cphAddDays(a, 1), p)) return TEXT.untilTomorrow;
  const soon = t.getTime() - at < 6 * 24 * 3600 * 1000;
  return TEXT.untilDay(t.toLocaleDateString(LOCALE, soon
    ? { weekday: 'long', timeZone: 'Europe/Copenhagen' }
    : { day: 'numeric', month: 'long', timeZone: 'Europe/Copenhagen' }));
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
  const who = me && a.user.id === me.id ? TEXT.you : shortName(a.user, people);
  return TEXT.away(who, untilText(a.to, at));
}

// A pill for the caseload's family line or the family's head (or null).
export function awayTag(fam, me, cls = 'away-tag') {
  const list = awayNow(fam && fam.convs);
  if (!list.length) return null;
  const people = [...((fam && fam.advisers) || new Map()).values()];
  const text = TEXT.awayList(list.map((a) => awayText(a, me, people)));
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
  button.textContent = TEXT.button;
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
    h('fieldset', { class: 'away-when' }, h('legend', null, TEXT.from),
      field('away-from-date', TEXT.date, f.fromDate), field('away-from-time', TEXT.time, f.fromTime)),
    h('fieldset', { class: 'away-when' }, h('legend', null, TEXT.to),
      field('away-to-date', TEXT.date, f.toDate), field('away-to-time', TEXT.time, f.toTime)),
    h('div', { class: 'field' }, h('label', { for: 'away-note' }, TEXT.note), f.note,
      h('p', { id: 'away-note-hint', class: 'hint' }, TEXT.noteHint)),
    f.error,
    h('button', { class: 'btn btn-primary', type: 'submit' }, TEXT.save));
  dialog = h('dialog', { id: 'away-dialog', class: 'settings away-dialog', 'aria-labelledby': 'away-title' },
    h('div', { class: 'settings-head' },
      h('h2', { id: 'away-title' }, TEXT.title),
      h('button', { class: 'btn', type: 'button', onclick: () => dialog.close() }, TEXT.close)),
    h('p', { class: 'hint' }, TEXT.intro),
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
  button.textContent = away ? TEXT.buttonAway(untilText(mine.to)) : TEXT.button;
  button.classList.toggle('is-away', away);
}

function renderCurrent() {
  clear(f.current);
  if (!inForce(mine)) {
    f.current.append(h('p', null, TEXT.none));
    return;
  }
  const fmt = (ts) => new Date(ts).toLocaleString(LOCALE, {
    weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Copenhagen',
  });
  f.current.append(
    h('p', { class: 'away-now' }, TEXT.current(fmt(mine.from), fmt(mine.to))),
    mine.note ? h('p', null, TEXT.currentNote(mine.note)) : null,
    h('button', { class: 'btn', type: 'button', id: 'away-back', onclick: onBack }, TEXT.back));
}

// The form's defaults: from now, back the next weekday at 08.00; or the
// current absence.
function fillForm() {
  const t = now();
  if (inForce(mine)) {
    const a = toInputs(new Date(Math.max(Date.parse(mine.from), t)));
    const b = toInputs(new Date(mine.to));
    [f.fromDate.value, f.fromTime.value, f.toDate.value, f.toTime.value] = [a.date, a.time, b.date, b.time];
    f.note.value = mine.note || '';
    return;
  }
  const a = toInputs(new Date(t));
  const today = cphParts(new Date(t));
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
  f.current.append(h('p', { class: 'hint' }, TEXT.loading));
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
  if (!from || !to) return fail(TEXT.badTime, !from ? f.fromDate : f.toDate);
  if (to.getTime() <= from.getTime() || to.getTime() <= now()) return fail(TEXT.order, f.toDate);
  if ([...note].length > NOTE_MAX) return fail(TEXT.tooLong, f.note);
  try {
    const r = await http.setAbsence(from.toISOString(), to.toISOString(), note);
    mine = (r && r.absence) || null;
    renderButton();
    renderCurrent();
    f.status.textContent = TEXT.saved(untilText(to.getTime()));
    announce(live, f.status.textContent);
    await store.refreshConvs(); // CONV.away on this page
  } catch (ex) {
    fail(ex && ex.code === 'bad_request' ? TEXT.refused : humanError(ex));
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
    f.status.textContent = TEXT.ended;
    announce(live, TEXT.ended);
    f.fromDate.focus();
    await store.refreshConvs();
  } catch (ex) {
    f.error.textContent = humanError(ex);
    f.error.hidden = false;
  }
}
