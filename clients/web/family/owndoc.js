// owndoc.js - a family member's own data as a document to read, keep and
// print (issue 16; GDPR art. 15 and 20), made on the phone from the
// gateway's JSON (GET /api/me/data) in the member's language: who they are
// and how they are reached, their phones, every conversation they take part
// in with each message's sender and time, and their own rows of the
// family's contact log in words.  mydata.js offers it as a download and
// prints it; the JSON itself goes unchanged.
//
// Pure (no page needed; the browser test runs it in Node).  The data can
// be large (thousands of messages): the document is written as an array of
// pieces joined once, never a string grown piece by piece.  Every text from
// the data (names, titles, message bodies, file names: user input) goes
// through esc(); the file carries a policy that lets nothing in it load or
// run, and its style inline (owndata.css, the same sheet the app prints
// with).

import { dateTime } from '../shared/format.js';
import { t, lang } from './i18n.js';

const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

// Text made safe for HTML, in an element or in a quoted attribute.
export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ESC[c]);
}

// The log's kinds a member's own rows have, in words (doc.kind_KIND).
const KINDS = new Set(['message', 'receipt', 'enrol', 'revoke', 'device', 'settings', 'sms', 'coordinator',
  'edited', 'withdrawn', 'export']);

// A time of day "21:00" as the language writes it.
function localTime(hm) {
  const m = /^(\d\d):(\d\d)$/.exec(String(hm || ''));
  if (!m) return String(hm || '');
  return new Intl.DateTimeFormat(lang().locale, { hour: '2-digit', minute: '2-digit', timeZone: 'UTC', hourCycle: 'h23' })
    .format(new Date(Date.UTC(2000, 0, 1, Number(m[1]), Number(m[2]))));
}

const when = (ts) => (ts ? dateTime(ts, lang().locale) : '');

// A message whose text is only "📎 name, name" (the gateway's for files
// without words) shows its files, not that line again (as attachments.js).
function bodyShown(m) {
  if (!m.attachments || !m.attachments.length) return true;
  return m.body !== `📎 ${m.attachments.map((a) => a.name).join(', ')}`;
}

// <dt>/<dd> pairs: [[label, value], …], both plain text.
function facts(out, rows) {
  out.push('<dl class="owndata-facts">');
  for (const [k, v] of rows) out.push('<dt>', esc(k), '</dt><dd dir="auto">', esc(v), '</dd>');
  out.push('</dl>\n');
}

function about(out, data) {
  const me = data.member || {};
  const sms = data.sms || {};
  const channel = { app: 'sms.ch_app', fallback: 'sms.ch_fallback', sms: 'sms.ch_sms' }[sms.channel];
  const q = data.quiet_hours;
  out.push('<section aria-labelledby="owndata-about"><h2 id="owndata-about">', esc(t('doc.about')), '</h2>\n');
  const rows = [
    [t('doc.name'), me.name || ''],
    [t('doc.family'), data.family || ''],
    [t('doc.sms_number'), sms.phone || t('doc.none')],
    [t('doc.channel'), channel ? t(channel) : (sms.channel || '')],
    [t('doc.consent'), sms.consent && sms.consent.at ? t('doc.consent_yes', { when: when(sms.consent.at) }) : t('doc.no')],
  ];
  if (sms.stopped_at) rows.push([t('doc.sms_stopped'), when(sms.stopped_at)]);
  rows.push([t('doc.quiet'), q && q.start !== q.end ? t('doc.quiet_hours', { from: localTime(q.start), to: localTime(q.end) }) : t('doc.none')]);
  facts(out, rows);
  out.push('</section>\n');
}

function phones(out, data) {
  const list = data.phones || [];
  out.push('<section aria-labelledby="owndata-phones"><h2 id="owndata-phones">', esc(t('phones.title')), '</h2>\n');
  if (!list.length) out.push('<p>', esc(t('phones.none')), '</p>\n');
  else {
    out.push('<ul class="owndata-phones">');
    for (const d of list) {
      out.push('<li><span class="owndata-strong" dir="auto">', esc(d.name || t('phones.unnamed')), '</span> ',
        esc(t('phones.number', { id: d.id })), '<br>', esc(t('phones.added', { when: when(d.created_at) })), ' · ',
        esc(d.revoked_at ? t('phones.revoked_at', { when: when(d.revoked_at) }) : t('phones.active')), '</li>');
    }
    out.push('</ul>\n');
  }
  out.push('</section>\n');
}

function message(out, m, me) {
  const system = m.kind === 'system';
  const mine = !system && m.sender && m.sender.id === me.id;
  const who = system ? t('doc.system') : mine ? `${(m.sender && m.sender.name) || ''} (${t('chat.you')})` : ((m.sender && m.sender.name) || '');
  out.push('<li class="owndata-msg', system ? ' system' : mine ? ' mine' : '', '"><p class="owndata-msg-head"><span class="owndata-strong" dir="auto">',
    esc(who), '</span> · <time datetime="', esc(m.created_at), '">', esc(when(m.created_at)), '</time>');
  if (m.via === 'sms') out.push(' · ', esc(t('chat.via_sms')));
  if (m.edited_at && !m.withdrawn) out.push(' · ', esc(t('chat.edited')));
  out.push('</p>');
  if (m.withdrawn) {
    out.push('<p class="owndata-withdrawn">', esc(t('chat.withdrawn')), '</p>');
  } else {
    if (bodyShown(m)) out.push('<p class="owndata-body" dir="auto">', esc(m.body), '</p>');
    if (m.attachments && m.attachments.length) {
      out.push('<p class="owndata-files" dir="auto">', esc(t('doc.files', { names: m.attachments.map((a) => a.name).join(', ') })), '</p>');
    }
  }
  out.push('</li>\n');
}

function conversations(out, data) {
  const me = data.member || {};
  const byConv = new Map();
  for (const c of data.conversations || []) byConv.set(c.id, { c, msgs: [] });
  for (const m of data.messages || []) {
    if (m.kind === 'note') continue; // never a family's (the gateway sends none either)
    if (!byConv.has(m.conv)) byConv.set(m.conv, { c: { id: m.conv, title: '' }, msgs: [] });
    byConv.get(m.conv).msgs.push(m);
  }
  out.push('<section aria-labelledby="owndata-convs"><h2 id="owndata-convs">', esc(t('doc.conversations')), '</h2>\n');
  if (!byConv.size) out.push('<p>', esc(t('doc.no_messages')), '</p>\n');
  let i = 0;
  for (const { c, msgs } of byConv.values()) {
    i += 1;
    const title = !c.title || c.title === data.family ? t('chat.main_conv') : c.title;
    out.push('<section class="owndata-conv" aria-labelledby="owndata-conv-', String(i), '"><h3 id="owndata-conv-', String(i), '" dir="auto">',
      esc(title), '</h3>\n<p class="owndata-muted">', esc(t('doc.count', { n: msgs.length })), '</p>\n');
    if (!msgs.length) out.push('<p>', esc(t('doc.no_messages')), '</p>\n');
    else {
      out.push('<ol class="owndata-msgs">\n');
      for (const m of msgs) message(out, m, me);
      out.push('</ol>\n');
    }
    out.push('</section>\n');
  }
  out.push('</section>\n');
}

function log(out, data) {
  const rows = data.log || [];
  out.push('<section aria-labelledby="owndata-log"><h2 id="owndata-log">', esc(t('doc.log')), '</h2>\n<p class="owndata-muted">',
    esc(t('doc.log_hint')), '</p>\n');
  if (!rows.length) {
    out.push('<p>', esc(t('doc.log_none')), '</p>\n</section>\n');
    return;
  }
  out.push('<table class="owndata-log"><thead><tr><th scope="col">', esc(t('doc.when')), '</th><th scope="col">', esc(t('doc.what')),
    '</th><th scope="col">', esc(t('doc.details')), '</th></tr></thead>\n<tbody>\n');
  for (const e of rows) {
    const what = t(KINDS.has(e.kind) ? `doc.kind_${e.kind}` : 'doc.kind_other');
    // Her own message's text; otherwise the row's detail as the log has it.
    const detail = typeof e.text === 'string' ? e.text : e.kind === 'export' ? '' : (e.detail || '');
    out.push('<tr><td class="owndata-when">', esc(when(e.at)), '</td><td>', esc(what), '</td><td class="owndata-detail" dir="auto">',
      esc(detail), '</td></tr>\n');
  }
  out.push('</tbody></table>\n</section>\n');
}

// The document's body: one <article class="owndata">, as pieces.
function article(out, data) {
  const me = data.member || {};
  const l = lang();
  out.push('<article class="owndata" lang="', esc(l.code), '" dir="', esc(l.dir), '">\n<h1>', esc(t('doc.title', { name: me.name || '' })),
    '</h1>\n<p>', esc(t('doc.intro', { when: when(data.generated_at) })), '</p>\n');
  about(out, data);
  phones(out, data);
  conversations(out, data);
  log(out, data);
  out.push('<p class="owndata-foot">', esc(t('doc.foot')), '</p>\n</article>\n');
}

// The article alone (printed from the app: mydata.js).
export function ownArticle(data) {
  const out = [];
  article(out, data);
  return out.join('');
}

// The whole file: nothing loaded, nothing run, the style inline.
export function ownDocument(data, { css = '' } = {}) {
  const l = lang();
  const out = [
    '<!doctype html>\n<html lang="', esc(l.code), '" dir="', esc(l.dir), '">\n<head>\n<meta charset="utf-8">\n',
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">\n',
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta name="generator" content="Indgang">\n<title>',
    esc(t('doc.title', { name: (data.member && data.member.name) || '' })), '</title>\n<style>\n',
    String(css).replace(/</g, ''), // a style sheet needs no '<': nothing can end its element
    '\n</style>\n</head>\n<body>\n',
  ];
  article(out, data);
  out.push('</body>\n</html>\n');
  return out.join('');
}
