// journal.js - the contact log's export for the case file (issue 15): the
// family's log over a period as a document a caseworker can read and file —
// when, what, who, in which conversation, the message's text — in the
// adviser's language, beside the CSV for spreadsheets.  Two ways out of the
// one document: printed from the page (the browser's Print, or "Save as
// PDF"; day.css's print sheet then shows nothing else, journal.css lays it
// on A4), or downloaded as one HTML file for the journal system, with its
// style inlined and a policy that lets nothing in it load or run.
//
// The rows are the log view's (log.js hands them over as cells); the whole
// period is read a page of LOG_PAGE entries at a time, and a period with
// more than JOURNAL_MAX entries is refused rather than cut short: a journal
// must not look complete when it is not.  Reading it is logged by the
// gateway like every read of the log.

import { h, clear } from '../shared/dom.js';
import { dateTime } from '../shared/format.js';
import { t, lang } from './i18n.js';

export const JOURNAL_MAX = 10000;
export const LOG_PAGE = 1000; // the gateway's largest page

// The whole period: fetchPage(after) -> {entries, next}.  Throws
// {code: 'too_many'} past JOURNAL_MAX entries.
export async function readAll(fetchPage) {
  const all = [];
  let after;
  do {
    const r = await fetchPage(after);
    all.push(...(r.entries || []));
    if (all.length > JOURNAL_MAX) throw Object.assign(new Error('too many'), { code: 'too_many' });
    after = r.next ?? null;
  } while (after);
  return all;
}

// meta: {family, period, filter, by, at}; rows: [{when, kind, who, conv,
// detail, text}] (text: detail is a message's text, kept as written).
export function journalDocument(meta, rows) {
  const head = ['journal.time', 'journal.event', 'journal.who', 'journal.conversation', 'journal.details'];
  return h('article', { class: 'journal', lang: lang().code },
    h('h1', null, t('journal.title', { family: meta.family })),
    h('dl', { class: 'journal-meta' },
      h('dt', null, t('journal.family')), h('dd', null, meta.family),
      h('dt', null, t('journal.period')), h('dd', null, meta.period),
      h('dt', null, t('journal.filter')), h('dd', null, meta.filter),
      h('dt', null, t('journal.count_label')), h('dd', null, t(rows.length === 1 ? 'journal.count_one' : 'journal.count_other', { n: rows.length })),
      h('dt', null, t('journal.made')), h('dd', null, t('journal.made_by', { when: dateTime(meta.at, lang().locale), name: meta.by }))),
    h('table', null,
      h('thead', null, h('tr', null, head.map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', null, rows.length
        ? rows.map((r) => h('tr', null,
          h('td', { class: 'when' }, r.when),
          h('td', null, r.kind),
          h('td', null, r.who),
          h('td', null, r.conv),
          h('td', { class: r.text ? 'text' : null, dir: r.text ? 'auto' : null }, r.detail)))
        : h('tr', null, h('td', { colspan: '5' }, t('journal.none'))))),
    h('p', { class: 'journal-foot' }, t('journal.foot')));
}

// Prints doc alone: the page's own print sheet hides everything else while
// body.print-journal is set (day.css).
export function printJournal(doc) {
  const holder = document.getElementById('journal-print');
  clear(holder);
  holder.append(doc);
  document.body.classList.add('print-journal');
  const done = () => {
    document.body.classList.remove('print-journal');
    clear(holder);
    window.removeEventListener('afterprint', done);
  };
  window.addEventListener('afterprint', done);
  window.print();
}

// One self-contained HTML file: no script, nothing loaded, the style inline.
export async function downloadJournal(doc, filename) {
  const css = await (await fetch('/staff/journal.css')).text();
  const html = `<!doctype html>
<html lang="${lang().code}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="generator" content="Indgang">
<title>${escapeText(doc.querySelector('h1').textContent)}</title>
<style>
${css}
</style>
</head>
<body>
${doc.outerHTML}
</body>
</html>
`;
  const url = URL.createObjectURL(new Blob([html], { type: 'text/html;charset=utf-8' }));
  const a = h('a', { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

function escapeText(s) {
  const d = document.createElement('div');
  d.textContent = s;
  return d.innerHTML;
}
