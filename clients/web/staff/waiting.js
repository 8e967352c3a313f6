// waiting.js - the words of the advisers' work queue (issue 15): whether a
// conversation needs an answer, how long the family has waited, who answered
// it, who is writing an answer right now, and who wrote its last message.
// The gateway decides all of it (CONV.waiting, CONV.answered, CONV.last, the
// `waiting` and `answering` frames; see docs/websocket.md); this module only
// says it, in the adviser's language (lang/XX.json, keys "waiting.*").
//
// Pure functions, no DOM, so the sentences are tested in Node
// (tests/browser/caseload.test.mjs).  The waiting time counts on the
// gateway's clock (the welcome's server_time): a computer whose clock is a few
// minutes off would otherwise say "venter 0 min" for a family that has waited.

import { shortWhen } from '../shared/format.js';
import { t, lang } from './i18n.js';

// The words other modules use (caseload.js, handled.js), read when asked:
// the language's strings are loaded at boot, after this module.
export const TEXT = {
  get needsAnswer() {
    return t('waiting.needs_answer');
  },
  get note() {
    return t('waiting.note');
  },
  get you() {
    return t('waiting.you');
  },
  get youCap() {
    return t('waiting.you_cap');
  },
  get noMessages() {
    return t('waiting.no_messages');
  },
  since: (when) => t('waiting.since', { when }),
  replied: (who, when) => t('waiting.replied', { who, when }),
  handled: (who, when) => t('waiting.handled', { who, when }),
};

// "2 timer og 5 minutter": the parts joined the language's way.
function joined(list) {
  return list.reduce((a, b) => t('waiting.a_and_b', { a, b }));
}

// ---- The gateway's clock ------------------------------------------------------

let skew = 0; // the gateway's clock minus ours, in ms

// The welcome's server_time (RFC 3339).
export function setServerTime(ts) {
  const ms = Date.parse(ts);
  if (Number.isFinite(ms)) skew = ms - Date.now();
}

// Now, on the gateway's clock (ms).
export function now() {
  return Date.now() + skew;
}

// ---- Waiting ---------------------------------------------------------------------

// CONV.waiting ({from, since}) or null: what the caseload and the conversation
// show as "Skal besvares".
export function needsAnswer(conv) {
  return !!(conv && conv.waiting && conv.waiting.since);
}

// Whole minutes waited since `since` at `at` (ms); never negative.
function minutesSince(since, at) {
  const ms = Date.parse(since);
  if (!Number.isFinite(ms)) return 0;
  return Math.max(0, Math.floor((at - ms) / 60000));
}

function parts(mins) {
  return { d: Math.floor(mins / 1440), h: Math.floor((mins % 1440) / 60), m: mins % 60 };
}

// "venter under 1 min", "venter 5 min", "venter 2 t 5 min", "venter 2 t",
// "venter 1 d 3 t" (from a day on, the minutes no longer matter).
export function waitedText(since, at = now()) {
  const mins = minutesSince(since, at);
  if (mins < 1) return t('waiting.short_under');
  const { d, h, m } = parts(mins);
  const out = [];
  if (d) {
    out.push(t('waiting.short_days', { n: d }));
    if (h) out.push(t('waiting.short_hours', { n: h }));
  } else {
    if (h) out.push(t('waiting.short_hours', { n: h }));
    if (m) out.push(t('waiting.short_minutes', { n: m }));
  }
  return t('waiting.short', { time: out.join(' ') });
}

// The same in whole words: "har ventet 2 timer og 5 minutter".
export function waitedSpoken(since, at = now()) {
  const mins = minutesSince(since, at);
  if (mins < 1) return t('waiting.long_under');
  const { d, h, m } = parts(mins);
  const word = (n, [one, other]) => t(n === 1 ? one : other, { n });
  const days = ['waiting.days_one', 'waiting.days_other'];
  const hours = ['waiting.hours_one', 'waiting.hours_other'];
  const minutes = ['waiting.minutes_one', 'waiting.minutes_other'];
  const list = d ? [d && word(d, days), h && word(h, hours)] : [h && word(h, hours), m && word(m, minutes)];
  return t('waiting.long', { time: joined(list.filter(Boolean)) });
}

// ---- Answered -----------------------------------------------------------------------

// The first name, or the whole name when the first is not enough (another
// person of the conversation has it too).
export function shortName(user, others = []) {
  const name = String((user && user.name) || '').trim();
  const first = name.split(/\s+/)[0] || name;
  const clash = others.some((u) => u && u.id !== user.id && String(u.name || '').trim().split(/\s+/)[0] === first);
  return clash ? name : first;
}

// CONV.answered as a line: "Besvaret af Anna 10.32", "Markeret håndteret af
// Bo 10.35"; "af dig" for one's own.  short: first names (the caseload);
// else whole names (the conversation).  '' when it was never answered.
export function answeredText(answered, me, { short = false, people = [] } = {}) {
  if (!answered || !answered.by) return '';
  const mine = me && answered.by.id === me.id;
  const who = mine ? TEXT.you : short ? shortName(answered.by, people) : answered.by.name;
  const when = answered.at ? shortWhen(answered.at, lang().locale) : '';
  const say = answered.how === 'handled' ? TEXT.handled : TEXT.replied;
  return say(who, when).trim();
}

// ---- Answering -------------------------------------------------------------------------

// Who is writing an answer, by first name (whole names when two share one):
// "Bo skriver et svar…", "Anna og Bo skriver et svar…"; '' for nobody.
export function answeringText(users, people = []) {
  const names = (users || []).map((u) => shortName(u, [...people, ...users]));
  if (!names.length) return '';
  const list = names.length === 1 ? names[0] : t('waiting.a_and_b', { a: names.slice(0, -1).join(', '), b: names.at(-1) });
  return t(names.length === 1 ? 'waiting.answering_one' : 'waiting.answering_other', { names: list });
}

// ---- The last message ------------------------------------------------------------------

// CONV.last as {who, note, text}: who wrote it ("Dig" for one's own, nobody
// for a system message), whether it is an internal note, and the preview.
export function lastParts(last, me) {
  if (!last) return { who: '', note: false, text: TEXT.noMessages, none: true };
  const who = last.kind === 'system' || !last.sender ? '' : me && last.sender.id === me.id ? TEXT.youCap : last.sender.name;
  return { who, note: last.kind === 'note', text: last.preview || '', none: false };
}
