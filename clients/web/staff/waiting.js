// waiting.js - the words of the advisers' work queue (issue 15): whether a
// conversation needs an answer, how long the family has waited, who answered
// it, who is writing an answer right now, and who wrote its last message.
// The gateway decides all of it (CONV.waiting, CONV.answered, CONV.last, the
// `waiting` and `answering` frames; see docs/websocket.md); this module only
// says it, in Danish.
//
// Pure functions, no DOM, so the sentences are tested in Node
// (tests/browser/caseload.test.mjs).  The strings are together at the top for
// the translation mechanism that is to come.  The waiting time counts on the
// gateway's clock (the welcome's server_time): a computer whose clock is a few
// minutes off would otherwise say "venter 0 min" for a family that has waited.

import { shortWhen } from '../shared/format.js';

const LOCALE = 'da-DK';

export const TEXT = {
  needsAnswer: 'Skal besvares',
  // Short, on screen: "venter 2 t 5 min".
  waitedShort: { under: 'venter under 1 min', days: 'd', hours: 't', minutes: 'min', lead: 'venter' },
  // Whole words, for a screen reader: "har ventet 2 timer og 5 minutter".
  waitedLong: {
    under: 'har ventet under et minut',
    lead: 'har ventet',
    and: 'og',
    day: ['dag', 'dage'],
    hour: ['time', 'timer'],
    minute: ['minut', 'minutter'],
  },
  since: (when) => `siden ${when}`,
  replied: (who, when) => `Besvaret af ${who} ${when}`,
  handled: (who, when) => `Markeret håndteret af ${who} ${when}`,
  you: 'dig',
  youCap: 'Dig',
  note: 'Intern note',
  noMessages: 'Ingen beskeder endnu',
  // "I'm answering" (answering.js): "Bo skriver et svar…", "Anna og Bo skriver et svar…".
  answering: (names) => `${names} skriver et svar…`,
  and: 'og',
};

// ---- The gateway's clock ------------------------------------------------------

let skew = 0; // the gateway's clock minus ours, in ms

// The welcome's server_time (RFC 3339).
export function setServerTime(ts) {
  const t = Date.parse(ts);
  if (Number.isFinite(t)) skew = t - Date.now();
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
  const t = Date.parse(since);
  if (!Number.isFinite(t)) return 0;
  return Math.max(0, Math.floor((at - t) / 60000));
}

function parts(mins) {
  return { d: Math.floor(mins / 1440), h: Math.floor((mins % 1440) / 60), m: mins % 60 };
}

// "venter under 1 min", "venter 5 min", "venter 2 t 5 min", "venter 2 t",
// "venter 1 d 3 t" (from a day on, the minutes no longer matter).
export function waitedText(since, at = now()) {
  const S = TEXT.waitedShort;
  const mins = minutesSince(since, at);
  if (mins < 1) return S.under;
  const { d, h, m } = parts(mins);
  const out = [S.lead];
  if (d) {
    out.push(`${d} ${S.days}`);
    if (h) out.push(`${h} ${S.hours}`);
  } else {
    if (h) out.push(`${h} ${S.hours}`);
    if (m) out.push(`${m} ${S.minutes}`);
  }
  return out.join(' ');
}

// The same in whole words: "har ventet 2 timer og 5 minutter".
export function waitedSpoken(since, at = now()) {
  const L = TEXT.waitedLong;
  const mins = minutesSince(since, at);
  if (mins < 1) return L.under;
  const { d, h, m } = parts(mins);
  const word = (n, [one, many]) => `${n} ${n === 1 ? one : many}`;
  const list = d ? [d && word(d, L.day), h && word(h, L.hour)] : [h && word(h, L.hour), m && word(m, L.minute)];
  return `${L.lead} ${list.filter(Boolean).join(` ${L.and} `)}`;
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
  const when = answered.at ? shortWhen(answered.at, LOCALE) : '';
  const say = answered.how === 'handled' ? TEXT.handled : TEXT.replied;
  return say(who, when).trim();
}

// ---- Answering -------------------------------------------------------------------------

// Who is writing an answer, by first name (whole names when two share one):
// "Bo skriver et svar…", "Anna og Bo skriver et svar…"; '' for nobody.
export function answeringText(users, people = []) {
  const names = (users || []).map((u) => shortName(u, [...people, ...users]));
  if (!names.length) return '';
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} ${TEXT.and} ${names.at(-1)}`;
  return TEXT.answering(list);
}

// ---- The last message ------------------------------------------------------------------

// CONV.last as {who, note, text}: who wrote it ("Dig" for one's own, nobody
// for a system message), whether it is an internal note, and the preview.
export function lastParts(last, me) {
  if (!last) return { who: '', note: false, text: TEXT.noMessages, none: true };
  const who = last.kind === 'system' || !last.sender ? '' : me && last.sender.id === me.id ? TEXT.youCap : last.sender.name;
  return { who, note: last.kind === 'note', text: last.preview || '', none: false };
}
