// status.js - the state under the member's own messages, in their language:
// "✓ Sendt" once the gateway has stored it (the ack, or found by sync),
// "✓✓ Læst af Anna Jensen" once an adviser of the pair has read it (CONV.reads,
// receipts).  Messages still in the outbox say "Sender …" or "Venter …"
// themselves (family.js).  The app also tells the gateway which messages
// this phone has (`delivered`, shared/delivery.js), so the advisers see
// "Leveret til Mettes telefon".

import { trackDelivered } from '../shared/delivery.js';
import { t, names } from './i18n.js';

export function initStatus(conn, store) {
  trackDelivered(conn, store);
}

// {text, state: 'sent'|'read'} for my message m in conversation c; advisers:
// the pair of c.  Empty for anyone else's message.
export function ownState(store, c, m, advisers) {
  if (!store.me || m.sender.id !== store.me.id) return { text: '', state: '' };
  const readers = store
    .readersOf(c, m)
    .filter((r) => r.user.role === 'adviser' && advisers.some((u) => u.id === r.user.id))
    .map((r) => r.user.name);
  return readers.length
    ? { text: t('state.read', { names: names(readers) }), state: 'read' }
    : { text: t('state.sent'), state: 'sent' };
}
