// delivery.js - under an adviser's own message to the family: how far it
// got for each family member taking part, in plain words (no icon or
// colour carries the meaning), here as in Danish:
//
//   Sendt                                      nothing known beyond stored
//   Mette fik besked 20.11                     a push service took the notification
//   Leveret til Mettes Android-telefon 20.11   her phone's app has it
//   Leveret til Mettes iPhone 20.11 · læst 20.15
//   Læst af Mette 20.15                        read, no delivery known
//   … ; endnu ikke leveret til Jonas           several members: each briefly
//
// A message counts as reached when its id is at or below the member's
// position.  The positions: CONV.deliveries and live `delivery` frames
// (shared/delivery.js), CONV.reads and `receipt` frames (shared/store.js).
// This page also says `delivered` for what it receives (trackDelivered).

import { Deliveries, trackDelivered, reachOf } from '../shared/delivery.js';
import { shortWhen } from '../shared/format.js';
import { t, lang } from './i18n.js';

let deliveries = null;

// onChange(convId): a family member's position moved in that conversation.
export function initStaffDelivery({ conn, store, onChange }) {
  deliveries = new Deliveries(conn);
  deliveries.addEventListener('change', (e) => onChange(e.detail.conv));
  trackDelivered(conn, store);
}

// The line under message m of conv.
export function familyReach(conv, m) {
  return reachText(reachOf(conv, m, deliveries), (ts) => shortWhen(ts, lang().locale));
}

// [{user, delivered, notified, read}] -> the line; when(ts) formats a time.
export function reachText(list, when) {
  if (!list.some((r) => r.delivered || r.notified || r.read)) return t('delivery.sent');
  const names = shortNames(list.map((r) => r.user));
  const text = list.map((r) => phrase(r, names.get(r.user.id), when)).join('; ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function phrase(r, name, when) {
  if (r.delivered) {
    const device = deviceOf(name, r.delivered.device);
    return r.read ? t('delivery.delivered_read', { device, when: when(r.delivered.at), read: when(r.read.at) })
      : t('delivery.delivered', { device, when: when(r.delivered.at) });
  }
  if (r.read) return t('delivery.read', { name, when: when(r.read.at) });
  if (r.notified) return t('delivery.notified', { name, when: when(r.notified.at) });
  return t('delivery.not_yet', { name });
}

// First names, unless two members share one: then full names.
function shortNames(users) {
  const first = (u) => String(u.name || '').trim().split(/\s+/)[0] || String(u.name || '');
  const count = new Map();
  for (const u of users) count.set(first(u), (count.get(first(u)) || 0) + 1);
  return new Map(users.map((u) => [u.id, count.get(first(u)) > 1 ? u.name : first(u)]));
}

// The family app names a phone it cannot tell apart "Browser": a common
// noun, written small inside a sentence.
const COMMON = { Browser: 'browser' };

// "Mettes iPhone" ("Mette's iPhone"); a device already named after its
// owner ("Mettes telefon") as it is; no device name: the member's name.
function deviceOf(name, device) {
  let d = String(device || '').trim();
  if (!d) return name;
  d = COMMON[d] || d;
  const locale = lang().locale;
  if (d.toLocaleLowerCase(locale).startsWith(name.toLocaleLowerCase(locale))) return d;
  // The genitive: Danish writes Mettes, but Jonas', Max' (a name ending in s, x or z).
  return t(/[sxz]$/i.test(name) ? 'delivery.device_of_sxz' : 'delivery.device_of', { name, device: d });
}
