// retention.js - a family's case record in words (issue 16), pure: the
// retention rules' next step and when ("Næste: Beskeder, noter og filer
// slettes tidligst 4. dec. 2027 – venter på bekræftet journalisering"),
// each step of a closed case, and the contact log's new rows (closed,
// reopened, filed, hold, hold_lifted, the `deleted` tombstones with their
// counts, the phones signed out at the closing; a member's requests for
// erasure and restriction, their answers, an erasure's tombstone, and a
// member's download of their own data).  record.js, requests.js and log.js
// show them; the browser tests run them in Node.
//
// The record (GET /api/families/{id}/record) says what the gateway's rules
// (core/records/retention.c) will do: retention.next is the first step not
// done, retention.blocked why it waits ("open", "hold", "not_filed",
// "done"), retention.due_at when it falls due, and retention.steps each
// step's due date and how far it got.  The steps after the next one wait
// for the same reasons: a legal hold stops every deletion (not the phones'
// signing out), and content and the logs wait for the filed export to reach
// the closing.

import { dateTime } from '../shared/format.js';
import { t, lang } from './i18n.js';

export const STEPS = ['phones', 'content', 'log', 'access', 'names'];
const UPTO = new Set(['content', 'log', 'access']); // deleted up to a time

// "4. dec. 2027"
export function day(ts) {
  return new Intl.DateTimeFormat(lang().locale, { day: 'numeric', month: 'short', year: 'numeric' }).format(new Date(ts));
}

const when = (ts) => dateTime(ts, lang().locale);

const filedToClosing = (rec) => !!(rec.filed_upto && rec.closed_at && Date.parse(rec.filed_upto) >= Date.parse(rec.closed_at));

// Why step waits, as the gateway's rules would say (null: it does not).
function blockOf(rec, step) {
  const r = rec.retention || {};
  if (r.next === step) return r.blocked === 'hold' || r.blocked === 'not_filed' ? r.blocked : null;
  if (step === 'phones') return null;
  if (rec.hold) return 'hold';
  if (UPTO.has(step) && !filedToClosing(rec)) return 'not_filed';
  return null;
}

function isDone(rec, step) {
  const r = rec.retention || {};
  const s = (r.steps || {})[step] || {};
  if (!UPTO.has(step)) return !!s.done_at;
  if (r.blocked === 'done') return true;
  return !!r.next && STEPS.indexOf(step) < STEPS.indexOf(r.next);
}

// One step in words, with why it waits: "Kontaktloggen slettes tidligst
// 4. dec. 2031 – venter på bekræftet journalisering".
function stepText(rec, step, now = Date.now()) {
  const s = ((rec.retention || {}).steps || {})[step] || {};
  if (isDone(rec, step)) {
    const at = UPTO.has(step) ? s.deleted_upto : s.done_at;
    if (at) return t(`record.step_${step}_done`, { date: day(at) });
  }
  if (!s.due_at) return '';
  const text = t(`record.step_${step}_due`, { date: day(s.due_at) });
  const block = blockOf(rec, step);
  if (block === 'hold') return t('record.wait_hold', { step: text });
  if (block === 'not_filed') return t('record.wait_not_filed', { step: text });
  if (Date.parse(s.due_at) <= now) return t('record.wait_due', { step: text });
  return text;
}

// The rules' next step: "Næste: …." (or nothing while open, or all done).
export function retentionLine(rec, now = Date.now()) {
  const r = rec.retention || {};
  if (rec.state !== 'closed' || r.blocked === 'open') return t('record.next_open');
  if (!r.next || r.blocked === 'done') return t('record.next_done');
  const text = stepText(rec, r.next, now);
  return text ? t('record.next', { step: text }) : '';
}

// Every step of a closed case, done or to come.
export function stepLines(rec, now = Date.now()) {
  if (rec.state !== 'closed') return [];
  return STEPS.map((s) => stepText(rec, s, now)).filter(Boolean);
}

// ---- The record's own lines --------------------------------------------------------------

export function stateText(rec) {
  if (rec.state !== 'closed') return t('record.open');
  return t('record.closed', { when: when(rec.closed_at), name: (rec.closed_by && rec.closed_by.name) || t('record.someone') });
}

export function filedText(rec) {
  if (!rec.filed_upto) return t('record.filed_none');
  return t('record.filed', {
    upto: when(rec.filed_upto), name: (rec.filed_by && rec.filed_by.name) || t('record.someone'),
    when: rec.filed_at ? when(rec.filed_at) : '',
  });
}

// A hold's reason; a granted restriction's (request_answer.c writes it in
// English) in words.
export function holdReason(reason) {
  const m = /^GDPR art\. 18: restriction, request (\d+)$/.exec(reason || '');
  return m ? t('record.hold_restriction', { n: m[1] }) : (reason || '');
}

export function holdText(rec) {
  const h = rec.hold;
  if (!h) return '';
  return t('record.hold', { name: (h.by && h.by.name) || t('record.someone'), when: when(h.at), reason: holdReason(h.reason) });
}

// ---- The contact log's rows ---------------------------------------------------------------

// "key=value key=value" -> {key: value}
function pairs(detail) {
  const out = {};
  for (const w of String(detail || '').split(/\s+/)) {
    const i = w.indexOf('=');
    if (i > 0) out[w.slice(0, i)] = w.slice(i + 1);
  }
  return out;
}

// "40 beskeder" (one or other by n).
function count(key, n) {
  return t(`record.n_${key}_${n === 1 ? 'one' : 'other'}`, { n: n.toLocaleString(lang().locale) });
}

// "40 beskeder, 1 note og 3 filer": the counts that are not 0.
function counts(p, keys) {
  const parts = keys.map(([k, field]) => [k, Number(p[field]) || 0]).filter(([, n]) => n > 0).map(([k, n]) => count(k, n));
  if (!parts.length) return t('record.n_nothing');
  return new Intl.ListFormat(lang().locale, { type: 'conjunction' }).format(parts);
}

function months(p) {
  const n = Number(p.months) || 0;
  return t(n === 1 ? 'record.months_one' : 'record.months_other', { n });
}

// A member by id as their name, when the caller knows it.
function memberName(id, names) {
  const name = names && typeof names.member === 'function' ? names.member(Number(id)) : null;
  return name || t('record.member_no', { n: id });
}

// "sletning" / "begrænsning"; another kind as its code.
const requestKind = (kind) => (kind === 'erasure' || kind === 'restriction' ? t(`requests.kind_${kind}`) : kind || '');

// "imødekommet" …; another decision as its code.
export function decisionText(d) {
  return ['granted', 'partly', 'refused'].includes(d) ? t(`requests.decision_${d}`) : d || '';
}

// "12 beskeder og 1 fil" of an erasure; "intet" when nothing.
export function erasedText(texts, files) {
  return counts({ texts, files }, [['texts', 'texts'], ['files', 'files']]);
}

function deletedDetail(detail, names) {
  const p = pairs(detail);
  switch (p.step) {
    case 'erasure':
      return t('record.del_erasure', { n: p.request, member: memberName(p.member, names), what: erasedText(p.texts, p.files) });
    case 'content':
      return t('record.del_content', {
        what: counts(p, [['texts', 'texts'], ['notes', 'notes'], ['system', 'system'], ['files', 'files'], ['other', 'other']]),
        months: months(p),
      });
    case 'log':
    case 'access':
      return t(`record.del_${p.step}`, { rows: count('rows', Number(p.rows) || 0), months: months(p) });
    case 'names':
      return t('record.del_names');
    case 'credentials':
      return t('record.del_credentials', {
        what: counts(p, [['tokens', 'tokens'], ['push', 'push_subscriptions'], ['invites', 'invites'], ['sms', 'sms']]),
        days: Number(p.sms_days) || 0,
      });
    default:
      return detail || '';
  }
}

// The detail of a row of the new kinds in words; null for a row that is not
// the record's (log.js says those).  names.member(id): a family member's
// name, where the caller knows it.
export function recordDetail(e, names = null) {
  const detail = e.detail || '';
  switch (e.kind) {
    case 'closed':
    case 'hold_lifted':
      return detail ? t('record.reason', { reason: detail }) : '';
    case 'hold':
      return detail ? t('record.reason', { reason: holdReason(detail) }) : '';
    case 'request': {
      const p = pairs(detail);
      if (!p.request) return detail;
      return t('record.log_request', { n: p.request, kind: requestKind(p.kind), member: memberName(p.member, names) });
    }
    case 'request_answered': {
      const p = pairs(detail);
      if (!p.request) return detail;
      return t('record.log_request_answered', { n: p.request, kind: requestKind(p.kind), decision: decisionText(p.decision) });
    }
    case 'export':
      return detail === 'own data' || !detail ? t('record.log_export') : detail;
    case 'reopened':
      return detail;
    case 'filed': {
      const m = /^upto=(\S+)$/.exec(detail);
      return m && !Number.isNaN(Date.parse(m[1])) ? t('record.log_filed', { upto: when(m[1]) }) : detail;
    }
    case 'deleted':
      return deletedDetail(detail, names);
    case 'revoke': {
      const m = /^case closed: (\d+) phones? signed out$/.exec(detail);
      if (!m || (e.actor && e.actor.id)) return null;
      const n = Number(m[1]);
      return t(n === 1 ? 'record.log_phones_one' : 'record.log_phones_other', { n });
    }
    default:
      return null;
  }
}
