// quiet.js - the family's quiet hours in the family app's menu
// (GET/PUT /api/families/{id}/quiet-hours, Danish time): from and to, two
// times of day; messages arrive at once, the phone stays silent until the
// quiet hours end.  They are the whole family's, and the pair may change
// them too, so the menu reads them afresh each time it opens.

import { api } from '../shared/api.js';
import { t, lang } from './i18n.js';

const el = {};
let familyId = () => null;
let loads = 0;

export function initQuiet({ family }) {
  familyId = family;
  for (const id of ['quiet-block', 'quiet-form', 'quiet-from', 'quiet-to', 'quiet-status']) el[id] = document.getElementById(id);
  el['quiet-form'].addEventListener('submit', onSave);
}

// A time of day as the app's language writes it ("21.00", "21:00").
function localTime(hm) {
  const [h, m] = hm.split(':').map(Number);
  return new Intl.DateTimeFormat(lang().locale, { hour: '2-digit', minute: '2-digit', timeZone: 'UTC', hourCycle: 'h23' })
    .format(new Date(Date.UTC(2000, 0, 1, h, m)));
}

// The menu opened: the hours as they are now (or the section hides when the
// family is not known yet, e.g. offline before the first connection).
export async function renderQuiet() {
  const fam = familyId();
  el['quiet-block'].hidden = !fam;
  if (!fam) return;
  el['quiet-status'].textContent = '';
  const n = ++loads;
  try {
    const h = await api.quietHours(fam);
    if (n !== loads) return;
    el['quiet-from'].value = h.from;
    el['quiet-to'].value = h.to;
  } catch {
    if (n === loads) el['quiet-status'].textContent = t('quiet.load_failed');
  }
}

async function onSave(e) {
  e.preventDefault();
  const fam = familyId();
  const from = el['quiet-from'].value;
  const to = el['quiet-to'].value;
  const status = el['quiet-status'];
  if (!fam || !from || !to) {
    status.textContent = t('quiet.failed');
    return;
  }
  const button = el['quiet-form'].querySelector('button[type="submit"]');
  button.disabled = true;
  status.textContent = '';
  try {
    const h = await api.setQuietHours(fam, from, to);
    status.textContent = h.from === h.to
      ? t('quiet.saved_none')
      : t('quiet.saved', { from: localTime(h.from), to: localTime(h.to) });
  } catch {
    status.textContent = t('quiet.failed');
  } finally {
    button.disabled = false;
  }
}
