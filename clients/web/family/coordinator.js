// coordinator.js - the family chooses its coordinator ("tovholder") among
// its two advisers, in the app's menu (issue 15; PUT
// /api/families/{id}/coordinator, docs/openapi.yaml).  The pair is the
// conversation's CONV.primary and CONV.secondary; the primary is the
// coordinator now and is shown as chosen.  After the choice the header's
// "Tovholder: …" line says the new one at once; the gateway's `conversation`
// frame and the next welcome say the same, and the advisers see the choice
// as a system message in the conversation and a row in the contact log.

import { api } from '../shared/api.js';
import { h, clear } from '../shared/dom.js';
import { t } from './i18n.js';

const el = {};
let convOf = () => null;
let onChosen = () => {};

export function initCoordinator({ conv, chosen }) {
  convOf = conv;
  onChosen = chosen;
  for (const id of ['coord-block', 'coord-form', 'coord-choices', 'coord-status']) el[id] = document.getElementById(id);
  el['coord-form'].addEventListener('submit', onSave);
}

// The two advisers of the pair, the coordinator first.
function pairOf(c) {
  const ids = [c.primary, c.secondary];
  return ids.map((id) => (c.members || []).find((u) => u.id === id && u.role === 'adviser')).filter(Boolean);
}

// The menu opened (or a choice was saved): the pair, the coordinator checked.
// Hidden while the pair is not known (e.g. offline before the first welcome
// of an app that never saw one).
export function renderCoordinator({ keepStatus = false } = {}) {
  const c = convOf();
  const pair = c ? pairOf(c) : [];
  el['coord-block'].hidden = pair.length !== 2;
  if (!keepStatus) el['coord-status'].textContent = '';
  const box = el['coord-choices'];
  clear(box);
  if (pair.length !== 2) return;
  for (const u of pair) {
    const current = u.id === c.primary;
    box.append(
      h('label', { class: 'choice' },
        h('input', { type: 'radio', name: 'coordinator', value: String(u.id), checked: current }),
        h('span', null, h('span', { dir: 'auto' }, u.name),
          current ? h('span', { class: 'coord-now' }, ` (${t('coord.current')})`) : null)),
    );
  }
}

async function onSave(e) {
  e.preventDefault();
  const c = convOf();
  const picked = el['coord-form'].querySelector('input[name="coordinator"]:checked');
  const status = el['coord-status'];
  if (!c || !picked) return;
  const id = Number(picked.value);
  const chosen = pairOf(c).find((u) => u.id === id);
  if (!chosen) return;
  const button = el['coord-form'].querySelector('button[type="submit"]');
  button.disabled = true;
  status.textContent = '';
  try {
    if (id !== c.primary) await api.chooseCoordinator(c.family.id, id);
    onChosen(c.family.id, id);
    renderCoordinator({ keepStatus: true });
    status.textContent = t('coord.saved', { name: chosen.name });
  } catch {
    status.textContent = t('coord.failed');
  } finally {
    button.disabled = false;
  }
}
