// family.js - the family view's head and its "Familie" page (#/f/FAMILY/family;
// moved out of staff.js, issue 15).
//
// The head over every family page: the family's name, its pair (the
// coordinator, "tovholder", first and named so), a pair adviser who is away
// (away.js), whether the user is in the pair or the team, and the tabs
// (Samtale, Kontaktlog, Familie, Møde).  The page: the members, and for the
// pair an invitation code for each (a QR code with the link, or the code
// sent as SMS straight to the member's own number), a new restricted
// conversation, and the family's phones (GET /api/families/{id}/devices: the
// pair only) with a confirm step before one is revoked.  The members' SMS
// settings are sms.js's, the quiet hours quiet.js's, a leader's handover
// handover.js's, the case record ("Sag og journal", issue 16) record.js's, a
// member's requests for erasure and restriction under it requests.js's.  A conversation created by someone else is said to a
// screen reader.
//
// staff.js owns the routes: it calls renderFamilyHead() when they (or the
// caseload) change and openFamilyPanel() when the page is shown.

import { api } from '../shared/api.js';
import { h, clear, announce } from '../shared/dom.js';
import { dateTime } from '../shared/format.js';
import { qrSvg } from '../shared/qr.js';
import { sortDevices } from '../shared/devices.js';
import { convName } from './families.js';
import { openMemberSms } from './sms.js';
import { openQuietForm } from './quiet.js';
import { awayTag } from './away.js';
import { showHandover } from './handover.js';
import { showRecord } from './record.js';
import { showRequests } from './requests.js';
import { t, lang } from './i18n.js';

let store = null;
let el = {};
let route = () => ({ view: null });
let currentFamily = () => undefined;
let lastConvOf = () => undefined;
let humanError = (e) => String(e);
let creating = 0; // our own create is under way: it says so itself

// elements: the view's elements by their ids (fv-title, fv-sub, fv-away,
// fv-rel, tab-conv, tab-log, tab-family, tab-meeting, member-list,
// invite-hint, invite-result, new-conv, new-conv-form, new-conv-name,
// new-conv-members, new-conv-error, revoke, revoke-title, device-wrap,
// device-body, devices-note, devices-refresh, revoke-confirm,
// revoke-question, revoke-yes, revoke-no, revoke-status, live);
// route: () => the current route ({view, convId}); family: () => the family
// on screen; lastConv(familyId): its last conversation opened; errorText: an
// error in words.
export function initFamily({ store: s, elements, route: r, family, lastConv, errorText }) {
  store = s;
  el = elements;
  route = r;
  currentFamily = family;
  lastConvOf = lastConv;
  humanError = errorText;
  el['new-conv-form'].addEventListener('submit', onCreateConv);
  el['revoke-yes'].addEventListener('click', onRevokeYes);
  el['revoke-no'].addEventListener('click', onRevokeNo);
  el['revoke-confirm'].addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      onRevokeNo();
    }
  });
  el['devices-refresh'].addEventListener('click', () => loadDevices({ announce: true }));
  store.addEventListener('conversation', (e) => onNewConversation(e.detail.conv));
}

// The head over the family's pages; returns the family (null when it is not
// in the user's caseload).
export function renderFamilyHead() {
  const f = currentFamily();
  if (!f) {
    if (store.convs.size && route().view) {
      el['fv-title'].textContent = t('family.not_found');
      el['fv-sub'].textContent = '';
    }
    return null;
  }
  el['fv-title'].textContent = f.name;
  // The pair, the coordinator (CONV.primary, "tovholder") first and named so.
  const primary = f.main.primary;
  const names = [...f.advisers.values()]
    .sort((a, b) => (b.id === primary) - (a.id === primary))
    .map((u) => (u.id === primary ? t('family.coordinator_name', { name: u.name }) : u.name));
  const adv = names.length ? names.reduce((a, b) => t('family.two_names', { a, b })) : '';
  el['fv-sub'].textContent = adv ? t('family.pair', { names: adv }) : '';
  el['fv-sub'].title = el['fv-sub'].textContent; // one line (day.css)
  el['fv-away'].replaceChildren(...[awayTag(f, store.me)].filter(Boolean));
  el['fv-away'].hidden = !el['fv-away'].firstChild;
  el['fv-rel'].textContent = f.pair ? t('family.rel_pair') : t('family.rel_team');
  el['fv-rel'].className = `rel-tag${f.pair ? ' pair' : ''}`;
  const { view, convId: onScreen } = route();
  const convId = view === 'conv' ? onScreen : (lastConvOf(f.id) || f.main.id);
  setTab(el['tab-conv'], `#/c/${convId}`, view === 'conv');
  setTab(el['tab-log'], `#/f/${f.id}/log`, view === 'log');
  setTab(el['tab-family'], `#/f/${f.id}/family`, view === 'family');
  setTab(el['tab-meeting'], `#/f/${f.id}/meeting`, view === 'meeting');
  // The tab title stays neutral: window titles show in task bars and shared screens.
  return f;
}

function setTab(a, href, current) {
  a.href = href;
  if (current) a.setAttribute('aria-current', 'page');
  else a.removeAttribute('aria-current');
}

// ---- The page: members, invitations, restricted conversations, revocation ----

export function openFamilyPanel() {
  const f = currentFamily();
  if (!f) return;
  el['invite-result'].hidden = true;
  clear(el['invite-result']);
  endAsk();
  el['revoke-status'].textContent = '';
  el['new-conv-error'].hidden = true;
  el['new-conv'].hidden = !f.pair;
  el.revoke.hidden = !f.pair; // the device list is the pair's (team members get 403)
  openQuietForm(f);
  showHandover(f); // a leader of the family's team: "Overdrag familien"
  showRecord(f); // open or closed, filed, what the retention rules do next
  showRequests(f); // a member's requests for erasure and restriction, and their answers
  if (f.pair) loadDevices();
  el['invite-hint'].textContent = f.pair ? t('family.invite_hint_pair') : t('family.invite_hint_team');
  clear(el['member-list']);
  const members = [...f.members.values()].sort((a, b) => a.id - b.id);
  for (const u of members) {
    el['member-list'].append(
      h('li', null,
        h('span', { class: 'name' }, u.name),
        f.pair ? h('button', { class: 'btn', type: 'button', onclick: (ev) => makeInvite(u, ev.currentTarget) }, t('family.make_invite'), h('span', { class: 'visually-hidden' }, ` ${t('family.make_invite_for', { name: u.name })}`)) : null,
        f.pair ? h('button', { class: 'btn', type: 'button', onclick: (ev) => sendInvite(u, ev.currentTarget) }, t('family.send_invite'), h('span', { class: 'visually-hidden' }, ` ${t('family.send_invite_to', { name: u.name })}`)) : null,
      ),
    );
  }
  if (!members.length) el['member-list'].append(h('li', { class: 'hint' }, t('family.no_members')));
  openMemberSms(f, members);
  clear(el['new-conv-members']);
  for (const u of members) {
    el['new-conv-members'].append(
      h('label', null, h('input', { type: 'checkbox', name: 'member', value: String(u.id) }), u.name),
    );
  }
}

// The code goes straight to the member's own number: nobody here sees it.
async function sendInvite(member, button) {
  const box = el['invite-result'];
  button.disabled = true;
  clear(box);
  try {
    const r = await api.inviteBySms(member.id);
    box.append(h('p', { role: 'status' },
      t('family.invite_sent', { name: member.name, number: r.sent_to, until: dateTime(r.expires_at, lang().locale) })));
  } catch (e) {
    const why = {
      bad_request: 'family.invite_no_number',
      conflict: 'family.invite_stopped',
      unavailable: 'family.invite_no_sms',
    }[e && e.code];
    box.append(h('p', { class: 'error-box', role: 'alert' }, why ? t(why, { name: member.name }) : humanError(e)));
  } finally {
    box.hidden = false;
    button.disabled = false;
  }
}

async function makeInvite(member, button) {
  const box = el['invite-result'];
  button.disabled = true;
  try {
    const r = await api.invite(member.id);
    const link = `${location.origin}/family/#code=${encodeURIComponent(r.code)}`;
    clear(box);
    box.append(
      h('div', { class: 'invite-qr' }, qrSvg(link, { label: t('family.invite_qr', { name: member.name }) })),
      h('div', null,
        h('h3', null, t('family.invite_title', { name: member.name })),
        h('p', { class: 'hint' }, t('family.invite_scan')),
        h('p', { class: 'invite-code', 'aria-label': t('family.invite_code', { code: r.code.split('').join(' ') }) }, r.code),
        h('p', null, t('family.invite_valid', { until: dateTime(r.expires_at, lang().locale) })),
        h('p', { class: 'invite-link' }, link),
        h('button', {
          class: 'btn', type: 'button',
          onclick: async (ev) => {
            try {
              await navigator.clipboard.writeText(link);
              ev.currentTarget.textContent = t('family.link_copied');
            } catch {
              ev.currentTarget.textContent = t('family.link_not_copied');
            }
          },
        }, t('family.copy_link')),
      ),
    );
    box.hidden = false;
    box.focus();
  } catch (e) {
    clear(box);
    box.append(h('p', { class: 'error-box', role: 'alert' }, humanError(e)));
    box.hidden = false;
  } finally {
    button.disabled = false;
  }
}

async function onCreateConv(e) {
  e.preventDefault();
  const f = currentFamily();
  const err = el['new-conv-error'];
  err.hidden = true;
  const title = el['new-conv-name'].value.trim();
  const ids = [...el['new-conv-members'].querySelectorAll('input:checked')].map((x) => Number(x.value));
  if (!title) {
    err.textContent = t('family.conv_no_name');
    err.hidden = false;
    el['new-conv-name'].focus();
    return;
  }
  if (!ids.length) {
    err.textContent = t('family.conv_no_members');
    err.hidden = false;
    return;
  }
  creating += 1;
  try {
    // The answer is the new CONV; the gateway's `conversation` frame brings
    // the same to our other windows (whichever comes first adds it).
    const conv = await api.createConversation(f.id, title, ids);
    el['new-conv-name'].value = '';
    if (!store.addConv(conv)) await store.refreshConvs();
    location.hash = `#/c/${conv.id}`;
    announce(el.live, t('family.conv_created', { title }));
  } catch (ex) {
    err.textContent = humanError(ex);
    err.hidden = false;
  } finally {
    creating -= 1;
  }
}

// A conversation created by someone else (the other adviser of the pair)
// or in another window: the caseload shows it at once; a screen reader
// hears of it.
function onNewConversation(conv) {
  if (creating) return;
  announce(el.live, t('family.conv_new', { family: conv.family.name, conv: convName(conv) }));
}

// ---- The family's phones (GET /api/families/{id}/devices: the pair only) ----

let devices = []; // of the family on screen
let devicesOf = null; // its id
let asking = null; // the device the confirm step is about
let askingButton = null;

function deviceLabel(d) {
  return t('family.device_label', { name: d.name || t('family.phone'), id: d.id });
}

// The device and whose it is: "Telefon (nr. 3) fra Bo".
function deviceOf(d) {
  return d.user
    ? t('family.device_of', { device: deviceLabel(d), name: d.user.name })
    : t('family.device_of_family', { device: deviceLabel(d) });
}

// Back at the family page: a phone may have been enrolled meanwhile.
export function refreshDevices() {
  if (!el.revoke.hidden && el['revoke-confirm'].hidden) loadDevices();
}

async function loadDevices({ announce: say = false } = {}) {
  const f = currentFamily();
  if (!f || !f.pair) return;
  const famId = f.id;
  const note = el['devices-note'];
  if (devicesOf !== famId) {
    devices = [];
    clear(el['device-body']);
    el['device-wrap'].hidden = true;
    note.textContent = t('family.devices_loading');
  }
  try {
    const r = await api.devices(famId);
    if (currentFamily()?.id !== famId) return; // another family is on screen now
    devicesOf = famId;
    devices = r.devices || [];
    renderDevices();
    if (say) announce(el.live, note.textContent || activeText(activeCount(), 0));
  } catch (e) {
    if (currentFamily()?.id !== famId) return;
    note.textContent = t('family.devices_failed', { error: humanError(e) });
  }
}

function activeCount() {
  return devices.filter((d) => !d.revoked_at).length;
}

// "2 aktive telefoner, 1 tilbagekaldt."
function activeText(n, revoked) {
  const one = n === 1;
  if (!revoked) return t(one ? 'family.devices_one' : 'family.devices_other', { n });
  return t(one ? 'family.devices_one_revoked' : 'family.devices_other_revoked', { n, revoked });
}

function renderDevices() {
  const body = el['device-body'];
  const list = sortDevices(devices); // active first, then the revoked ones
  const focusedId = document.activeElement?.closest('#device-body') ? document.activeElement.dataset.device : null;
  const locale = lang().locale;
  clear(body);
  for (const d of list) {
    const revoked = !!d.revoked_at;
    body.append(
      h('tr', { class: revoked ? 'revoked' : '', dataset: { device: String(d.id) } },
        h('td', null, h('span', { class: 'device-name', dir: 'auto' }, d.name || t('family.phone')), h('span', { class: 'device-no' }, t('family.device_no', { id: d.id }))),
        h('td', null, d.user ? d.user.name : ''),
        h('td', { class: 'when' }, h('time', { datetime: d.created_at }, dateTime(d.created_at, locale))),
        h('td', null, revoked
          ? [h('span', { class: 'device-state revoked' }, t('family.device_revoked')), ' ',
            h('time', { class: 'device-when', datetime: d.revoked_at }, dateTime(d.revoked_at, locale))]
          : h('span', { class: 'device-state active' }, t('family.device_active'))),
        h('td', { class: 'action' }, revoked ? null : h('button', {
          class: 'btn btn-danger', type: 'button', dataset: { device: String(d.id) },
          'aria-expanded': asking && asking.id === d.id ? 'true' : 'false',
          'aria-controls': 'revoke-confirm',
          onclick: (ev) => onRevokeAsk(d, ev.currentTarget),
        }, t('family.revoke'), h('span', { class: 'visually-hidden' }, ` ${deviceOf(d)}`))),
      ),
    );
  }
  el['device-wrap'].hidden = list.length === 0;
  const n = activeCount();
  el['devices-note'].textContent = list.length === 0 ? t('family.devices_none') : activeText(n, list.length - n);
  if (focusedId) body.querySelector(`button[data-device="${CSS.escape(focusedId)}"]`)?.focus();
}

function onRevokeAsk(d, button) {
  asking = d;
  askingButton = button;
  el['revoke-status'].textContent = '';
  for (const b of el['device-body'].querySelectorAll('button[data-device]')) b.setAttribute('aria-expanded', b === button ? 'true' : 'false');
  for (const tr of el['device-body'].rows) tr.classList.toggle('asking', tr.dataset.device === String(d.id));
  el['revoke-question'].textContent =
    t('family.revoke_question', { device: deviceOf(d), date: dateTime(d.created_at, lang().locale) });
  el['revoke-confirm'].hidden = false;
  el['revoke-yes'].focus();
}

function endAsk() {
  el['revoke-confirm'].hidden = true;
  for (const b of el['device-body'].querySelectorAll('button[data-device]')) b.setAttribute('aria-expanded', 'false');
  for (const tr of el['device-body'].rows) tr.classList.remove('asking');
  const d = asking;
  asking = null;
  return d;
}

function onRevokeNo() {
  const d = endAsk();
  const again = d && el['device-body'].querySelector(`button[data-device="${d.id}"]`);
  (again || askingButton || el['revoke-title']).focus();
}

async function onRevokeYes() {
  const d = endAsk();
  if (!d) return;
  el['revoke-yes'].disabled = true;
  try {
    await api.revokeDevice(d.id);
    await loadDevices();
    el['revoke-title'].focus(); // its button is gone; the status says what happened
    el['revoke-status'].textContent = t('family.revoke_done', { device: deviceOf(d) });
  } catch (ex) {
    el['revoke-status'].textContent =
      ex.code === 'not_found' ? t('family.revoke_gone', { device: deviceLabel(d) }) : humanError(ex);
    await loadDevices();
    const again = el['device-body'].querySelector(`button[data-device="${d.id}"]`);
    (again || el['revoke-title']).focus();
  } finally {
    el['revoke-yes'].disabled = false;
  }
}
