// mydata.js - "Mine data" in the family app (issue 16; GDPR art. 15 and
// 20), at #mydata so the phone's back button leaves it; from the menu.
// family.js switches between this view, the phones view and the chat.
//
// Who has seen the family's data (GET /api/me/access): every time staff
// read the family's conversation, its log, its phones or a member's phone
// number, and every refused attempt, as the gateway lets this member see it
// (never a read of a conversation they are not in), by role ("En
// rådgiver") or by name where the municipality chose so.  The gateway
// pages it oldest first (a page is at most 200 rows read, `next` the
// `after` of the next); the member wants the newest first, so the pages are
// read through to the end and the list shown newest first, SHOWN rows at a
// time ("Vis flere").  Reads that run together (the same reader, the same
// kind of data, within ten minutes: opening a conversation reads its
// history and its scheduled messages) are one row with the time they span.
//
// Their own data (GET /api/me/data, one JSON document from the gateway):
// "Som dokument" makes a readable HTML file of it in the member's language
// (owndoc.js) and offers it as a download; "Som JSON" saves the gateway's
// document as it came; "Udskriv" prints the same document from the page,
// alone (family.css's print rules, owndata.css on A4).  Each is a download
// the gateway logs ("export").  Nothing of it is kept on the phone.

import { api } from '../shared/api.js';
import { h, clear } from '../shared/dom.js';
import { dateTime, time, dayKey, isoDate } from '../shared/format.js';
import { t, lang } from './i18n.js';
import { ownDocument, ownArticle } from './owndoc.js';

export const SHOWN = 20; // rows shown at a time
const GROUP_MS = 10 * 60000; // reads this close together are one row
const MAX_PAGES = 2000; // a guard against a gateway that never says the end
const SEEN = new Set(['conversation', 'log', 'access_log', 'phones', 'phone_number', 'other']);

const el = {};
let opts = null; // { onBack: () => void }
let groups = null; // newest first; null while loading
let shown = SHOWN;
let loadError = ''; // a key
let status = { key: '', vars: null };
let loads = 0; // only the latest answer counts
let busy = false;
let css = null; // owndata.css, for the downloaded document

export function initMyData(options) {
  opts = options;
  for (const id of ['mydata-view', 'mydata-title', 'mydata-back', 'mydata-access-status', 'mydata-access', 'mydata-more',
    'mydata-doc', 'mydata-json', 'mydata-print', 'mydata-status', 'owndata-print']) {
    el[id] = document.getElementById(id);
  }
  el['mydata-back'].addEventListener('click', () => opts.onBack());
  el['mydata-more'].addEventListener('click', showMore);
  el['mydata-doc'].addEventListener('click', () => take(asDocument));
  el['mydata-json'].addEventListener('click', () => take(asJson));
  el['mydata-print'].addEventListener('click', () => take(print));
  window.addEventListener('afterprint', endPrint);
}

export function myDataShown() {
  return !!el['mydata-view'] && !el['mydata-view'].hidden;
}

export function openMyData() {
  groups = null;
  shown = SHOWN;
  loadError = '';
  setStatus('');
  el['mydata-view'].hidden = false;
  renderMyData();
  el['mydata-title'].focus();
  load();
}

export function closeMyData() {
  if (!el['mydata-view']) return;
  el['mydata-view'].hidden = true;
  loads += 1; // an answer still on its way is not drawn
}

// Signed out: nothing of it stays for the next person.
export function forgetMyData() {
  closeMyData();
  groups = null;
  setStatus('');
  endPrint();
  if (el['mydata-access']) clear(el['mydata-access']);
}

// ---- Who has seen the family's data ------------------------------------------------------

// Rows of the gateway (oldest first) added to groups (oldest first): a row
// joins the one before when it is the same reader, kind and data within
// GROUP_MS of it.
export function addRows(into, entries) {
  for (const e of entries) {
    const who = e.who || {};
    const key = `${e.kind}|${who.role}|${who.name ?? ''}|${e.seen}`;
    const at = Date.parse(e.at);
    const last = into[into.length - 1];
    if (last && last.key === key && at - last.last <= GROUP_MS) {
      last.last = at;
      last.lastAt = e.at;
      last.n += 1;
      continue;
    }
    into.push({
      key, id: e.id, kind: e.kind, role: who.role, name: who.name || null, seen: SEEN.has(e.seen) ? e.seen : 'other',
      first: at, last: at, firstAt: e.at, lastAt: e.at, n: 1,
    });
  }
  return into;
}

async function load() {
  const n = ++loads;
  const asc = [];
  let after = 0;
  try {
    for (let page = 0; page < MAX_PAGES; page++) {
      const r = await api.myAccess(after);
      if (n !== loads) return;
      addRows(asc, r.entries || []);
      if (!r.next) break;
      after = r.next;
    }
  } catch (e) {
    if (n !== loads) return;
    loadError = e.code === 'network' ? 'enrol.err_network' : 'mydata.access_failed';
    renderAccess();
    return;
  }
  groups = asc.reverse();
  renderAccess();
}

// The language changed, or the view opened.
export function renderMyData() {
  if (!el['mydata-view']) return;
  renderAccess();
  setStatus(status.key, status.vars);
}

function renderAccess() {
  const list = el['mydata-access'];
  const line = el['mydata-access-status'];
  clear(list);
  el['mydata-more'].hidden = true;
  if (loadError) {
    line.textContent = t(loadError);
    return;
  }
  if (groups === null) {
    line.textContent = t('mydata.loading');
    return;
  }
  line.textContent = groups.length ? '' : t('mydata.access_none');
  for (const g of groups.slice(0, shown)) list.append(row(g));
  el['mydata-more'].hidden = groups.length <= shown;
}

// When: the time of the read, or the span of reads that ran together.
function whenText(g) {
  const locale = lang().locale;
  if (g.n === 1 || Math.floor(g.first / 60000) === Math.floor(g.last / 60000)) return dateTime(g.lastAt, locale);
  if (dayKey(g.firstAt) !== dayKey(g.lastAt)) return `${dateTime(g.firstAt, locale)} – ${dateTime(g.lastAt, locale)}`;
  return `${dateTime(g.firstAt, locale)}–${time(g.lastAt, locale)}`;
}

function row(g) {
  const denied = g.kind === 'denied';
  const who = g.name || t(g.role === 'admin' ? 'mydata.who_admin' : 'mydata.who_adviser');
  const what = t(`mydata.seen_${g.seen}`);
  return h('li', { class: `access-row${denied ? ' denied' : ''}`, dataset: { kind: g.kind, seen: g.seen } },
    h('p', { class: 'access-what', dir: 'auto' }, t(denied ? 'mydata.row_denied' : 'mydata.row_access', { who, what })),
    h('p', { class: 'access-when' },
      h('time', { datetime: g.lastAt }, whenText(g)),
      denied ? [' ', h('span', { class: 'badge access-denied' }, t('mydata.denied'))] : null));
}

function showMore() {
  const from = shown;
  shown += SHOWN;
  renderAccess();
  // The first new row takes the focus (the button may have gone).
  const first = el['mydata-access'].children[from];
  if (first) {
    first.tabIndex = -1;
    first.focus();
  }
}

// ---- Their own data ----------------------------------------------------------------------

function setStatus(key, vars = null) {
  status = { key, vars };
  if (el['mydata-status']) el['mydata-status'].textContent = key ? t(key, vars) : '';
}

async function take(work) {
  if (busy) return;
  busy = true;
  for (const b of ['mydata-doc', 'mydata-json', 'mydata-print']) el[b].disabled = true;
  setStatus('mydata.working');
  try {
    setStatus(await work());
  } catch (e) {
    setStatus(e && e.code === 'network' ? 'enrol.err_network' : 'mydata.failed');
  } finally {
    busy = false;
    for (const b of ['mydata-doc', 'mydata-json', 'mydata-print']) el[b].disabled = false;
  }
}

// The gateway's document: the Blob as it came and, read once, its data.  A
// document cut short does not parse: said, never saved as if whole.
async function fetchData() {
  const blob = await api.myData();
  const data = JSON.parse(await blob.text());
  return { blob, data };
}

const fileName = (ext) => `indgang-mine-data-${isoDate(new Date())}.${ext}`;

function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

async function asJson() {
  const { blob } = await fetchData();
  save(blob, fileName('json'));
  return 'mydata.saved_json';
}

async function asDocument() {
  const { data } = await fetchData();
  if (css === null) {
    const r = await fetch('/family/owndata.css');
    css = r.ok ? await r.text() : '';
  }
  save(new Blob([ownDocument(data, { css })], { type: 'text/html;charset=utf-8' }), fileName('html'));
  return 'mydata.saved_document';
}

// The document alone on paper: put into the page's print holder (its text
// escaped by owndoc.js, parsed without running anything), printed, taken
// away again after printing.
async function print() {
  const { data } = await fetchData();
  const parsed = new DOMParser().parseFromString(ownArticle(data), 'text/html');
  const doc = document.adoptNode(parsed.body.firstElementChild);
  clear(el['owndata-print']).append(doc);
  document.body.classList.add('print-owndata');
  window.print();
  return '';
}

function endPrint() {
  if (!el['owndata-print']) return;
  document.body.classList.remove('print-owndata');
  clear(el['owndata-print']);
}
