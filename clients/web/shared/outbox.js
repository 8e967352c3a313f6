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
// Photos and documents (issue 14): an item may carry files.  Its entry
// keeps what they are ({key, name, type, size, upload}); the bytes wait in
// a files store (shared/attachments.js: IndexedDB on the family's phone,
// memory for staff) under key "USER:CLIENT_ID:N" until the message is
// acknowledged.  Sending such an item first uploads each file not yet
// uploaded (POST /api/uploads, with progress) and writes the upload's id
// into the entry at once, so a retry after a drop never uploads it again;
// then it sends the message with those ids.  A file store's records that
// no kept outbox names any more (another member's, after held.js deleted
// them) are deleted when an outbox loads.
//
// Events: change {items}, acked {item, message}, failed {item, code},
//         progress {item, file, fraction}, uploaded {item, file, blob, attachment}

import { newClientId } from './protocol.js';
import { upload as uploadFile, permanentUpload } from './attachments.js';

// Refusals that another try would only repeat.  case_closed (issue 16): the
// family's case is closed; the message stays, failed, with its text, and is
// tried again only when the user asks (the case may have been reopened).
const PERMANENT = new Set(['bad_request', 'too_large', 'forbidden', 'not_found', 'unauthorized', 'conflict',
  'unsupported_type', 'file_too_large', 'file_lost', 'case_closed']);

class OutboxError extends Error {
  constructor(code) {
    super(code);
    this.code = code;
  }
}

export class Outbox extends EventTarget {
  constructor(conn, { storage = null, prefix = 'indgang.outbox.', files = null, upload = uploadFile } = {}) {
    super();
    this.conn = conn;
    this.storage = storage;
    this.prefix = prefix;
    this.files = files; // where the files wait (null: in memory only)
    this.upload = upload;
    this.blobs = new Map(); // key -> Blob, this visit's copies
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
    this.prune();
  }

  // Forgets everything of this user on this device (sign-out).
  clear() {
    if (this.storage && this.userId) this.storage.removeItem(this.prefix + this.userId);
    const mine = `${this.userId}:`;
    this.dropFiles((k) => k.startsWith(mine));
    this.items = [];
    this.changed();
  }

  // The keys of files some kept outbox still names.
  named() {
    const keys = new Set();
    const add = (list) => {
      for (const it of Array.isArray(list) ? list : []) for (const f of (it && it.files) || []) keys.add(f.key);
    };
    add(this.items);
    if (this.storage) {
      for (let i = 0; i < this.storage.length; i++) {
        const k = this.storage.key(i);
        if (!k || !k.startsWith(this.prefix) || k === this.prefix + this.userId) continue;
        try {
          add(JSON.parse(this.storage.getItem(k)));
        } catch {
          /* not an outbox */
        }
      }
    }
    return keys;
  }

  // Deletes the stored files nobody names any more.
  async prune() {
    if (!this.files) return;
    const keys = await this.files.keys();
    const named = this.named();
    const gone = keys.filter((k) => !named.has(k));
    if (gone.length) await this.files.delete(gone);
  }

  dropFiles(which) {
    for (const k of [...this.blobs.keys()]) if (which(k)) this.blobs.delete(k);
    if (this.files) this.files.keys().then((keys) => this.files.delete(keys.filter(which)));
  }

  // A file of a waiting message (its preview, its upload); undefined when lost.
  async blobOf(key) {
    if (this.blobs.has(key)) return this.blobs.get(key);
    const b = this.files ? await this.files.get(key) : undefined;
    if (b) this.blobs.set(key, b);
    return b;
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
  // opts.files: [{blob, name, type}] (attachments.js prepareFile), stored
  // before the message may go ('storing' until then).
  add(conv, body, kind = 'text', { no_sms: noSms = false, files = [] } = {}) {
    const item = {
      client_id: newClientId(),
      conv,
      body,
      kind,
      queued_at: new Date().toISOString(),
      state: files.length ? 'storing' : 'queued',
    };
    if (noSms) item.no_sms = true;
    if (files.length) {
      item.files = files.map((f, i) => ({
        key: `${this.userId}:${item.client_id}:${i}`, name: f.name, type: f.type, size: f.blob.size, upload: null,
      }));
      item.files.forEach((f, i) => this.blobs.set(f.key, files[i].blob));
    }
    this.items.push(item);
    this.changed();
    if (!files.length) {
      this.flush();
      return item;
    }
    const kept = this.files ? Promise.all(item.files.map((f, i) => this.files.put(f.key, files[i].blob))) : Promise.resolve();
    kept
      .catch(() => {}) // storage full or refused: sent from memory during this visit
      .then(() => {
        if (item.state === 'storing') item.state = 'queued';
        this.changed();
        this.flush();
      });
    return item;
  }

  // Drops a message the gateway refused (the user chose to discard it).
  discard(clientId) {
    const it = this.items.find((x) => x.client_id === clientId);
    this.items = this.items.filter((x) => x.client_id !== clientId);
    if (it && it.files) this.forgetFiles(it);
    this.changed();
  }

  forgetFiles(item) {
    const keys = new Set(item.files.map((f) => f.key));
    this.dropFiles((k) => keys.has(k));
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
      if (item.files) this.forgetFiles(item);
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
        // In order: a message whose files are still being stored holds back
        // those after it.
        const it = this.items.find((x) => x.state === 'queued' || x.state === 'storing');
        if (!it || it.state === 'storing') return;
        it.state = 'sending';
        this.changed();
        try {
          const attachments = it.files ? await this.uploadFiles(it) : null;
          const ack = await this.conn.send(it.conv, it.body, it.client_id, it.kind, { no_sms: it.no_sms, attachments });
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
          // disconnected, timeout, rate_limited, internal, unavailable, an
          // upload cut off: try again later
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

  // Uploads the item's files not uploaded yet, one at a time, and keeps each
  // upload's id in the entry at once; -> the ids in order.  Throws an
  // OutboxError ('disconnected' and 'network' are tried again later).
  async uploadFiles(it) {
    for (const f of it.files) {
      if (f.upload) continue;
      if (!this.conn.isOpen) throw new OutboxError('disconnected');
      const blob = await this.blobOf(f.key);
      if (!blob) throw new OutboxError('file_lost');
      const progress = (fraction) => {
        f.progress = fraction;
        this.dispatchEvent(new CustomEvent('progress', { detail: { item: it, file: f, fraction } }));
      };
      progress(0);
      let att;
      try {
        att = await this.upload(blob, f.name, { onProgress: (loaded, total) => progress(total ? loaded / total : 0) });
      } catch (e) {
        delete f.progress;
        // Cut off, or the sign-in is ending (the connection says so): later.
        if (e.status === 0 || e.status === 401) throw new OutboxError('network');
        if (permanentUpload(e)) throw new OutboxError(e.code === 'too_large' ? 'file_too_large' : e.code);
        throw new OutboxError(e.code || 'internal'); // 429, 408, 5xx: later
      }
      f.upload = att.id;
      delete f.progress;
      this.persist();
      this.dispatchEvent(new CustomEvent('uploaded', { detail: { item: it, file: f, blob, attachment: att } }));
    }
    return it.files.map((f) => f.upload);
  }
}
