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
import { t, lang } from './i18n.js';

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

// A time of day as the language writes it: "07.00" in Danish, "07:00" in English.
const clock = (hm) => (lang().code === 'da' ? danishTime(hm) : String(hm || ''));
const span = (h) => `${clock(h.from)}–${clock(h.to)}`;

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
  const text = q.quiet ? t('quiet.line', { until: clock(q.until), span: span(h) }) : '';
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
  el['quiet-readonly'].textContent = t('quiet.loading');
  // Not editable until the kept hours are in: they would overwrite what was typed.
  setEditable(false);
  try {
    const h = await load(family.id);
    if (formFamily !== family.id) return;
    el['quiet-from'].value = h.from;
    el['quiet-to'].value = h.to;
    setEditable(true);
    el['quiet-readonly'].textContent = h.from === h.to
      ? t('quiet.readonly_none')
      : t('quiet.readonly', { span: span(h) });
  } catch {
    if (formFamily !== family.id) return;
    setEditable(true); /* they may still be set */
    el['quiet-readonly'].textContent = '';
    el['quiet-status'].textContent = t('quiet.load_failed');
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
    status.textContent = t('quiet.bad_time');
    return;
  }
  const button = el['quiet-form'].querySelector('button[type="submit"]');
  button.disabled = true;
  status.textContent = '';
  try {
    const h = await api.setQuietHours(family, from, to);
    hours.set(family, { from: h.from, to: h.to });
    status.textContent = h.from === h.to ? t('quiet.saved_none') : t('quiet.saved', { span: span(h) });
    if (lineFamily === family) renderLine();
  } catch (ex) {
    status.textContent = t(ex.code === 'bad_request' ? 'quiet.bad_time' : 'quiet.save_failed');
  } finally {
    button.disabled = false;
  }
}

// How the contact log's "settings" rows read in the client's language.
// "number +45••••5678; channel sms; full text agreed;" in words
const CHANGES = {
  'full text agreed': 'quiet.log_full_text',
  'full text not agreed': 'quiet.log_no_full_text',
  'STOP from the phone': 'quiet.log_stop',
  'no more SMS': 'quiet.log_no_more_sms',
};
const CHANNELS = { app: 'quiet.log_channel_app', fallback: 'quiet.log_channel_fallback', sms: 'quiet.log_channel_sms' };

function smsChanges(s) {
  return s.split(';').map((x) => x.trim()).filter(Boolean).map((x) => {
    let m = /^number (.+)$/.exec(x);
    if (m) return m[1] === 'none' ? t('quiet.log_no_number') : t('quiet.log_number', { number: m[1] });
    m = /^channel (\w+)$/.exec(x);
    if (m) return t('quiet.log_channel', { channel: CHANNELS[m[1]] ? t(CHANNELS[m[1]]) : m[1] });
    return CHANGES[x] ? t(CHANGES[x]) : x;
  }).join(', ');
}

const SHOWS = { none: 'quiet.log_shows_none', sender: 'quiet.log_shows_sender', preview: 'quiet.log_shows_preview' };

export function settingsDetail(detail) {
  let m = /^quiet hours (\d\d:\d\d)-(\d\d:\d\d)$/.exec(detail || '');
  if (m) return t('quiet.log_hours', { span: span({ from: m[1], to: m[2] }) });
  if (detail === 'quiet hours off') return t('quiet.log_off');
  m = /^sms of (.+?): (.*)$/.exec(detail || '');
  if (m) return t('quiet.log_sms', { name: m[1], changes: smsChanges(m[2]) });
  m = /^notifications show (none|sender|preview)$/.exec(detail || '');
  if (m) return t('quiet.log_shows', { what: t(SHOWS[m[1]]) });
  return detail || '';
}
