// sms.js - a family member's phone number and SMS channel on the family
// page of the staff client (GET/PUT /api/members/{id}/sms, issue 13).
//
// The pair sets each member's number (as people type it: Danish numbers
// without +45 are understood), how the member is reached (the app, the app
// and SMS when the app does not reach them, SMS only) and whether the member
// has agreed that whole messages go by SMS (SMS is not encrypted): the
// gateway records who said so and when, and drops it with a new number.  A
// team member reads it.  Every change is in the family's contact log.

import { api } from '../shared/api.js';
import { h, clear } from '../shared/dom.js';
import { dateTime } from '../shared/format.js';

const LOCALE = 'da-DK';
const CHANNELS = [
  ['app', 'Appen'],
  ['fallback', 'Appen, og SMS når appen ikke når frem'],
  ['sms', 'Kun SMS'],
];
const el = {};
let shownFamily = null;

export function initStaffSms() {
  el.list = document.getElementById('sms-list');
}

// The family page opened (f: the family, pair: may change; members sorted).
export async function openMemberSms(f, members) {
  shownFamily = f.id;
  clear(el.list);
  for (const u of members) {
    const li = h('li', { class: 'sms-member', dataset: { member: String(u.id) } }, h('h3', null, u.name));
    el.list.append(li);
    let v;
    try {
      v = await api.memberSms(u.id);
    } catch {
      li.append(h('p', { class: 'error-box' }, 'Kunne ikke hente SMS-oplysningerne.'));
      continue;
    }
    if (shownFamily !== f.id) return; // another family opened meanwhile
    li.append(f.pair ? form(u, v) : readOnly(v));
  }
}

function channelLabel(c) {
  return (CHANNELS.find(([k]) => k === c) || [c, c])[1];
}

function consentText(v) {
  return v.consent
    ? `Har sagt ja til hele beskeder som SMS (registreret af ${v.consent.by.name} ${dateTime(v.consent.at, LOCALE)}).`
    : 'Har ikke sagt ja til hele beskeder som SMS.';
}

function readOnly(v) {
  return h('p', null,
    `${v.phone || 'Intet nummer'} · ${channelLabel(v.channel)}. ${consentText(v)}`,
    v.stopped_at ? ` Sendte STOP ${dateTime(v.stopped_at, LOCALE)}.` : '');
}

function form(u, v) {
  const id = (k) => `sms-${k}-${u.id}`;
  const phone = h('input', { id: id('phone'), type: 'tel', autocomplete: 'off', value: v.phone || '', inputmode: 'tel' });
  const channel = h('select', { id: id('channel') },
    ...CHANNELS.map(([k, label]) => h('option', { value: k, selected: v.channel === k ? '' : null }, label)));
  const consent = h('input', { id: id('consent'), type: 'checkbox', checked: v.consent ? '' : null });
  const status = h('p', { class: 'sms-status', role: 'status' }, consentText(v));
  const err = h('p', { class: 'error-box', role: 'alert', hidden: '' });
  const f = h('form', { class: 'sms-form', novalidate: '' },
    h('div', { class: 'field' }, h('label', { for: id('phone') }, 'Telefonnummer'), phone),
    h('div', { class: 'field' }, h('label', { for: id('channel') }, `Sådan får ${u.name} besked`), channel),
    h('div', { class: 'field check' }, consent,
      h('label', { for: id('consent') }, `${u.name} har sagt ja til, at hele beskeder sendes som SMS`)),
    err, status,
    h('button', { class: 'btn btn-primary', type: 'submit' }, 'Gem', h('span', { class: 'visually-hidden' }, ` SMS for ${u.name}`)));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.hidden = true;
    const changes = { phone: phone.value.trim() || null, channel: channel.value, consent: consent.checked };
    try {
      const now = await api.setMemberSms(u.id, changes);
      phone.value = now.phone || '';
      consent.checked = !!now.consent;
      status.textContent = `Gemt. ${consentText(now)}`;
    } catch (ex) {
      err.textContent = ex.code === 'conflict' ? 'Et andet familiemedlem har det nummer.'
        : ex.code === 'bad_request' ? (ex.message.includes('phone number first')
          ? 'SMS kræver et telefonnummer.' : 'Det er ikke et telefonnummer: 8 cifre, eller + og landekode.')
          : 'Det blev ikke gemt. Prøv igen.';
      err.hidden = false;
      phone.focus();
    }
  });
  return f;
}
