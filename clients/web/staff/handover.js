// handover.js - a leader of the family's team hands the family over to a new
// pair (issue 15; PUT /api/families/{id}/pair).  On the family page
// ("Familie"), only for a leader of the family's team (GET /api/me/teams,
// teams.js): "Overdrag familien" with the coordinator (tovholder, primary)
// and the partner (secondary) chosen among the team's advisers, asked once
// more ("Overdrag Familien Hansen til …?"), then sent.  The family gets a
// system message naming its new adviser, the new adviser the whole history;
// everyone in the family's conversation gets the new pair (the `conversation`
// frame updates this page's head and caseload).
//
// The team's advisers come from the teams' staff (GET /api/me/teams).  A
// gateway that does not list them leaves only the advisers this client has
// seen in the caseload's conversations (CONV.members) of the family's team;
// the form then says that the list may be short.

import { h, clear, announce } from '../shared/dom.js';
import { http } from './http.js';
import { families } from './families.js';
import { familyTeam, staffListed, onTeams } from './teams.js';
import { t, lang } from './i18n.js';

let store = null;
let live = null;
let humanError = (e) => String((e && e.code) || e);
let box = null;
let shown = null; // the family id on the page
let asking = null; // {primary, secondary}

// store; parent: the family panel; liveRegion; errorText(e).
export function initHandover({ store: s, parent, liveRegion, errorText }) {
  store = s;
  live = liveRegion;
  if (errorText) humanError = errorText;
  box = h('section', { id: 'handover', class: 'card block handover', 'aria-labelledby': 'handover-title', hidden: true });
  parent.append(box);
  onTeams(() => shown !== null && render());
  store.addEventListener('convs', () => {
    // The new pair came (the `conversation` frame): the "Nu:" line follows.
    const line = box && box.querySelector('.handover-now');
    const f = shown !== null && families(store).get(shown);
    if (line && f) line.textContent = currentText(f);
  });
}

export function showHandover(f) {
  if (shown !== f.id) asking = null;
  shown = f.id;
  render();
}

export function hideHandover() {
  shown = null;
  asking = null;
  if (box) box.hidden = true;
}

// The team's advisers: its staff, or those seen in its families' conversations.
function advisersOf(team) {
  if (Array.isArray(team.staff)) return team.staff.filter((u) => !u.role || u.role === 'adviser');
  const seen = new Map();
  for (const f of families(store).values()) {
    if (familyTeam(f) !== team) continue;
    for (const u of f.advisers.values()) seen.set(u.id, u);
  }
  return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name, lang().locale));
}

function nameOf(list, id) {
  const u = list.find((x) => x.id === id);
  return u ? u.name : t('handover.user_no', { n: id });
}

function currentText(f) {
  const team = familyTeam(f);
  const people = [...(team ? advisersOf(team) : []), ...f.advisers.values()];
  return t('handover.current', { a: nameOf(people, f.main.primary), b: nameOf(people, f.main.secondary) });
}

function render() {
  const f = shown !== null ? families(store).get(shown) : null;
  const team = f && familyTeam(f);
  clear(box);
  if (!f || !team || !team.leader) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const people = advisersOf(team);
  const options = (sel) => people.map((u) => h('option', { value: String(u.id), selected: u.id === sel }, u.name));
  const p = h('select', { id: 'handover-primary' }, options(asking ? asking.primary : f.main.primary));
  const s = h('select', { id: 'handover-secondary' }, options(asking ? asking.secondary : f.main.secondary));
  const err = h('p', { class: 'error-box', role: 'alert', hidden: true });
  const status = h('p', { id: 'handover-status', role: 'status' });
  const fail = (text) => {
    err.textContent = text;
    err.hidden = false;
  };
  const onAsk = (e) => {
    e.preventDefault();
    err.hidden = true;
    const primary = Number(p.value);
    const secondary = Number(s.value);
    if (primary === secondary) return fail(t('handover.same'));
    if (primary === f.main.primary && secondary === f.main.secondary) return fail(t('handover.unchanged'));
    asking = { primary, secondary };
    render();
    box.querySelector('#handover-yes')?.focus();
  };
  box.append(
    h('h2', { id: 'handover-title' }, t('handover.title')),
    h('p', { class: 'hint' }, t('handover.hint')),
    h('p', { class: 'handover-now' }, currentText(f)),
    staffListed() ? null : h('p', { class: 'hint' }, t('handover.short_list')),
    h('form', { class: 'handover-form', novalidate: true, onsubmit: onAsk },
      h('div', { class: 'field' }, h('label', { for: 'handover-primary' }, t('handover.primary')), p),
      h('div', { class: 'field' }, h('label', { for: 'handover-secondary' }, t('handover.secondary')), s),
      h('button', { class: 'btn btn-primary', type: 'submit', disabled: !!asking }, t('handover.button'))),
    err,
  );
  if (asking) {
    const a = nameOf(people, asking.primary);
    const b = nameOf(people, asking.secondary);
    box.append(h('div', { class: 'info-box handover-ask', role: 'group', 'aria-labelledby': 'handover-question' },
      h('p', { id: 'handover-question' }, t('handover.ask', { family: f.name, a, b })),
      h('button', { id: 'handover-yes', class: 'btn btn-primary', type: 'button', onclick: () => send(f, asking, a, b) }, t('handover.yes')),
      h('button', { class: 'btn', type: 'button', onclick: () => {
        asking = null;
        render();
        box.querySelector('#handover-primary')?.focus();
      } }, t('handover.no'))));
  }
  box.append(status);
}

async function send(f, pair, a, b) {
  const yes = box.querySelector('#handover-yes');
  if (yes) yes.disabled = true;
  try {
    await http.handOver(f.id, pair.primary, pair.secondary);
    asking = null;
    // The new pair, until the `conversation` frame brings it to every page.
    for (const c of f.convs) Object.assign(c, { primary: pair.primary, secondary: pair.secondary });
    render();
    const text = t('handover.done', { family: f.name, a, b });
    box.querySelector('#handover-status').textContent = text;
    announce(live, text);
    box.querySelector('#handover-title')?.setAttribute('tabindex', '-1');
    box.querySelector('#handover-title')?.focus();
  } catch (e) {
    asking = null;
    render();
    const err = box.querySelector('.error-box');
    err.textContent = e && e.code === 'forbidden' ? t('handover.forbidden') : e && e.code === 'bad_request' ? t('handover.bad_pair') : humanError(e);
    err.hidden = false;
  }
}
