// smsmenu.js - how a family member gets messages, in the family app's menu
// (GET/PUT /api/members/{id}/sms, issue 13): only in the app, in the app and
// an SMS when the app does not reach them, or as SMS; and whether whole
// messages may go by SMS (SMS is not encrypted: without it an SMS only says
// that there is a new message).  The number is the advisers' to set.  A
// number that sent STOP gets SMS again when the member turns them on here.

import { api } from '../shared/api.js';
import { t } from './i18n.js';

const el = {};
let memberId = () => null;
let loads = 0;

export function initSmsMenu({ member }) {
  memberId = member;
  for (const id of ['sms-block', 'sms-number', 'sms-form', 'sms-consent', 'sms-stopped', 'sms-resume', 'sms-status']) {
    el[id] = document.getElementById(id);
  }
  el['sms-form'].addEventListener('submit', onSave);
  el['sms-resume'].addEventListener('click', onResume);
}

function channelInputs() {
  return [...el['sms-form'].querySelectorAll('input[name="sms-channel"]')];
}

function show(v) {
  const hasNumber = !!v.phone;
  el['sms-number'].textContent = hasNumber ? t('sms.number', { number: v.phone }) : t('sms.no_number');
  for (const input of channelInputs()) {
    input.checked = input.value === v.channel;
    input.disabled = !hasNumber && input.value !== 'app';
  }
  el['sms-consent'].checked = !!v.consent;
  el['sms-consent'].disabled = !hasNumber;
  el['sms-stopped'].hidden = !v.stopped_at;
}

// The menu opened: the settings as they are now (the advisers may change them).
export async function renderSmsMenu() {
  const id = memberId();
  el['sms-block'].hidden = !id;
  if (!id) return;
  el['sms-status'].textContent = '';
  const n = ++loads;
  try {
    const v = await api.memberSms(id);
    if (n === loads) show(v);
  } catch {
    if (n === loads) el['sms-status'].textContent = t('sms.load_failed');
  }
}

async function save(changes, button) {
  button.disabled = true;
  el['sms-status'].textContent = '';
  try {
    show(await api.setMemberSms(memberId(), changes));
    el['sms-status'].textContent = t('sms.saved');
  } catch {
    el['sms-status'].textContent = t('sms.failed');
  } finally {
    button.disabled = false;
  }
}

function onSave(e) {
  e.preventDefault();
  const picked = channelInputs().find((i) => i.checked);
  const changes = { consent: el['sms-consent'].checked };
  if (picked) changes.channel = picked.value;
  save(changes, el['sms-form'].querySelector('button[type="submit"]'));
}

function onResume() {
  save({ stopped: false }, el['sms-resume']);
}
