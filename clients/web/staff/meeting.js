// meeting.js - the team's meeting (issue 15): every 14 days the team reviews
// each family.
//
// Per family, the tab "Møde" (#/f/FAMILY/meeting): "since the last meeting"
// (CONV.met_at, the gateway's; the last 14 days when the team never marked
// one): what is unanswered now (CONV.waiting, with how long), the messages
// and notes since then with their text, new phones, handovers and the
// family's choice of coordinator, absences and escalations, from the
// family's own contact log (scope=family).  "Marker mødet holdt" (POST
// /api/families/{id}/meeting) starts the next period now.
//
// The overview "Teammøde" (#/meeting, from the tools above the caseload):
// all the families the user sees, by team, one row each (pair, last
// meeting, messages and notes since, unanswered now, new phones, handovers,
// absences) for the meeting's agenda, printable on A4 ("Udskriv"; staff.css's
// print sheet leaves out the app around it and repeats the table's head).
//
// CONV.met_at comes with the welcome and shared/store.js keeps it; after
// marking, this module sets it on the family's conversations itself.

import { h, clear, announce } from '../shared/dom.js';
import { dateTime, shortWhen } from '../shared/format.js';
import { http } from './http.js';
import { families, convName } from './families.js';
import { needsAnswer, waitedText, shortName } from './waiting.js';
import { kindLabel, logDetail } from './log.js';
import { familyTeam, onTeams } from './teams.js';
import { t, lang } from './i18n.js';

const DAYS = 14;
const KINDS = ['message', 'note', 'enrol', 'revoke', 'handover', 'coordinator', 'absence', 'escalated', 'meeting'];
const MAX_PAGES = 10; // 5,000 rows; a fortnight is far less
const NUM_COLS = new Set([3, 4, 6, 7, 8]); // the overview's counts
const COLS = ['meeting.col_family', 'meeting.col_pair', 'meeting.col_last', 'meeting.col_messages', 'meeting.col_notes',
  'meeting.col_unanswered', 'meeting.col_phones', 'meeting.col_handovers', 'meeting.col_absences'];
const NONE = '–'; // an empty count

let store = null;
let live = null;
let humanError = (e) => String((e && e.code) || e);

export function initMeeting({ store: s, liveRegion, errorText, panel, main }) {
  store = s;
  live = liveRegion;
  if (errorText) humanError = errorText;
  fam.panel = panel;
  all.section = h('section', { id: 'meeting-view', class: 'page-view meeting-view', 'aria-labelledby': 'meeting-title', hidden: true });
  main.append(all.section);
  onTeams(() => !all.section.hidden && renderAll());
}

function latest(a, b) {
  if (!a) return b ?? null;
  if (!b) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

// When the team last met about the family (RFC 3339), or null.
export function lastMet(f) {
  let at = null;
  for (const c of f.convs) at = latest(at, c.met_at ?? null);
  return at;
}

// The start of "since the last meeting" (ms).
export function periodStart(f, at = Date.now()) {
  const met = lastMet(f);
  return met ? Date.parse(met) : at - DAYS * 24 * 3600 * 1000;
}

// The family's log from `from` (ms) on: every page.
async function familyLog(f, from) {
  const out = [];
  let after;
  for (let i = 0; i < MAX_PAGES; i++) {
    const r = await http.log(f.id, { from: new Date(from).toISOString(), scope: 'family', kinds: KINDS, after });
    out.push(...(r.entries || []));
    if (!r.next) break;
    after = r.next;
  }
  return out;
}

function group(entries) {
  const g = { messages: [], phones: [], handovers: [], absences: [], escalations: [] };
  for (const e of entries) {
    if (e.kind === 'message' || e.kind === 'note') g.messages.push(e);
    else if (e.kind === 'enrol' || e.kind === 'revoke') g.phones.push(e);
    else if (e.kind === 'handover' || e.kind === 'coordinator') g.handovers.push(e);
    else if (e.kind === 'absence') g.absences.push(e);
    else if (e.kind === 'escalated') g.escalations.push(e);
  }
  return g;
}

// ---- The family's "Møde" tab ---------------------------------------------------------------

const fam = {};
let shownFamily = null;
let asked = 0;

export function openMeeting(f) {
  shownFamily = f.id;
  const p = fam.panel;
  clear(p);
  const since = periodStart(f);
  const met = lastMet(f);
  const status = h('p', { id: 'meeting-status', role: 'status', class: 'meeting-status' });
  const button = h('button', { id: 'meeting-mark', class: 'btn btn-primary', type: 'button', 'aria-describedby': 'meeting-mark-hint', onclick: () => mark(f, button, status) }, t('meeting.mark'));
  p.append(
    h('div', { class: 'meeting-head' },
      h('div', null,
        h('h2', { id: 'meeting-family-title', class: 'meeting-title' }, t('meeting.title', { name: f.name })),
        h('p', { class: 'meeting-since' }, met
          ? t('meeting.since', { when: dateTime(met, lang().locale) })
          : t('meeting.since_none', { n: DAYS, when: dateTime(since, lang().locale) }))),
      h('div', { class: 'meeting-acts' }, button, h('p', { id: 'meeting-mark-hint', class: 'hint' }, t('meeting.mark_hint')))),
    status,
    section('meeting-unanswered', t('meeting.unanswered'), unansweredList(f)),
  );
  const body = h('div', { class: 'meeting-body' }, h('p', { class: 'hint' }, t('meeting.loading')));
  p.append(body);
  const mine = ++asked;
  familyLog(f, since).then((entries) => {
    if (mine !== asked || shownFamily !== f.id) return;
    const g = group(entries);
    clear(body);
    body.append(
      section('meeting-messages', t('meeting.messages'), messageList(g.messages), t('meeting.messages_none')),
      section('meeting-phones', t('meeting.phones'), eventList(g.phones), t('meeting.phones_none')),
      section('meeting-handovers', t('meeting.handovers'), eventList(g.handovers), t('meeting.handovers_none')),
      section('meeting-absences', t('meeting.absences'), eventList(g.absences), t('meeting.absences_none')),
      section('meeting-escalations', t('meeting.escalations'), eventList(g.escalations), t('meeting.escalations_none')),
    );
  }, (e) => {
    if (mine !== asked) return;
    clear(body);
    body.append(h('p', { class: 'error-box', role: 'alert' }, humanError(e)));
  });
}

export function closeMeeting() {
  shownFamily = null;
  asked += 1;
}

function section(id, title, list, none) {
  const empty = !list || !list.children || !list.children.length;
  return h('section', { class: 'meeting-part', id, 'aria-labelledby': `${id}-title` },
    h('h3', { id: `${id}-title` }, title),
    empty && none ? h('p', { class: 'hint' }, none) : list);
}

function unansweredList(f) {
  const waiting = f.convs.filter(needsAnswer);
  if (!waiting.length) return h('p', { class: 'hint' }, t('meeting.unanswered_none'));
  return h('ul', { class: 'meeting-list' }, waiting.map((c) => h('li', null,
    h('a', { href: `#/c/${c.id}` }, t('meeting.waits', {
      conv: convName(c), waited: waitedText(c.waiting.since), since: shortWhen(c.waiting.since, lang().locale),
    })))));
}

function messageList(entries) {
  if (!entries.length) return null;
  return h('ol', { class: 'meeting-msgs' }, entries.map((e) => {
    const conv = e.conv ? store.convs.get(e.conv) : null;
    return h('li', { class: `meeting-msg${e.kind === 'note' ? ' note' : ''}` },
      h('p', { class: 'meeting-msg-head' },
        e.kind === 'note' ? h('span', { class: 'note-badge' }, t('meeting.note')) : null, ' ',
        h('span', { class: 'msg-sender' }, e.actor ? e.actor.name : ''), ' · ',
        h('time', { datetime: e.at }, dateTime(e.at, lang().locale)),
        conv && conv.title !== conv.family.name ? ` · ${convName(conv)}` : ''),
      h('p', { class: 'meeting-msg-body', dir: 'auto' }, logDetail(e)));
  }));
}

function eventList(entries) {
  if (!entries.length) return null;
  return h('ul', { class: 'meeting-list' }, entries.map((e) => h('li', null,
    h('time', { datetime: e.at }, dateTime(e.at, lang().locale)), ' – ',
    h('strong', null, kindLabel(e.kind)), ': ',
    logDetail(e), e.actor && e.actor.id ? ` – ${e.actor.name}` : '')));
}

async function mark(f, button, status) {
  button.disabled = true;
  button.textContent = t('meeting.marking');
  try {
    const r = await http.meetingHeld(f.id);
    for (const c of f.convs) c.met_at = r.met_at;
    if (shownFamily === f.id) {
      const fresh = families(store).get(f.id) || f;
      openMeeting(fresh);
      const s = document.getElementById('meeting-status');
      const said = t('meeting.marked', { when: dateTime(r.met_at, lang().locale) });
      if (s) s.textContent = said;
      announce(live, said);
      document.getElementById('meeting-mark')?.focus();
    }
  } catch (e) {
    button.disabled = false;
    button.textContent = t('meeting.mark');
    status.textContent = humanError(e);
  }
}

// ---- The overview: every family, printable -------------------------------------------------

const all = {};
let allAsked = 0;

export function showMeetingAll() {
  all.section.hidden = false;
  renderAll();
  all.section.querySelector('h1')?.focus({ preventScroll: true });
}

export function hideMeetingAll() {
  if (all.section) all.section.hidden = true;
  allAsked += 1;
}

function renderAll() {
  const s = all.section;
  clear(s);
  const mine = ++allAsked;
  s.append(
    h('a', { class: 'btn back', href: '#/' }, t('meeting.back')), // a narrow screen: back to the caseload
    h('div', { class: 'meeting-all-head' },
      h('h1', { id: 'meeting-title', tabindex: '-1' }, t('meeting.all_title')),
      h('button', { class: 'btn meeting-print', type: 'button', onclick: () => window.print() }, t('meeting.print'))),
    h('p', { class: 'hint meeting-intro' }, t('meeting.all_intro', { n: DAYS })),
    h('p', { class: 'meeting-printed' }, t('meeting.printed', { when: dateTime(new Date(), lang().locale) })),
  );
  const locale = lang().locale;
  const fams = [...families(store).values()].sort((a, b) => a.name.localeCompare(b.name, locale));
  if (!fams.length) {
    s.append(h('p', null, t('meeting.no_families')));
    return;
  }
  // By team (when the teams' staff says which), else one table.
  const byTeam = new Map();
  for (const f of fams) {
    const t = familyTeam(f);
    const key = t ? t.name : '';
    if (!byTeam.has(key)) byTeam.set(key, []);
    byTeam.get(key).push(f);
  }
  const several = byTeam.size > 1;
  for (const [team, list] of [...byTeam].sort(([a], [b]) => (a === '') - (b === '') || a.localeCompare(b, locale))) {
    const caption = team ? t('meeting.caption', { team }) : several ? t('meeting.other_team') : t('meeting.caption_all');
    const body = h('tbody');
    s.append(h('div', { class: 'table-wrap meeting-table-wrap' },
      h('table', { class: 'log-table meeting-table' },
        h('caption', null, caption),
        h('thead', null, h('tr', null, COLS.map((c, i) => h('th', { scope: 'col', class: NUM_COLS.has(i) ? 'num' : null }, t(c))))),
        body)));
    for (const f of list) {
      const tr = familyRow(f);
      body.append(tr);
      familyLog(f, periodStart(f)).then((entries) => {
        if (mine !== allAsked) return;
        fillCounts(tr, group(entries));
      }, (e) => {
        if (mine !== allAsked) return;
        tr.cells[3].textContent = t('meeting.failed', { error: humanError(e) });
      });
    }
  }
}

function familyRow(f) {
  const primary = f.main.primary;
  const pair = [...f.advisers.values()]
    .filter((u) => u.id === f.main.primary || u.id === f.main.secondary || !('primary' in f.main))
    .sort((a, b) => (b.id === primary) - (a.id === primary))
    .map((u) => shortName(u, [...f.advisers.values()]))
    .reduce((a, b) => (a ? t('meeting.a_and_b', { a, b }) : b), ''); // "Anna og Bo"
  const waiting = f.convs.filter(needsAnswer);
  const oldest = waiting.map((c) => c.waiting.since).sort()[0];
  const met = lastMet(f);
  return h('tr', { dataset: { family: String(f.id) } },
    h('th', { scope: 'row' }, h('a', { href: `#/f/${f.id}/meeting` }, f.name)),
    h('td', null, pair),
    h('td', { class: 'when' }, met ? dateTime(met, lang().locale) : t('meeting.never')),
    h('td', { class: 'num' }, t('meeting.loading')),
    h('td', { class: 'num' }, ''),
    h('td', null, oldest ? t('meeting.yes', { waited: waitedText(oldest) }) : NONE),
    h('td', { class: 'num' }, ''),
    h('td', { class: 'num' }, ''),
    h('td', { class: 'num' }, ''));
}

function fillCounts(tr, g) {
  const n = (x) => (x ? String(x) : NONE);
  tr.cells[3].textContent = n(g.messages.filter((e) => e.kind === 'message').length);
  tr.cells[4].textContent = n(g.messages.filter((e) => e.kind === 'note').length);
  tr.cells[6].textContent = n(g.phones.filter((e) => e.kind === 'enrol').length);
  tr.cells[7].textContent = n(g.handovers.filter((e) => e.kind === 'handover').length);
  tr.cells[8].textContent = n(g.absences.filter((e) => e.detail !== 'back').length);
}
