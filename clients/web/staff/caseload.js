// caseload.js - the caseload ("Sagsliste"), the adviser's work queue
// (issue 15): every conversation the user may see, grouped by family, in two
// sections: "Mine familier" (the user is in the family's pair) and "Teamets
// familier" (read and write notes).  Each conversation shows its last
// message (who, and the start of it), its unread count, and, when the family
// waits for an answer, a "Skal besvares" tag with how long ("venter 2 t 5
// min"; whole words for a screen reader), or who answered it last, and
// while a colleague is writing an answer, "Bo skriver et svar…"
// (answering.js).  Under a family's name, a pair adviser who is away ("Bo er
// væk til mandag", CONV.away; away.js).
//
// Whether a conversation needs an answer is the gateway's word (CONV.waiting
// at welcome, then `waiting` frames, both kept by shared/store.js); the last
// message comes from CONV.last and then from every message that arrives.  The
// waiting times count on by themselves (a tick every 15 s rewrites only those
// texts: nothing is fetched, and the list, the focus and a screen reader's
// place in it stay).
//
// Above the lists: the search by family name, which conversations to show
// ("Skal besvares", "Mine familier", "Teamets familier": all the user sees),
// and the order (longest waiting first, the default; or newest activity).
// The choice is kept in localStorage on this computer (it says nothing about
// any family).
//
// The conversation on screen is marked (aria-current); staff.js owns the
// routes and calls renderCaseload() when they change.

import { h, clear, announce } from '../shared/dom.js';
import { shortWhen } from '../shared/format.js';
import { families, activity, convName, isRestricted } from './families.js';
import { needsAnswer, waitedText, waitedSpoken, answeredText, lastParts, setServerTime } from './waiting.js';
import { noticeText } from './answering.js';
import { awayTag } from './away.js';
import { t, lang } from './i18n.js';

const PREFS_KEY = 'indgang.staff.caseload';
const TICK_MS = 15000;

// Punctuation that makes a screen reader pause between a link's parts.
const SEP = '. ';
const COMMA = ', ';

export const FILTERS = ['waiting', 'mine', 'all'];
export const SORTS = ['waiting', 'activity'];
const DEFAULTS = { filter: 'all', sort: 'waiting' };

let store = null;
let el = null;
let currentConv = () => null;
let onChange = () => {};
let prefs = { ...DEFAULTS };
let queued = false;

// elements: search, pairList, teamList, pairEmpty, teamEmpty, teamSection,
//   filter (the fieldset of radios), sort (the select), count (the number
//   next to "Skal besvares"), live (the polite live region).
// currentConv(): the id of the conversation on screen, or null.
// change(): after a live re-render (the family page's head follows it).
export function initCaseload({ store: s, conn, elements, currentConv: cur, change }) {
  store = s;
  el = elements;
  currentConv = cur || currentConv;
  onChange = change || onChange;
  prefs = loadPrefs();
  for (const r of el.filter.querySelectorAll('input[type="radio"]')) {
    r.checked = r.value === prefs.filter;
    r.addEventListener('change', () => r.checked && choose({ filter: r.value }));
  }
  el.sort.value = prefs.sort;
  el.sort.addEventListener('change', () => choose({ sort: el.sort.value }));
  el.search.addEventListener('input', () => renderCaseload());
  conn.addEventListener('welcome', (e) => setServerTime(e.detail.server_time));
  store.addEventListener('convs', scheduleCaseload);
  setInterval(refreshWaited, TICK_MS);
  document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && refreshWaited());
}

function choose(change) {
  prefs = { ...prefs, ...change };
  savePrefs(prefs);
  const n = renderCaseload();
  announce(el.live, n === 1 ? t('caseload.shown_one', { n }) : t('caseload.shown_other', { n }));
}

function loadPrefs() {
  let kept = null;
  try {
    kept = JSON.parse(localStorage.getItem(PREFS_KEY));
  } catch {
    kept = null;
  }
  return {
    filter: kept && FILTERS.includes(kept.filter) ? kept.filter : DEFAULTS.filter,
    sort: kept && SORTS.includes(kept.sort) ? kept.sort : DEFAULTS.sort,
  };
}

function savePrefs(p) {
  try {
    localStorage.setItem(PREFS_KEY, JSON.stringify(p));
  } catch {
    /* private mode: for this visit only */
  }
}

// Something a row shows changed outside the store (answering.js): drawn
// again with the next frame, like the store's changes.
export function refreshCaseload() {
  scheduleCaseload();
}

// Many frames at once (a catch-up after a reconnect) render once.
function scheduleCaseload() {
  if (queued) return;
  queued = true;
  requestAnimationFrame(() => {
    queued = false;
    renderCaseload();
    onChange();
  });
}

// ---- Order and filter (pure: tested in Node) ---------------------------------------

// When the family began to wait (ms), or Infinity when it does not.
function waitingFrom(conv) {
  if (!needsAnswer(conv)) return Infinity;
  const since = Date.parse(conv.waiting.since);
  return Number.isFinite(since) ? since : Infinity;
}

// 'waiting': the longest waiting first, then the rest by newest activity;
// 'activity': newest activity first.
export function compareConvs(sort) {
  return (a, b) => {
    if (sort === 'waiting') {
      const wa = waitingFrom(a);
      const wb = waitingFrom(b);
      if (wa !== wb) return wa < wb ? -1 : 1;
    }
    return activity(b) - activity(a) || a.id - b.id;
  };
}

// families (from families.js) -> {pair: [{fam, convs}], team: [...]}, each
// family with the conversations to show, in order; a family comes where its
// first conversation would.  q: a search in the family names (lower case).
export function arrange(fams, { filter = DEFAULTS.filter, sort = DEFAULTS.sort } = {}, q = '') {
  const cmp = compareConvs(sort);
  const locale = lang().locale;
  const out = { pair: [], team: [] };
  for (const fam of fams) {
    if (q && !fam.name.toLocaleLowerCase(locale).includes(q)) continue;
    if (filter === 'mine' && !fam.pair) continue;
    const convs = fam.convs.filter((c) => filter !== 'waiting' || needsAnswer(c)).sort(cmp);
    if (!convs.length) continue;
    (fam.pair ? out.pair : out.team).push({ fam, convs });
  }
  const byFirst = (a, b) => cmp(a.convs[0], b.convs[0]) || a.fam.name.localeCompare(b.fam.name, locale);
  out.pair.sort(byFirst);
  out.team.sort(byFirst);
  return out;
}

// ---- Rendering ------------------------------------------------------------------------

// Returns how many conversations are shown.
export function renderCaseload() {
  if (!store || !el) return 0;
  // Rebuilding the list must not take the keyboard focus away from it.
  const active = document.activeElement;
  const focused = active && active.closest('.fam-list') ? active.getAttribute('href') : null;
  const q = el.search.value.trim().toLocaleLowerCase(lang().locale);
  const fams = [...families(store).values()];
  const { pair, team } = arrange(fams, prefs, q);
  fill(el.pairList, pair);
  fill(el.teamList, team);
  const waitingOnly = prefs.filter === 'waiting';
  el.pairEmpty.hidden = pair.length > 0;
  el.pairEmpty.textContent = q ? t('caseload.search_none')
    : waitingOnly && fams.some((f) => f.pair) ? t('caseload.pair_none_waiting') : t('caseload.pair_none');
  el.teamSection.hidden = prefs.filter === 'mine';
  el.teamEmpty.hidden = team.length > 0;
  el.teamEmpty.textContent = q ? t('caseload.search_none')
    : waitingOnly && fams.some((f) => !f.pair) ? t('caseload.team_none_waiting') : t('caseload.team_none');
  let waiting = 0;
  for (const f of fams) for (const c of f.convs) if (needsAnswer(c)) waiting += 1;
  el.count.textContent = waiting ? `(${waiting})` : '';
  if (focused) {
    const again = el.pairList.closest('.caseload').querySelector(`.fam-list a[href="${CSS.escape(focused)}"]`);
    if (again) again.focus({ preventScroll: true });
  }
  return [...pair, ...team].reduce((n, x) => n + x.convs.length, 0);
}

function fill(list, items) {
  clear(list);
  for (const { fam, convs } of items) {
    list.append(
      h('li', { class: 'fam' },
        h('div', { class: 'fam-name' }, fam.name, fam.pair ? null : h('span', { class: 'team-tag' }, t('caseload.team'))),
        awayTag(fam, store.me, 'fam-away'), // "Bo er væk til mandag" (away.js)
        h('ul', { class: 'fam-list', 'aria-label': t('caseload.convs_of', { name: fam.name }) },
          convs.map((c) => h('li', null, convLink(c, fam)))),
      ),
    );
  }
}

const hidden = (text) => h('span', { class: 'visually-hidden' }, text);

function convLink(c, fam) {
  const me = store.me;
  const unread = c.unread || 0;
  const waiting = needsAnswer(c);
  const cls = ['fam-conv'];
  if (unread) cls.push('has-unread');
  if (waiting) cls.push('needs-answer');
  const answered = !waiting ? answeredText(c.answered, me, { short: true, people: c.members || [] }) : '';
  const last = lastParts(c.last, me);
  const answering = noticeText(c.id);
  return h('a', { class: cls.join(' '), href: `#/c/${c.id}`, 'aria-current': currentConv() === c.id ? 'page' : null },
    // The hidden commas and full stops make a screen reader pause between
    // the parts of the link's name.
    h('span', { class: 'conv-top' },
      h('span', { class: 'title' }, convName(c), isRestricted(c, fam) ? hidden(` ${t('caseload.restricted')}`) : null),
      c.last ? h('time', { class: 'when', datetime: c.last.at }, hidden(COMMA), shortWhen(c.last.at, lang().locale)) : null,
      unread ? h('span', { class: 'badge' }, hidden(COMMA), String(unread),
        hidden(` ${unread === 1 ? t('caseload.unread_one') : t('caseload.unread_other')}`)) : null),
    waiting
      ? h('span', { class: 'conv-need' }, hidden(SEP),
        h('span', { class: 'need-tag' }, t('caseload.needs_answer')), hidden(COMMA),
        waitedSpan(c.waiting.since))
      : null,
    answered ? h('span', { class: 'conv-answered' }, hidden(SEP), answered) : null,
    answering ? h('span', { class: 'conv-answering' }, hidden(SEP), answering) : null,
    h('span', { class: `conv-last${last.none ? ' none' : ''}` }, hidden(SEP),
      last.note ? h('span', { class: 'last-note' }, t('caseload.note')) : null,
      last.who ? h('span', { class: 'last-who' }, `${last.who}: `) : null,
      h('bdi', { class: 'last-text' }, last.text)),
  );
}

// How long the family has waited: short on screen, in words for a screen
// reader; the tick keeps both current (refreshWaited).  Also used in the
// conversation's own line (handled.js).
export function waitedSpan(since) {
  return h('span', { class: 'waited', dataset: { since } },
    h('span', { class: 'waited-short', 'aria-hidden': 'true' }, waitedText(since)),
    h('span', { class: 'visually-hidden waited-long' }, waitedSpoken(since)));
}

// Every waiting time on the page counts on, without a request.
export function refreshWaited() {
  for (const w of document.querySelectorAll('.waited[data-since]')) {
    const short = waitedText(w.dataset.since);
    const spoken = waitedSpoken(w.dataset.since);
    const [s, l] = w.children;
    if (s && s.textContent !== short) s.textContent = short;
    if (l && l.textContent !== spoken) l.textContent = spoken;
  }
}
