// log.js - the family's contact log (#/f/FAMILY/log; moved out of staff.js,
// issue 15).
//
// The family's own log by default (GET /api/families/{id}/log?scope=family:
// only events about this family, not every sign-in of every staff member);
// "Vis også medarbejdernes log ind og ud" asks for the whole log.  A kind
// filter ("Hændelse": all, messages and notes, or one kind) narrows it
// (`kind=`).  The period is local days (the last 14 by default, the time
// since the team's last meeting), "til og med" inclusive.  Message and note
// rows show the message's text as it is now (LogEntry.text, for the pair
// and team), an edited row the new text; the details of other rows are said
// in words rather than the gateway's codes where it is easy.  The
// log comes a page at a time (500 entries): "Vis flere hændelser".  Reading
// it is itself logged.  "Download CSV" is the whole log of the period, for
// the case file.  Issue 16: the case closed, reopened, filed, held, and
// what the retention rules deleted, in words (retention.js); after a
// journal document is made, its coordinator (or a leader) confirms it filed
// in the case file up to the period's end ("Bekræft journaliseret til og
// med …", record.js).  A member's requests for erasure and restriction, their
// answers and a member's download of their own data, in words too.
//
// logDetail() and kindLabel() are also the meeting view's (meeting.js).

import { h, clear } from '../shared/dom.js';
import { dateTime, localDateToUtc, isoDate } from '../shared/format.js';
import { http } from './http.js';
import { convName } from './families.js';
import { settingsDetail } from './quiet.js';
import { scheduledDetail } from './scheduled.js';
import { myTeams } from './teams.js';
import { t, lang } from './i18n.js';
import { readAll, journalDocument, printJournal, downloadJournal, JOURNAL_MAX, LOG_PAGE } from './journal.js';
import { recordDetail } from './retention.js';
import { canConfirmFiled, confirmFiled } from './record.js';

// Each kind's label: t(KIND_KEYS[kind]) (kindLabel()).
const KIND_KEYS = {
  message: 'log.kind_message',
  note: 'log.kind_note',
  receipt: 'log.kind_receipt',
  enrol: 'log.kind_enrol',
  login: 'log.kind_login',
  logout: 'log.kind_logout',
  unlock: 'log.kind_unlock',
  invite: 'log.kind_invite',
  revoke: 'log.kind_revoke',
  device: 'log.kind_device',
  access: 'log.kind_access',
  denied: 'log.kind_denied',
  conversation: 'log.kind_conversation',
  handover: 'log.kind_handover',
  settings: 'log.kind_settings',
  sms: 'log.kind_sms',
  scheduled: 'log.kind_scheduled',
  handled: 'log.kind_handled',
  escalated: 'log.kind_escalated',
  absence: 'log.kind_absence',
  edited: 'log.kind_edited',
  withdrawn: 'log.kind_withdrawn',
  coordinator: 'log.kind_coordinator',
  meeting: 'log.kind_meeting',
  closed: 'log.kind_closed',
  reopened: 'log.kind_reopened',
  filed: 'log.kind_filed',
  hold: 'log.kind_hold',
  hold_lifted: 'log.kind_hold_lifted',
  deleted: 'log.kind_deleted',
  request: 'log.kind_request',
  request_answered: 'log.kind_request_answered',
  export: 'log.kind_export',
};

// The record's kinds in the filter (issue 16).
const RECORD_KINDS = ['closed', 'reopened', 'filed', 'hold', 'hold_lifted', 'request',
  'request_answered', 'export', 'deleted'];

// A log kind as words ("Besked"); an unknown kind as its code.
export function kindLabel(kind) {
  return KIND_KEYS[kind] ? t(KIND_KEYS[kind]) : kind;
}

// The kind filter: [value (kinds joined by commas; '' for all), label].
export function kindFilter() {
  return [
    ['', t('log.filter_all')],
    ['message,note,edited,withdrawn', t('log.filter_messages')],
    [RECORD_KINDS.join(','), t('log.filter_record')],
    ...['message', 'note', 'handled', 'escalated', 'absence', 'edited', 'withdrawn', 'handover', 'coordinator',
      'meeting', 'enrol', 'revoke', 'device', 'invite', 'conversation', 'scheduled', 'settings', 'sms', 'receipt',
      'access', 'denied', ...RECORD_KINDS].map((k) => [k, kindLabel(k)]),
  ];
}

// The access row's detail (what was looked at) as words.
const ACCESS_KEYS = {
  history: 'log.access_history',
  sync: 'log.access_sync',
  log: 'log.access_log',
  'log export csv': 'log.access_log_csv',
  devices: 'log.access_devices',
  'list devices': 'log.access_devices',
  'access log': 'log.access_access_log',
  'access log csv': 'log.access_access_log_csv',
  'access log (indgang-admin)': 'log.access_access_log_admin',
  scheduled: 'log.access_scheduled',
  correct: 'log.access_correct',
  withdraw: 'log.access_withdraw',
  handled: 'log.access_handled',
  handover: 'log.access_handover',
  'member sms': 'log.access_member_sms',
  attachment: 'log.access_attachment',
  invite: 'log.access_invite',
};

const ESCALATED_KEYS = { partner: 'log.escalated_partner', leaders: 'log.escalated_leaders' };
const ROLE_KEYS = { family: 'log.role_family', adviser: 'log.role_adviser', admin: 'log.role_admin' };

// ---- Details in words (pure) -----------------------------------------------------------------

// 'device 12 "Android-telefon" of Mette Hansen renamed "Mettes Samsung"'.
// Two strings, as a Danish genitive depends on the name's last letter
// ("Mettes", "Lars'").
function renamedDetail(detail) {
  const m = /^device (\d+) "(.*)" of (.*) renamed "(.*)"$/.exec(detail || '');
  if (!m) return detail || '';
  const key = /[sxz]$/i.test(m[3]) ? 'log.renamed_sxz' : 'log.renamed';
  return t(key, { owner: m[3], n: m[1], old: m[2], name: m[4] });
}

// 'invite code for Mette Hansen (member 8), valid until 2026-12-09T00:09:07.890Z'
function inviteDetail(detail) {
  const m = /^invite code for (.*) \(member \d+\), valid until (\S+)$/.exec(detail || '');
  if (!m || Number.isNaN(Date.parse(m[2]))) return detail || '';
  return t('log.invite', { name: m[1], until: dateTime(m[2], lang().locale) });
}

// A username of the handover row as the person's name, when the teams say it.
function personOf(username) {
  for (const team of myTeams()) for (const s of team.staff || []) if (s.username === username) return s.name;
  return username;
}

// A family member's name by id, from the conversations the user sees.
function memberName(id) {
  if (!store) return null;
  for (const c of store.convs.values()) {
    const u = (c.members || []).find((m) => m.id === id);
    if (u) return u.name;
  }
  return null;
}

// An entry's details as words (a string).
export function logDetail(e) {
  const detail = e.detail || '';
  const record = recordDetail(e, { member: memberName }); // issue 16's rows (and the phones signed out at a closing)
  if (record !== null) return record;
  switch (e.kind) {
    case 'message':
    case 'note':
      return typeof e.text === 'string' ? e.text : t('log.message_no', { n: e.message });
    case 'edited':
      return typeof e.text === 'string' ? t('log.edited_to', { text: e.text }) : t('log.message_no', { n: e.message });
    case 'withdrawn':
      return t('log.withdrawn');
    case 'receipt':
      return t('log.read_upto', { n: e.message });
    case 'access':
    case 'denied':
      return ACCESS_KEYS[detail] ? t(ACCESS_KEYS[detail]) : detail;
    case 'invite':
      return inviteDetail(detail);
    case 'enrol': {
      const m = /^(.*) \(invite by (.*)\)$/.exec(detail || '');
      if (m) return t('log.enrolled', { device: m[1], by: m[2] });
      return detail ? t('log.phone', { device: detail }) : '';
    }
    case 'revoke':
      return detail ? t('log.phone', { device: detail }) : '';
    case 'device':
      return renamedDetail(detail);
    case 'settings':
      return settingsDetail(detail);
    case 'scheduled':
      return scheduledDetail(detail);
    case 'handled':
      return e.message ? t('log.handled_upto', { n: e.message }) : '';
    case 'escalated':
      return ESCALATED_KEYS[detail] ? t(ESCALATED_KEYS[detail]) : detail;
    case 'absence': {
      if (detail === 'back') return t('log.back');
      const m = /^away (.+) - (.+)$/.exec(detail);
      return m ? t('log.away', { from: m[1], to: m[2] }) : detail;
    }
    case 'handover': {
      const m = /^pair changed from (.+) \(primary\) \/ (.+) \(secondary\) to (.+) \/ (.+)$/.exec(detail);
      if (!m) return detail;
      const [was1, was2, now1, now2] = m.slice(1).map(personOf);
      return t('log.handover', { was1, was2, now1, now2 });
    }
    case 'coordinator':
      return detail ? t('log.coordinator', { name: detail }) : '';
    case 'meeting':
      return detail || t('log.meeting');
    default:
      return detail;
  }
}

export function actorText(a) {
  if (!a || !a.id) return t('log.system');
  return t('log.actor', { name: a.name, role: ROLE_KEYS[a.role] ? t(ROLE_KEYS[a.role]) : a.role });
}

// ---- The view ---------------------------------------------------------------------------------

const el = {};
let store = null;
let currentFamily = () => null;
let humanError = (e) => String((e && e.code) || e);
const pages = { count: 0, next: null };
let asked = 0; // the newest load: an older answer that comes later is dropped

// store; family(): the family on screen ({id, name}); errorText(e).
export function initLog({ store: s, family, errorText }) {
  store = s;
  currentFamily = family;
  if (errorText) humanError = errorText;
  for (const id of ['log-form', 'log-from', 'log-to', 'log-csv', 'log-print', 'log-html', 'log-error', 'log-caption', 'log-body', 'log-more']) {
    el[id] = document.getElementById(id);
  }
  el.kind = h('select', { id: 'log-kind' }, kindFilter().map(([v, l]) => h('option', { value: v }, l)));
  el.staff = h('input', { id: 'log-staff', type: 'checkbox' });
  const submit = el['log-form'].querySelector('button[type="submit"]');
  el['log-form'].insertBefore(h('div', { class: 'field' }, h('label', { for: 'log-kind' }, t('log.filter_label')), el.kind), submit);
  el['log-form'].insertBefore(h('div', { class: 'field check log-staff' }, el.staff, h('label', { for: 'log-staff' }, t('log.staff'))), submit);
  el['log-form'].addEventListener('submit', (e) => {
    e.preventDefault();
    loadLog();
  });
  el.kind.addEventListener('change', () => loadLog());
  el.staff.addEventListener('change', () => loadLog());
  el['log-more'].addEventListener('click', () => loadLog(true));
  el['log-print'].addEventListener('click', () => journal(el['log-print'], printJournal));
  el['log-html'].addEventListener('click', () => journal(el['log-html'], (doc) => downloadJournal(doc, journalFile())));
  el['log-from'].addEventListener('change', updateCsvLink);
  el['log-to'].addEventListener('change', updateCsvLink);
  // After a journal document is made: confirm it filed (offerFiled()).
  el.filed = h('div', { id: 'log-filed', class: 'info-box log-filed', hidden: true });
  el['log-error'].before(el.filed);
}

export function openLog() {
  const today = new Date();
  const from = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 13);
  if (!el['log-from'].value) el['log-from'].value = isoDate(from);
  if (!el['log-to'].value) el['log-to'].value = isoDate(today);
  updateCsvLink();
  loadLog();
}

function range() {
  const from = el['log-from'].value ? localDateToUtc(el['log-from'].value) : '';
  const to = el['log-to'].value ? localDateToUtc(el['log-to'].value, 1) : '';
  return { from, to };
}

function query(after) {
  const kinds = el.kind.value ? el.kind.value.split(',') : [];
  return { ...range(), scope: el.staff.checked ? 'all' : 'family', kinds, after };
}

// The case file's export: the whole log of the period.
function updateCsvLink() {
  const f = currentFamily();
  if (!f) return;
  const { from, to } = range();
  el['log-csv'].href = http.logCsvUrl(f.id, { from, to });
  el['log-csv'].setAttribute('download', t('log.csv_file', {
    name: f.name.replace(/[^\p{L}\p{N}]+/gu, '-'), from: el['log-from'].value, to: el['log-to'].value,
  }));
}

async function loadLog(more = false) {
  const f = currentFamily();
  if (!f) return;
  const { from, to } = range();
  el['log-error'].hidden = true;
  if (from && to && from >= to) {
    el['log-error'].textContent = t('log.order');
    el['log-error'].hidden = false;
    return;
  }
  if (more && !pages.next) return;
  if (!more) el.filed.hidden = true; // another period or filter: another document
  updateCsvLink();
  el['log-more'].hidden = true;
  if (!more) {
    pages.count = 0;
    pages.next = null;
    clear(el['log-body']);
  }
  el['log-caption'].textContent = t('log.caption_loading', { name: f.name });
  const mine = ++asked;
  try {
    const r = await http.log(f.id, query(more ? pages.next : undefined));
    if (mine !== asked) return;
    const entries = r.entries || [];
    pages.count += entries.length;
    pages.next = r.next ?? null;
    el['log-caption'].textContent = captionText(f.name, pages.count, !!pages.next);
    for (const e of entries) el['log-body'].append(logRow(e));
    if (!pages.count) el['log-body'].append(h('tr', null, h('td', { colspan: '5' }, t('log.none'))));
    el['log-more'].hidden = !pages.next;
  } catch (e) {
    if (mine !== asked) return;
    el['log-caption'].textContent = t('log.caption_bare', { name: f.name });
    el['log-error'].textContent = humanError(e);
    el['log-error'].hidden = false;
    el['log-more'].hidden = !pages.next;
  }
}

// "Kontaktlog for Familien Hansen: 12 hændelser – der er flere".
function captionText(name, n, more) {
  const key = n === 1
    ? (more ? 'log.caption_one_more' : 'log.caption_one')
    : (more ? 'log.caption_other_more' : 'log.caption_other');
  return t(key, { name, n });
}

// An entry's cells in words: the view's row and the journal's.
function cells(e) {
  const conv = e.conv ? store.convs.get(e.conv) : null;
  return {
    when: dateTime(e.at, lang().locale),
    kind: kindLabel(e.kind),
    who: actorText(e.actor),
    conv: e.conv ? (conv ? convName(conv) : t('log.conv_no', { n: e.conv })) : '',
    detail: logDetail(e),
    text: (e.kind === 'message' || e.kind === 'note' || e.kind === 'edited') && typeof e.text === 'string',
  };
}

function logRow(e) {
  const c = cells(e);
  return h('tr', { dataset: { kind: e.kind } },
    h('td', { class: 'when' }, h('time', { datetime: e.at }, c.when)),
    h('td', null, h('span', { class: `log-kind kind-${e.kind}` }, c.kind)),
    h('td', null, c.who),
    h('td', null, c.conv),
    h('td', { class: c.text ? 'log-text' : null, dir: c.text ? 'auto' : null }, c.detail),
  );
}

// ---- The journal: the whole period as a document (journal.js) ---------------------------------

// action(doc): print it or download it.
async function journal(button, action) {
  const f = currentFamily();
  if (!f || !el['log-form'].reportValidity()) return;
  const { from, to } = range();
  el['log-error'].hidden = true;
  if (from && to && from >= to) return showLogError(t('log.order'));
  button.disabled = true;
  el.filed.hidden = true;
  try {
    const q = query();
    const started = Date.now(); // the document has the log at least up to here
    const entries = await readAll((after) => http.log(f.id, { ...q, after, limit: LOG_PAGE }));
    const meta = { family: f.name, period: periodText(), filter: filterText(), by: store.me ? store.me.name : '', at: Date.now() };
    await action(journalDocument(meta, entries.map(cells)));
    // Its end: the period's, or, for a period that reaches today, when it was read.
    offerFiled(f, Math.min(Date.parse(to), started), !el.kind.value);
  } catch (e) {
    showLogError(e.code === 'too_many' ? t('log.journal_too_many', { max: JOURNAL_MAX.toLocaleString(lang().locale) }) : humanError(e));
  } finally {
    button.disabled = false;
  }
}

// "Bekræft journaliseret til og med …" once the document is made, for the
// family's coordinator or a leader (the gateway refuses others), and only
// for a document of every kind of event: a narrowed one is not the export.
function offerFiled(f, upto, everything) {
  const box = el.filed;
  clear(box);
  box.hidden = !canConfirmFiled(f);
  if (box.hidden) return;
  if (!everything) {
    box.append(h('p', null, t('log.filed_only_all')));
    return;
  }
  const status = h('p', { id: 'log-filed-status', role: 'status' });
  const button = h('button', {
    id: 'log-filed-btn', class: 'btn btn-primary', type: 'button', 'aria-describedby': 'log-filed-hint',
    onclick: async () => {
      button.disabled = true;
      status.textContent = '';
      const r = await confirmFiled(f.id, upto);
      status.textContent = r.text;
      status.classList.toggle('log-filed-error', !r.ok);
      button.disabled = r.ok;
    },
  }, t('log.filed_button', { upto: dateTime(upto, lang().locale) }));
  box.append(h('p', { id: 'log-filed-hint' }, t('log.filed_hint')), button, status);
}

function showLogError(text) {
  el['log-error'].textContent = text;
  el['log-error'].hidden = false;
}

// "1. december 2026 til og med 14. december 2026"
function periodText() {
  const day = (v) => {
    const [y, m, d] = v.split('-').map(Number);
    return new Date(y, m - 1, d).toLocaleDateString(lang().locale, { day: 'numeric', month: 'long', year: 'numeric' });
  };
  return t('log.journal_period', { from: day(el['log-from'].value), to: day(el['log-to'].value) });
}

function filterText() {
  const kind = el.kind.options[el.kind.selectedIndex].textContent;
  return t(el.staff.checked ? 'log.journal_with_staff' : 'log.journal_family_only', { kind });
}

function journalFile() {
  const f = currentFamily();
  return t('log.journal_file', {
    name: f.name.replace(/[^\p{L}\p{N}]+/gu, '-'), from: el['log-from'].value, to: el['log-to'].value,
  });
}
