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
// in Danish words rather than the gateway's codes where it is easy.  The
// log comes a page at a time (500 entries): "Vis flere hændelser".  Reading
// it is itself logged.  "Download CSV" is the whole log of the period, for
// the case file.
//
// logDetail() and KIND_LABELS are also the meeting view's (meeting.js).

import { h, clear } from '../shared/dom.js';
import { dateTime, localDateToUtc, isoDate } from '../shared/format.js';
import { http } from './http.js';
import { convName } from './families.js';
import { settingsDetail } from './quiet.js';
import { scheduledDetail } from './scheduled.js';
import { myTeams } from './teams.js';

const LOCALE = 'da-DK';

export const KIND_LABELS = {
  message: 'Besked',
  note: 'Intern note',
  receipt: 'Læst',
  enrol: 'Telefon tilmeldt',
  login: 'Logget ind',
  logout: 'Logget ud',
  unlock: 'Låst op',
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
  handled: 'Intet svar nødvendigt',
  escalated: 'Eskaleret',
  absence: 'Fravær',
  edited: 'Rettet',
  withdrawn: 'Trukket tilbage',
  coordinator: 'Tovholder valgt',
  meeting: 'Teammøde holdt',
};

// The kind filter: [value (kinds joined by commas; '' for all), label].
export const KIND_FILTER = [
  ['', 'Alle hændelser'],
  ['message,note,edited,withdrawn', 'Beskeder og noter'],
  ...['message', 'note', 'handled', 'escalated', 'absence', 'edited', 'withdrawn', 'handover', 'coordinator',
    'meeting', 'enrol', 'revoke', 'device', 'invite', 'conversation', 'scheduled', 'settings', 'sms', 'receipt',
    'access', 'denied'].map((k) => [k, KIND_LABELS[k]]),
];

const TEXT = {
  kind: 'Hændelse',
  staff: 'Vis også medarbejdernes log ind og ud',
  caption: (name, n, more) => `Kontaktlog for ${name}: ${n} ${n === 1 ? 'hændelse' : 'hændelser'}${more ? ' – der er flere' : ''}`,
  captionBare: (name) => `Kontaktlog for ${name}`,
  loading: (name) => `Kontaktlog for ${name} – henter …`,
  none: 'Ingen hændelser i perioden.',
  order: '«Fra og med» skal ligge før «til og med».',
  messageNo: (n) => `Besked nr. ${n}`,
  readUpto: (n) => `Læst til og med besked nr. ${n}`,
  phone: (d) => `Telefon: ${d}`,
  handledUpto: (n) => `Familiens beskeder til og med nr. ${n} kræver ikke svar`,
  escalated: {
    partner: 'Familien har ventet over halvdelen af svartiden: makkeren fik besked',
    leaders: 'Familien har ventet over svartiden: teamets ledere fik besked',
  },
  away: (from, to) => `Meldt væk fra ${from} til ${to}`,
  back: 'Meldt tilbage',
  editedTo: (t) => `Rettet til: ${t}`,
  withdrawn: 'Beskeden er trukket tilbage (den oprindelige tekst er gemt til journalen).',
  handover: (was1, was2, now1, now2) => `Makkerpar før: ${was1} (tovholder) og ${was2}; nu: ${now1} (tovholder) og ${now2}`,
  coordinator: (name) => `Familien valgte ${name} som tovholder`,
  meeting: 'Teamet holdt møde om familien',
  roles: { family: 'familie', adviser: 'medarbejder', admin: 'administrator' },
  system: 'Indgang',
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
  correct: 'forsøgte at rette en andens besked',
  withdraw: 'forsøgte at trække en andens besked tilbage',
  handled: 'forsøgte at markere «intet svar nødvendigt»',
  handover: 'forsøgte at overdrage familien',
};

// ---- Details in Danish (pure) ----------------------------------------------------------------

// 'device 12 "Android-telefon" of Mette Hansen renamed "Mettes Samsung"'
function renamedDetail(detail) {
  const m = /^device (\d+) "(.*)" of (.*) renamed "(.*)"$/.exec(detail || '');
  if (!m) return detail || '';
  const whose = /[sxz]$/i.test(m[3]) ? `${m[3]}'` : `${m[3]}s`; // Danish genitive
  return `${whose} telefon nr. ${m[1]}: „${m[2]}“ hedder nu „${m[4]}“`;
}

// A username of the handover row as the person's name, when the teams say it.
function personOf(username) {
  for (const t of myTeams()) for (const s of t.staff || []) if (s.username === username) return s.name;
  return username;
}

// An entry's details as words (a string).
export function logDetail(e) {
  const detail = e.detail || '';
  switch (e.kind) {
    case 'message':
    case 'note':
      return typeof e.text === 'string' ? e.text : TEXT.messageNo(e.message);
    case 'edited':
      return typeof e.text === 'string' ? TEXT.editedTo(e.text) : TEXT.messageNo(e.message);
    case 'withdrawn':
      return TEXT.withdrawn;
    case 'receipt':
      return TEXT.readUpto(e.message);
    case 'access':
    case 'denied':
      return ACCESS_LABELS[detail] || detail;
    case 'enrol':
    case 'revoke':
      return detail ? TEXT.phone(detail) : '';
    case 'device':
      return renamedDetail(detail);
    case 'settings':
      return settingsDetail(detail);
    case 'scheduled':
      return scheduledDetail(detail);
    case 'handled':
      return e.message ? TEXT.handledUpto(e.message) : '';
    case 'escalated':
      return TEXT.escalated[detail] || detail;
    case 'absence': {
      if (detail === 'back') return TEXT.back;
      const m = /^away (.+) - (.+)$/.exec(detail);
      return m ? TEXT.away(m[1], m[2]) : detail;
    }
    case 'handover': {
      const m = /^pair changed from (.+) \(primary\) \/ (.+) \(secondary\) to (.+) \/ (.+)$/.exec(detail);
      return m ? TEXT.handover(...m.slice(1).map(personOf)) : detail;
    }
    case 'coordinator':
      return detail ? TEXT.coordinator(detail) : '';
    case 'meeting':
      return detail || TEXT.meeting;
    default:
      return detail;
  }
}

export function actorText(a) {
  if (!a || !a.id) return TEXT.system;
  return `${a.name} (${TEXT.roles[a.role] || a.role})`;
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
  for (const id of ['log-form', 'log-from', 'log-to', 'log-csv', 'log-error', 'log-caption', 'log-body', 'log-more']) {
    el[id] = document.getElementById(id);
  }
  el.kind = h('select', { id: 'log-kind' }, KIND_FILTER.map(([v, l]) => h('option', { value: v }, l)));
  el.staff = h('input', { id: 'log-staff', type: 'checkbox' });
  const submit = el['log-form'].querySelector('button[type="submit"]');
  el['log-form'].insertBefore(h('div', { class: 'field' }, h('label', { for: 'log-kind' }, TEXT.kind), el.kind), submit);
  el['log-form'].insertBefore(h('div', { class: 'field check log-staff' }, el.staff, h('label', { for: 'log-staff' }, TEXT.staff)), submit);
  el['log-form'].addEventListener('submit', (e) => {
    e.preventDefault();
    loadLog();
  });
  el.kind.addEventListener('change', () => loadLog());
  el.staff.addEventListener('change', () => loadLog());
  el['log-more'].addEventListener('click', () => loadLog(true));
  el['log-from'].addEventListener('change', updateCsvLink);
  el['log-to'].addEventListener('change', updateCsvLink);
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
  el['log-csv'].setAttribute('download', `kontaktlog-${f.name.replace(/[^\p{L}\p{N}]+/gu, '-')}-${el['log-from'].value}-${el['log-to'].value}.csv`);
}

async function loadLog(more = false) {
  const f = currentFamily();
  if (!f) return;
  const { from, to } = range();
  el['log-error'].hidden = true;
  if (from && to && from >= to) {
    el['log-error'].textContent = TEXT.order;
    el['log-error'].hidden = false;
    return;
  }
  if (more && !pages.next) return;
  updateCsvLink();
  el['log-more'].hidden = true;
  if (!more) {
    pages.count = 0;
    pages.next = null;
    clear(el['log-body']);
  }
  el['log-caption'].textContent = TEXT.loading(f.name);
  const mine = ++asked;
  try {
    const r = await http.log(f.id, query(more ? pages.next : undefined));
    if (mine !== asked) return;
    const entries = r.entries || [];
    pages.count += entries.length;
    pages.next = r.next ?? null;
    el['log-caption'].textContent = TEXT.caption(f.name, pages.count, !!pages.next);
    for (const e of entries) el['log-body'].append(logRow(e));
    if (!pages.count) el['log-body'].append(h('tr', null, h('td', { colspan: '5' }, TEXT.none)));
    el['log-more'].hidden = !pages.next;
  } catch (e) {
    if (mine !== asked) return;
    el['log-caption'].textContent = TEXT.captionBare(f.name);
    el['log-error'].textContent = humanError(e);
    el['log-error'].hidden = false;
    el['log-more'].hidden = !pages.next;
  }
}

function logRow(e) {
  const conv = e.conv ? store.convs.get(e.conv) : null;
  const detail = logDetail(e);
  const text = (e.kind === 'message' || e.kind === 'note' || e.kind === 'edited') && typeof e.text === 'string';
  return h('tr', { dataset: { kind: e.kind } },
    h('td', { class: 'when' }, h('time', { datetime: e.at }, dateTime(e.at, LOCALE))),
    h('td', null, h('span', { class: `log-kind kind-${e.kind}` }, KIND_LABELS[e.kind] || e.kind)),
    h('td', null, actorText(e.actor)),
    h('td', null, e.conv ? (conv ? convName(conv) : `nr. ${e.conv}`) : ''),
    h('td', { class: text ? 'log-text' : null, dir: text ? 'auto' : null }, detail),
  );
}
