// phones.js - the family app's "Dine telefoner" view: the phones signed in
// as this member, so one they do not recognise can be removed.
//
// GET /api/families/{id}/devices answers a family member with their own
// phones only; DELETE /api/devices/{id} revokes one.  Each phone shows its
// name, number, when it was added and whether it is active or removed (and
// when); the phone in use is marked "Denne telefon" and is not offered for
// removal (revoking it closes the WebSocket with 4403: "Log ud" in the menu
// does that properly).  Every other active phone has a "Fjern" button with a
// confirm step ("Ja, fjern" takes the focus; "Fortryd" or Escape gives it
// back to the same button).  Every active phone can be given a name the
// member recognises ("Omdøb": a small form in its row, Enter saves, Escape
// gives up; PUT /api/devices/{id}).  family.js switches between this view
// and the chat and reaches it from the menu and from the enrolment notice.

import { api } from '../shared/api.js';
import { h, clear } from '../shared/dom.js';
import { dateTime } from '../shared/format.js';
import { sortDevices } from '../shared/devices.js';
import { t, lang } from './i18n.js';

const el = {};
let opts = null; // { familyId: () => id | null, thisDevice: () => id | null, onBack: () => void }
let devices = null; // the last answer; null before the first
let thisId = null; // the phone in use, when known
let asking = null; // { d, button }: the phone the confirm step is about
let naming = null; // the id of the phone whose name is being changed
let status = { key: '', vars: null };
let loads = 0; // only the latest answer counts

export function initPhones(options) {
  opts = options;
  for (const id of ['phones-view', 'phones-title', 'phones-back', 'phones-status', 'phones-list', 'phones-confirm',
    'phones-question', 'phones-maybe-this', 'phones-yes', 'phones-no', 'phones-home']) {
    el[id] = document.getElementById(id);
  }
  el['phones-back'].addEventListener('click', () => opts.onBack());
  el['phones-yes'].addEventListener('click', onYes);
  el['phones-no'].addEventListener('click', () => cancel());
  el['phones-confirm'].addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      cancel();
    }
  });
}

export function phonesShown() {
  return !!el['phones-view'] && !el['phones-view'].hidden;
}

export function openPhones() {
  cancel({ focus: false });
  setStatus('');
  el['phones-view'].hidden = false;
  renderPhones();
  el['phones-title'].focus();
  load();
}

export function closePhones() {
  if (!el['phones-view']) return;
  cancel({ focus: false });
  el['phones-view'].hidden = true;
}

// Signed out: nothing of the list stays for the next person.
export function forgetPhones() {
  closePhones();
  naming = null;
  devices = null;
  thisId = null;
  setStatus('');
  if (el['phones-list']) clear(el['phones-list']);
}

// Fetches the list again when the view is on screen and no question is open
// (a new phone announced, the app visible again, the connection back).
export function refreshPhones() {
  if (phonesShown() && !asking && naming === null) load();
}

function setStatus(key, vars = null) {
  status = { key, vars };
  el['phones-status'].textContent = key ? t(key, vars) : '';
}

async function load() {
  const family = opts.familyId();
  if (!family) {
    setStatus('phones.loading'); // the welcome brings the family; it loads again then
    return;
  }
  if (devices === null) setStatus('phones.loading');
  const n = ++loads;
  try {
    const r = await api.devices(family);
    if (n !== loads) return;
    devices = r.devices || [];
    if (['phones.loading', 'phones.err_load', 'enrol.err_network'].includes(status.key)) setStatus('');
    if (!asking && naming === null) renderPhones();
  } catch (e) {
    if (n !== loads) return;
    setStatus(e.code === 'network' ? 'enrol.err_network' : 'phones.err_load');
  }
}

// The phone in use: the device id the enrol answer gave, kept by family.js.
// A phone enrolled before the app kept it: a member signs in only from a
// phone, so when one phone is active it is this one.
function findThis(list) {
  const known = opts.thisDevice();
  if (known) return known;
  const on = list.filter((d) => !d.revoked_at);
  return on.length === 1 ? on[0].id : null;
}

const nameOf = (d) => d.name || t('phones.unnamed');

// Draws the list (also after a language switch).
export function renderPhones() {
  if (!el['phones-view']) return;
  setStatus(status.key, status.vars);
  if (asking) return; // the question stays as it is; the list follows after it
  const list = el['phones-list'];
  clear(list);
  if (devices === null) return;
  const locale = lang().locale;
  thisId = findThis(devices);
  for (const d of sortDevices(devices)) {
    const revoked = !!d.revoked_at;
    const mine = d.id === thisId;
    list.append(
      h('li', { class: `phone${revoked ? ' revoked' : ''}${mine ? ' this' : ''}`, dataset: { device: String(d.id) } },
        h('p', { class: 'phone-name' },
          h('span', { dir: 'auto' }, nameOf(d)), ' ',
          h('span', { class: 'phone-no' }, t('phones.number', { id: d.id })),
          mine ? [' ', h('span', { class: 'badge phone-this' }, t('phones.this'))] : null),
        h('p', { class: 'phone-meta' }, t('phones.added', { when: dateTime(d.created_at, locale) })),
        h('p', { class: `phone-state ${revoked ? 'revoked' : 'active'}` },
          revoked ? t('phones.revoked_at', { when: dateTime(d.revoked_at, locale) }) : t('phones.active')),
        revoked ? null : naming === d.id ? nameForm(d) : h('button', {
          class: 'btn phone-rename', type: 'button', dataset: { rename: String(d.id) },
          onclick: () => startNaming(d),
        }, t('phones.rename'), h('span', { class: 'visually-hidden' }, ` ${t('phones.remove_label', { name: nameOf(d), id: d.id })}`)),
        revoked || mine ? null : h('button', {
          class: 'btn btn-danger phone-remove', type: 'button', dataset: { device: String(d.id) },
          'aria-expanded': 'false', 'aria-controls': 'phones-confirm',
          onclick: (ev) => ask(d, ev.currentTarget),
        }, t('phones.remove'), h('span', { class: 'visually-hidden' }, ` ${t('phones.remove_label', { name: nameOf(d), id: d.id })}`))),
    );
  }
  if (naming !== null) list.querySelector('.phone-name-input')?.focus();
  if (devices.length === 0) list.append(h('li', { class: 'phone-none' }, t('phones.none')));
}

// ---- Renaming -------------------------------------------------------------------

function nameForm(d) {
  const id = `phone-name-${d.id}`;
  const input = h('input', {
    id, class: 'phone-name-input', type: 'text', maxlength: '60', autocomplete: 'off', dir: 'auto', value: d.name || '',
  });
  return h('form', {
    class: 'phone-name-form',
    onsubmit: (ev) => { ev.preventDefault(); saveName(d, input.value); },
    onkeydown: (ev) => { if (ev.key === 'Escape') { ev.preventDefault(); stopNaming(d.id); } },
  },
  h('label', { for: id }, t('phones.name_field')), input,
  h('div', { class: 'phones-confirm-buttons' },
    h('button', { class: 'btn btn-primary', type: 'submit' }, t('phones.save')),
    h('button', { class: 'btn', type: 'button', onclick: () => stopNaming(d.id) }, t('menu.cancel'))));
}

function startNaming(d) {
  cancel({ focus: false });
  naming = d.id;
  renderPhones();
}

// Back to the list, the focus on the phone's own "Omdøb".
function stopNaming(id) {
  naming = null;
  renderPhones();
  el['phones-list'].querySelector(`button[data-rename="${id}"]`)?.focus();
}

async function saveName(d, typed) {
  const name = typed.trim();
  if (!name || name === d.name) {
    stopNaming(d.id);
    return;
  }
  try {
    await api.renameDevice(d.id, name);
  } catch (e) {
    setStatus(e.code === 'network' ? 'enrol.err_network' : 'phones.err_rename');
    return; // the form stays, with what was typed
  }
  devices = devices.map((x) => (x.id === d.id ? { ...x, name } : x));
  setStatus('phones.renamed', { name });
  opts.onRenamed?.(d.id, name);
  stopNaming(d.id);
}

function ask(d, button) {
  asking = { d, button };
  for (const b of el['phones-list'].querySelectorAll('button[data-device]')) {
    b.setAttribute('aria-expanded', b === button ? 'true' : 'false');
  }
  el['phones-question'].textContent = t('phones.confirm', { name: nameOf(d), id: d.id });
  el['phones-maybe-this'].hidden = thisId !== null; // unknown: this might be the phone in use
  el['phones-yes'].disabled = false;
  button.closest('li').append(el['phones-confirm']);
  el['phones-confirm'].hidden = false;
  el['phones-yes'].focus();
}

function cancel({ focus = true } = {}) {
  const was = asking;
  asking = null;
  el['phones-confirm'].hidden = true;
  el['phones-home'].append(el['phones-confirm']);
  if (!was) return;
  was.button.setAttribute('aria-expanded', 'false');
  if (focus) was.button.focus();
}

async function onYes() {
  if (!asking) return;
  const { d, button } = asking;
  el['phones-yes'].disabled = true;
  try {
    await api.revokeDevice(d.id);
  } catch (e) {
    el['phones-yes'].disabled = false;
    cancel({ focus: false });
    setStatus(e.code === 'network' ? 'enrol.err_network' : 'phones.err_remove');
    if (button.isConnected) button.focus();
    return;
  }
  // Removed: say so, show it at once, then the gateway's list.
  cancel({ focus: false });
  setStatus('phones.removed', { name: nameOf(d), id: d.id });
  devices = devices.map((x) => (x.id === d.id && !x.revoked_at ? { ...x, revoked_at: new Date().toISOString() } : x));
  renderPhones();
  el['phones-title'].focus();
  load();
}
