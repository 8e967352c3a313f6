// quiet.js - a family's quiet hours in the staff client
// (GET/PUT /api/families/{id}/quiet-hours, Danish time).
//
// In the conversation view, while the family's quiet hours are in force, a
// line says when the family will be told: "Familien får besked kl. 07.00"
// (the message itself arrives at once; the phones stay silent until then).
// It is checked again every half minute while the conversation is open.
// On the family page the pair sets the hours (from, to; equal times: none);
// a team member reads them.  The gateway logs every change.

import { api } from '../shared/api.js';
import { quietNow, danishTime } from '../shared/quiet.js';

const el = {};
const hours = new Map(); // family id -> {from, to}, as last read or saved
let lineFamily = null; // the family whose conversation is open
let timer = null;
let formFamily = null; // the family on the family page

export function initStaffQuiet() {
  for (const id of ['quiet-line', 'quiet-form', 'quiet-from', 'quiet-to', 'quiet-readonly', 'quiet-status']) {
    el[id] = document.getElementById(id);
  }
  el['quiet-form'].addEventListener('submit', onSave);
}

const span = (h) => `${danishTime(h.from)}–${danishTime(h.to)}`;

async function load(familyId) {
  const h = await api.quietHours(familyId);
  hours.set(familyId, { from: h.from, to: h.to });
  return hours.get(familyId);
}

// ---- The line in the conversation view ---------------------------------

export function showQuietLine(familyId) {
  lineFamily = familyId;
  renderLine();
  load(familyId).then(renderLine, () => {
    /* unknown: no line (the gateway holds the notification regardless) */
  });
  clearInterval(timer);
  timer = setInterval(renderLine, 30000);
}

export function hideQuietLine() {
  lineFamily = null;
  clearInterval(timer);
  timer = null;
  if (el['quiet-line']) el['quiet-line'].hidden = true;
}

function renderLine() {
  const line = el['quiet-line'];
  const h = lineFamily !== null ? hours.get(lineFamily) : null;
  const q = quietNow(h);
  line.hidden = !q.quiet;
  const text = q.quiet
    ? `Familien får besked kl. ${danishTime(q.until)} – det er familiens stille timer (${span(h)}). ` +
      'Det, du skriver, kommer frem med det samme; telefonerne siger først noget til den tid.'
    : '';
  if (line.textContent !== text) {
    line.textContent = text;
    line.title = text; // one line on a laptop (staff.css): the whole on hover
  }
}

// ---- The family page: set (the pair) or read (the team) -------------------

export async function openQuietForm(family) {
  formFamily = family.id;
  el['quiet-status'].textContent = '';
  el['quiet-form'].hidden = !family.pair;
  el['quiet-readonly'].hidden = family.pair;
  el['quiet-readonly'].textContent = 'Henter …';
  // Not editable until the kept hours are in: they would overwrite what was typed.
  setEditable(false);
  try {
    const h = await load(family.id);
    if (formFamily !== family.id) return;
    el['quiet-from'].value = h.from;
    el['quiet-to'].value = h.to;
    setEditable(true);
    el['quiet-readonly'].textContent = h.from === h.to
      ? 'Familien har ingen stille timer. Familien og makkerparret kan ændre det.'
      : `Stille timer ${span(h)}. Familien og makkerparret kan ændre dem.`;
  } catch {
    if (formFamily !== family.id) return;
    setEditable(true); /* they may still be set */
    el['quiet-readonly'].textContent = '';
    el['quiet-status'].textContent = 'De stille timer kunne ikke hentes. Prøv igen om lidt.';
  }
}

function setEditable(on) {
  for (const id of ['quiet-from', 'quiet-to']) el[id].disabled = !on;
  el['quiet-form'].querySelector('button[type="submit"]').disabled = !on;
}

async function onSave(e) {
  e.preventDefault();
  const family = formFamily;
  const from = el['quiet-from'].value;
  const to = el['quiet-to'].value;
  const status = el['quiet-status'];
  if (!/^\d\d:\d\d$/.test(from) || !/^\d\d:\d\d$/.test(to)) {
    status.textContent = 'Skriv begge tidspunkter som tt:mm.';
    return;
  }
  const button = el['quiet-form'].querySelector('button[type="submit"]');
  button.disabled = true;
  status.textContent = '';
  try {
    const h = await api.setQuietHours(family, from, to);
    hours.set(family, { from: h.from, to: h.to });
    status.textContent = h.from === h.to ? 'Gemt: ingen stille timer.' : `Gemt: stille timer ${span(h)}.`;
    if (lineFamily === family) renderLine();
  } catch (ex) {
    status.textContent = ex.code === 'bad_request' ? 'Skriv begge tidspunkter som tt:mm.' : 'De stille timer kunne ikke gemmes. Prøv igen.';
  } finally {
    button.disabled = false;
  }
}

// How the contact log's "settings" rows read in Danish.
// "number +45••••5678; channel sms; full text agreed;" in Danish
function smsChanges(s) {
  const channel = { app: 'appen', fallback: 'appen og SMS som reserve', sms: 'kun SMS' };
  return s.split(';').map((x) => x.trim()).filter(Boolean).map((x) => {
    let m = /^number (.+)$/.exec(x);
    if (m) return m[1] === 'none' ? 'intet nummer' : `nummer ${m[1]}`;
    m = /^channel (\w+)$/.exec(x);
    if (m) return `besked via ${channel[m[1]] || m[1]}`;
    if (x === 'full text agreed') return 'ja til hele beskeder som SMS';
    if (x === 'full text not agreed') return 'ikke ja til hele beskeder som SMS';
    if (x === 'STOP from the phone') return 'STOP fra telefonen';
    if (x === 'no more SMS') return 'ingen flere SMS';
    return x;
  }).join(', ');
}

export function settingsDetail(detail) {
  let m = /^quiet hours (\d\d:\d\d)-(\d\d:\d\d)$/.exec(detail || '');
  if (m) return `Stille timer ${danishTime(m[1])}–${danishTime(m[2])}`;
  if (detail === 'quiet hours off') return 'Ingen stille timer';
  m = /^sms of (.+?): (.*)$/.exec(detail || '');
  if (m) return `SMS for ${m[1]}: ${smsChanges(m[2])}`;
  m = /^notifications show (none|sender|preview)$/.exec(detail || '');
  if (m) {
    return `Beskeder på skærmen viser: ${{ none: 'kun at der er en ny besked', sender: 'hvem der har skrevet', preview: 'hvem der har skrevet og starten af beskeden' }[m[1]]}`;
  }
  return detail || '';
}
