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
import { t, lang } from './i18n.js';

// The channels, in the order offered, and their words.
const CHANNELS = [
  ['app', 'sms.channel_app'],
  ['fallback', 'sms.channel_fallback'],
  ['sms', 'sms.channel_sms'],
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
      li.append(h('p', { class: 'error-box' }, t('sms.load_failed')));
      continue;
    }
    if (shownFamily !== f.id) return; // another family opened meanwhile
    li.append(f.pair ? form(u, v) : readOnly(v));
  }
}

function channelLabel(c) {
  const known = CHANNELS.find(([k]) => k === c);
  return known ? t(known[1]) : c;
}

function consentText(v) {
  return v.consent
    ? t('sms.consent', { name: v.consent.by.name, when: dateTime(v.consent.at, lang().locale) })
    : t('sms.no_consent');
}

function readOnly(v) {
  return h('p', null,
    t('sms.read_only', { phone: v.phone || t('sms.no_number'), channel: channelLabel(v.channel), consent: consentText(v) }),
    v.stopped_at ? ` ${t('sms.stopped', { when: dateTime(v.stopped_at, lang().locale) })}` : '');
}

function form(u, v) {
  const id = (k) => `sms-${k}-${u.id}`;
  const phone = h('input', { id: id('phone'), type: 'tel', autocomplete: 'off', value: v.phone || '', inputmode: 'tel' });
  const channel = h('select', { id: id('channel') },
    ...CHANNELS.map(([k, key]) => h('option', { value: k, selected: v.channel === k ? '' : null }, t(key))));
  const consent = h('input', { id: id('consent'), type: 'checkbox', checked: v.consent ? '' : null });
  const status = h('p', { class: 'sms-status', role: 'status' }, consentText(v));
  const err = h('p', { class: 'error-box', role: 'alert', hidden: '' });
  const f = h('form', { class: 'sms-form', novalidate: '' },
    h('div', { class: 'field' }, h('label', { for: id('phone') }, t('sms.phone')), phone),
    h('div', { class: 'field' }, h('label', { for: id('channel') }, t('sms.channel_label', { name: u.name })), channel),
    h('div', { class: 'field check' }, consent,
      h('label', { for: id('consent') }, t('sms.consent_label', { name: u.name }))),
    err, status,
    h('button', { class: 'btn btn-primary', type: 'submit' }, t('sms.save'),
      h('span', { class: 'visually-hidden' }, ` ${t('sms.save_whose', { name: u.name })}`)));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.hidden = true;
    const changes = { phone: phone.value.trim() || null, channel: channel.value, consent: consent.checked };
    try {
      const now = await api.setMemberSms(u.id, changes);
      phone.value = now.phone || '';
      consent.checked = !!now.consent;
      status.textContent = t('sms.saved', { consent: consentText(now) });
    } catch (ex) {
      err.textContent = t(ex.code === 'conflict' ? 'sms.number_taken'
        : ex.code === 'bad_request' ? (ex.message.includes('phone number first')
          ? 'sms.needs_number' : 'sms.bad_number')
          : 'sms.save_failed');
      err.hidden = false;
      phone.focus();
    }
  });
  return f;
}
