// outbox.js - messages waiting to be acknowledged by the gateway.
//
// Every message the user writes goes into the outbox first, with a client_id
// chosen once.  The outbox sends it whenever the connection is open (after
// the welcome and the catch-up sync), and sends the *same* client_id again
// after every drop until the gateway's ack comes back, so the gateway stores
// and delivers it exactly once (PROTOCOL.md: send is idempotent per
// sender + client_id).  A message found in a sync with our client_id counts
// as acknowledged too (the ack was lost with the connection).
//
// Storage: an optional Web Storage (localStorage for the family's phone, so
// a message written offline survives closing the app; sessionStorage for
// staff).  Entries are removed as soon as they are acknowledged.
//
// Events: change {items}, acked {item, message}, failed {item, code}

import { newClientId } from './protocol.js';

const PERMANENT = new Set(['bad_request', 'too_large', 'forbidden', 'not_found', 'unauthorized']);

export class Outbox extends EventTarget {
  constructor(conn, { storage = null, prefix = 'indgang.outbox.' } = {}) {
    super();
    this.conn = conn;
    this.storage = storage;
    this.prefix = prefix;
    this.userId = null;
    this.items = [];
    this.flushing = false;
    this.retryTimer = null;
    conn.addEventListener('synced', () => this.flush());
    conn.addEventListener('message', (e) => this.onMessage(e.detail));
  }

  // Loads the outbox of one user (call before or at the welcome).
  load(userId) {
    if (this.userId === userId) return;
    this.userId = userId;
    this.items = [];
    if (this.storage && userId) {
      try {
        const raw = this.storage.getItem(this.prefix + userId);
        const list = raw ? JSON.parse(raw) : [];
        if (Array.isArray(list)) {
          this.items = list
            .filter((x) => x && typeof x.client_id === 'string' && typeof x.body === 'string')
            .map((x) => ({ ...x, state: x.state === 'failed' ? 'failed' : 'queued' }));
        }
      } catch {
        this.items = [];
      }
    }
    this.changed();
  }

  // Forgets everything of this user on this device (sign-out).
  clear() {
    if (this.storage && this.userId) this.storage.removeItem(this.prefix + this.userId);
    this.items = [];
    this.changed();
  }

  persist() {
    if (!this.storage || !this.userId) return;
    try {
      if (this.items.length === 0) this.storage.removeItem(this.prefix + this.userId);
      else this.storage.setItem(this.prefix + this.userId, JSON.stringify(this.items));
    } catch {
      /* storage full or denied: the outbox still works in memory */
    }
  }

  changed() {
    this.persist();
    this.dispatchEvent(new CustomEvent('change', { detail: { items: this.items } }));
  }

  // opts.no_sms: the adviser marked it "not by SMS" (a notice only goes).
  add(conv, body, kind = 'text', { no_sms: noSms = false } = {}) {
    const item = {
      client_id: newClientId(),
      conv,
      body,
      kind,
      queued_at: new Date().toISOString(),
      state: 'queued',
    };
    if (noSms) item.no_sms = true;
    this.items.push(item);
    this.changed();
    this.flush();
    return item;
  }

  // Drops a message the gateway refused (the user chose to discard it).
  discard(clientId) {
    this.items = this.items.filter((x) => x.client_id !== clientId);
    this.changed();
  }

  // Tries a refused message again (e.g. after editing is not offered: as is).
  retry(clientId) {
    const it = this.items.find((x) => x.client_id === clientId);
    if (it) {
      it.state = 'queued';
      delete it.error;
      this.changed();
      this.flush();
    }
  }

  forConv(conv) {
    return this.items.filter((x) => x.conv === conv);
  }

  onMessage(m) {
    if (!m || !m.sender || m.sender.id !== this.userId || !m.client_id) return;
    const it = this.items.find((x) => x.client_id === m.client_id);
    if (it) this.acked(it, m);
  }

  acked(item, message) {
    const before = this.items.length;
    this.items = this.items.filter((x) => x.client_id !== item.client_id);
    if (this.items.length !== before) {
      this.changed();
      this.dispatchEvent(new CustomEvent('acked', { detail: { item, message } }));
    }
  }

  // Sends what waits, one at a time in order, while the connection is open.
  async flush() {
    if (this.flushing) return;
    this.flushing = true;
    clearTimeout(this.retryTimer);
    try {
      for (;;) {
        if (!this.conn.isOpen) return;
        const it = this.items.find((x) => x.state === 'queued');
        if (!it) return;
        it.state = 'sending';
        this.changed();
        try {
          const ack = await this.conn.send(it.conv, it.body, it.client_id, it.kind, { no_sms: it.no_sms });
          this.acked(it, ack.message);
        } catch (e) {
          if (!this.items.includes(it)) continue; // acked through a sync meanwhile
          if (PERMANENT.has(e.code)) {
            it.state = 'failed';
            it.error = e.code;
            this.changed();
            this.dispatchEvent(new CustomEvent('failed', { detail: { item: it, code: e.code } }));
            continue;
          }
          // disconnected, timeout, rate_limited, internal, unavailable: try again later
          it.state = 'queued';
          this.changed();
          if (e.code !== 'disconnected') {
            this.retryTimer = setTimeout(() => this.flush(), 3000);
          }
          return;
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
