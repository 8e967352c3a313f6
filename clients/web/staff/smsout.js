// smsout.js - SMS to family members reached by SMS only, as the adviser sees
// them (issue 13):
//
// - above the send button, before sending: who will get it by SMS, and
//   whether as the text itself (so many parts, GSM 03.38 or UCS-2, counted
//   like the gateway counts: shared/smsparts.js) or as a notice without
//   content (no consent, or the municipality allows no full text);
// - a box "Send ikke teksten som SMS" for a message that must not leave as
//   text (the notice still goes);
// - under a sent message: where its SMS got to ("SMS til Mette: leveret
//   10.02"), from GET /api/conversations/{id}/sms and live `sms` frames.

import { api } from '../shared/api.js';
import { smsCost } from '../shared/smsparts.js';
import { shortWhen } from '../shared/format.js';
import { t, lang } from './i18n.js';

// An SMS's state -> its words; sent and delivered also say when.
const STATES = { queued: 'smsout.state_queued', sending: 'smsout.state_sending', failed: 'smsout.state_failed' };
const STATES_AT = { accepted: 'smsout.state_accepted', delivered: 'smsout.state_delivered' };

const byConv = new Map(); // conv id -> {to: [{user, full_text}], sms: Map message id -> Map user id -> status}
let onChange = () => {};

// change(convId): an SMS of that conversation moved, or its reach is known;
// failed(convId, sms): one could not be sent or delivered, said at once (a
// member reached only by SMS did not get the pair's message).
export function initStaffSmsOut({ conn, change, failed }) {
  onChange = change;
  conn.addEventListener('sms', (e) => {
    const f = e.detail;
    merge(f.conv, [f.sms]);
    onChange(f.conv);
    if (f.sms.state === 'failed') failed(f.conv, f.sms);
  });
}

function entry(convId) {
  if (!byConv.has(convId)) byConv.set(convId, { to: [], sms: new Map() });
  return byConv.get(convId);
}

function merge(convId, list) {
  const e = entry(convId);
  for (const s of list) {
    if (!s.message) continue;
    if (!e.sms.has(s.message)) e.sms.set(s.message, new Map());
    const mine = e.sms.get(s.message);
    const had = mine.get(s.user);
    if (!had || had.id < s.id || (had.id === s.id && had.at <= s.at)) mine.set(s.user, s);
  }
}

// The conversation opened: its SMS so far and who is reached by SMS.
export async function openSmsOut(convId) {
  try {
    const v = await api.convSms(convId);
    const e = entry(convId);
    e.to = v.to || [];
    merge(convId, (v.sms || []).slice().reverse());
    onChange(convId);
  } catch {
    /* a team member's view of another family, or offline: nothing to show */
  }
}

function firstName(u) {
  return String(u.name || '').trim().split(/\s+/)[0] || u.name;
}

// "Mette og Jonas" (as many as there are, each joined by the word for "and").
function both(list) {
  return list.reduce((a, b) => t('smsout.and', { a, b }));
}

// The line above the send button for body (kind text), or '' when nobody
// in the conversation gets SMS.
export function composerLine(convId, body, noSms, senderName) {
  const to = (byConv.get(convId) || { to: [] }).to;
  if (!to.length) return '';
  const full = to.filter((r) => r.full_text && !noSms);
  const notice = to.filter((r) => !r.full_text || noSms);
  const parts = [];
  if (full.length) {
    const c = smsCost(`${senderName}: ${body.trim()}`); // as the gateway writes it
    const cost = !body.trim() ? t('smsout.empty') : c.parts > 1 ? t('smsout.parts', { n: c.parts }) : t('smsout.one_part');
    parts.push(t(c.coding === 'ucs2' ? 'smsout.full_ucs2' : 'smsout.full',
      { names: both(full.map((r) => firstName(r.user))), cost }));
  }
  if (notice.length) {
    parts.push(t(notice.length === 1 ? 'smsout.notice_one' : 'smsout.notice_other',
      { names: both(notice.map((r) => firstName(r.user))) }));
  }
  return parts.join(' ');
}

// May the adviser choose "not by SMS" here (someone would get the text)?
export function canMarkNoSms(convId) {
  return ((byConv.get(convId) || { to: [] }).to).some((r) => r.full_text);
}

// The line under message m of conv: where its SMS got to, '' for none.
export function smsLine(conv, m) {
  const e = byConv.get(conv.id);
  const mine = e && e.sms.get(m.id);
  if (!mine || !mine.size) return '';
  const names = new Map((conv.members || []).map((u) => [u.id, firstName(u)]));
  const out = [];
  for (const s of mine.values()) {
    const who = names.get(s.user) || t('smsout.the_family');
    if (s.state === 'cancelled') continue; // a fallback the app made needless
    if (s.kind === 'fallback' && (s.state === 'queued' || s.state === 'sending')) {
      out.push(t('smsout.fallback_waiting', { who }));
      continue;
    }
    const state = STATES_AT[s.state] ? t(STATES_AT[s.state], { when: shortWhen(s.at, lang().locale) })
      : STATES[s.state] ? t(STATES[s.state]) : s.state;
    const line = s.kind === 'change' ? 'smsout.line_change' : s.full_text ? 'smsout.line_text' : 'smsout.line_notice';
    out.push(t(line, { who, state }));
  }
  return out.join('; ');
}

// Has an SMS of m failed (shown as an error)?
export function smsFailed(conv, m) {
  const e = byConv.get(conv.id);
  const mine = e && e.sms.get(m.id);
  return !!mine && [...mine.values()].some((s) => s.state === 'failed');
}
