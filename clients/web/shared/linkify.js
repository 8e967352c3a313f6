// linkify.js - web addresses and phone numbers in a message body made
// tappable, in both clients.  Only two kinds of link ever come out:
//   - http(s) addresses ("https://…", "http://…", "www.…" as https), opened
//     in a new tab with rel="noopener noreferrer"; never one with a login in
//     it (https://kk.dk@evil.example is a page on evil.example) or without a
//     real domain name;
//   - phone numbers as tel: links: Danish eight-digit numbers (first digit
//     2-9, written in pairs, fours or at once, with or without +45) and
//     international ones written with + and the country code.
// Any other scheme (javascript:, data:, …) stays text.  An address ends at
// white space, quotes, angle brackets, bidi controls, and loses the
// punctuation that ends the sentence around it (Danish or Arabic), keeping a
// closing bracket only when it has its opening one.
//
// linkParts(text) is pure (tested in Node: tests/browser/linkify.test.mjs);
// linkify(text) builds the nodes with dom.js, never with markup strings.

import { h } from './dom.js';

const SP = '[ \\u00a0]'; // a space or a no-break space between digit groups
const DK8 = `[2-9]\\d(?:${SP}?\\d\\d){3}`;
const URL_CHAR = '[^\\s<>"\'`\\\\{}|^\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2069\\ufeff]';

const FIND = new RegExp(
  // An address, not glued to a word before it.
  `(?<![\\p{L}\\p{N}_@.\\-])(?<url>(?:https?:\\/\\/|www\\.)${URL_CHAR}+)` +
  // A phone number, not part of a longer run of digits, words or amounts.
  `|(?<![\\p{L}\\p{N}_+\\-/.@#&=]|\\d${SP})(?<tel>\\+45${SP}?${DK8}|\\+(?!45)[1-9]\\d{0,2}(?:${SP}?\\d){5,13}|${DK8})` +
  `(?![\\p{L}\\p{N}_]|${SP}\\d|[-/.,]\\d)`,
  'giu',
);

// Sentence punctuation that ends an address rather than belonging to it.
const TRAILING = new Set([...'.,;:!?…"\'’‘”“»«›‹*،؛؟۔']);
const OPENING = { ')': '(', ']': '[' };

// A domain name with letters in its top level (after URL parsing: lower
// case, international names as xn--).  No bare IP addresses, no "localhost".
const HOST = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

function count(s, ch) {
  let n = 0;
  for (const c of s) if (c === ch) n += 1;
  return n;
}

function trimAddress(s) {
  for (;;) {
    const last = s.at(-1);
    if (TRAILING.has(last)) s = s.slice(0, -1);
    else if (OPENING[last] && count(s, OPENING[last]) < count(s, last)) s = s.slice(0, -1);
    else return s;
  }
}

// The href for an address as written, or null when it must stay text.
function webHref(written) {
  let u;
  try {
    u = new URL(/^www\./i.test(written) ? `https://${written}` : written);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (u.username || u.password) return null;
  if (!HOST.test(u.hostname)) return null;
  return u.href;
}

function telHref(written) {
  const digits = written.replace(/\D/g, '');
  if (!written.startsWith('+')) return `tel:+45${digits}`;
  if (digits.length < 8 || digits.length > 15) return null;
  return `tel:+${digits}`;
}

// [{text}] and [{text, href, kind: 'url'|'tel'}] in order; their texts
// joined are the text, unchanged.
export function linkParts(text) {
  const parts = [];
  let plain = '';
  let at = 0;
  for (const m of String(text).matchAll(FIND)) {
    let written = m.groups.url ?? m.groups.tel;
    let href;
    let kind;
    if (m.groups.url !== undefined) {
      written = trimAddress(written);
      href = webHref(written);
      kind = 'url';
    } else {
      href = telHref(written);
      kind = 'tel';
    }
    if (!href) continue; // left as text, taken with the text around it
    plain += text.slice(at, m.index);
    if (plain) parts.push({ text: plain });
    plain = '';
    parts.push({ text: written, href, kind });
    at = m.index + written.length;
  }
  plain += text.slice(at);
  if (plain) parts.push({ text: plain });
  return parts;
}

// The body as nodes for h()/append: text, and <a> for each link.  A link is
// isolated left-to-right (dir="ltr"), so "+45 40 50 60 70" or an address in
// an Arabic or Farsi sentence reads the right way round.
export function linkify(text) {
  return linkParts(text).map((p) => {
    if (!p.href) return p.text;
    if (p.kind === 'tel') return h('a', { class: 'msg-link', href: p.href, dir: 'ltr' }, p.text);
    return h('a', { class: 'msg-link', href: p.href, target: '_blank', rel: 'noopener noreferrer', dir: 'ltr' }, p.text);
  });
}
