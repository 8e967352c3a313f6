// store.js - what the user may see: conversations, their messages, read
// positions.  Fed by a Connection (welcome, message, receipt); both apps
// render from it.  Messages are kept once per id and sorted by id, which the
// contract makes the canonical order.
//
// Events: convs {} (list or counters changed), message {conv, message, live},
//         receipt {conv, receipt}, history {conv},
//         conversation {conv} (a conversation new to us arrived live: the
//         gateway's `conversation` frame, or the answer to our own create),
//         waiting {conv} (whether it needs an answer changed: staff only),
//         changed {conv, message} (a message corrected or withdrawn by its
//         author, in place; issue 15)
//
// Each conversation also keeps (issue 15) `last`, the newest message the user
// may see ({id, sender, kind, preview, at}, from CONV.last and then from every
// message that comes), and for staff `waiting` ({from, since} or null) and
// `answered` ({by, at, how, upto} or null), as the gateway decides them
// (CONV, then `waiting` frames): a client never guesses them.

import { api } from './api.js';
import { previewOf } from './format.js';

export class Store extends EventTarget {
  constructor(conn) {
    super();
    this.conn = conn;
    this.me = null;
    this.convs = new Map();
    this.activeConv = null; // the conversation on screen (its messages count as read)
    conn.addEventListener('welcome', (e) => this.onWelcome(e.detail));
    conn.addEventListener('message', (e) => this.onMessage(e.detail, true));
    conn.addEventListener('receipt', (e) => this.onReceipt(e.detail));
    conn.addEventListener('conversation', (e) => this.addConv(e.detail));
    conn.addEventListener('waiting', (e) => this.onWaiting(e.detail));
    conn.addEventListener('changed', (e) => this.onChanged(e.detail));
  }

  emit(type, detail = {}) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  reset() {
    this.me = null;
    this.convs.clear();
  }

  // The full list (welcome, GET /api/me): merged in, and what is missing
  // from it is gone (e.g. after a handover).
  mergeConvs(list) {
    const seen = new Set();
    for (const c of list || []) {
      seen.add(c.id);
      this.upsert(c);
    }
    for (const id of [...this.convs.keys()]) if (!seen.has(id)) this.convs.delete(id);
  }

  // One conversation merged in; returns [conv, isNew].
  upsert(c) {
    const old = this.convs.get(c.id);
    if (old) {
      Object.assign(old, {
        family: c.family,
        title: c.title,
        members: c.members,
        last_id: Math.max(old.last_id || 0, c.last_id || 0),
        read_upto: Math.max(old.read_upto || 0, c.read_upto || 0),
        unread: c.unread ?? old.unread,
      });
      // The pair (CONV.primary/secondary, additions to v1): kept when an
      // older outline without them is merged (the phone's saved state).
      if ('primary' in c) old.primary = c.primary;
      if ('secondary' in c) old.secondary = c.secondary;
      // Issue 15, likewise kept when an outline without them is merged.
      if ('last' in c) old.last = newerLast(old.last, c.last);
      if ('waiting' in c) old.waiting = c.waiting ?? null;
      if ('answered' in c) old.answered = c.answered ?? null;
      if ('answer_minutes' in c) old.answer_minutes = c.answer_minutes;
      if ('away' in c) old.away = c.away;
      if ('met_at' in c) old.met_at = c.met_at;
      mergeReads(old, c.reads);
      return [old, false];
    }
    const conv = {
      ...c,
      last: c.last ?? null,
      waiting: c.waiting ?? null,
      answered: c.answered ?? null,
      last_id: c.last_id || 0,
      read_upto: c.read_upto || 0,
      unread: c.unread || 0,
      messages: new Map(),
      sorted: null,
      oldest: 0,
      more: true,
      loaded: false,
      reads: new Map(),
    };
    mergeReads(conv, c.reads);
    this.convs.set(c.id, conv);
    return [conv, true];
  }

  // A single conversation that has just come into being (the gateway's
  // `conversation` frame, or the answer to POST /api/conversations).  Emits
  // `conversation` the first time it is seen, so a view can say so.
  addConv(c) {
    if (!c || typeof c.id !== 'number' || !this.me) return null;
    const [conv, isNew] = this.upsert(c);
    if (isNew) conv.isNew = true; // "new" until opened; the views clear it
    this.emit('convs');
    if (isNew) this.emit('conversation', { conv });
    return conv;
  }

  onWelcome(f) {
    if (!this.me || this.me.id !== f.user.id) this.convs.clear();
    this.me = f.user;
    this.mergeConvs(f.conversations);
    this.emit('convs');
  }

  async refreshConvs() {
    try {
      const r = await api.me();
      this.mergeConvs(r.conversations);
      this.emit('convs');
    } catch {
      /* shown by the connection state */
    }
  }

  // Messages kept on the device (family/cache.js), shown until the first
  // history page comes; that page replaces them (loadOlder).
  seed(convId, messages) {
    const conv = this.convs.get(convId);
    if (!conv || conv.loaded) return false;
    for (const m of messages) if (this.add(conv, { ...m, cached: true })) conv.seeded = true;
    return !!conv.seeded;
  }

  add(conv, m) {
    if (conv.messages.has(m.id)) return false;
    conv.messages.set(m.id, m);
    conv.sorted = null;
    if (!conv.oldest || m.id < conv.oldest) conv.oldest = m.id;
    return true;
  }

  async onMessage(m, live) {
    let conv = this.convs.get(m.conv);
    if (!conv) {
      // A conversation we did not know (created after our welcome).
      await this.refreshConvs();
      conv = this.convs.get(m.conv);
      if (!conv) return;
    }
    const fresh = m.id > conv.last_id;
    if (fresh) conv.last_id = m.id;
    noteLast(conv, m);
    // Kept even before the first history page has come: a message pushed
    // while that request is under way may be missing from its answer.
    this.add(conv, m);
    const mine = this.me && m.sender && m.sender.id === this.me.id;
    if (!mine && m.id > conv.read_upto && fresh) conv.unread += 1;
    this.emit('message', { conv, message: m, live });
    this.emit('convs');
  }

  onReceipt(r) {
    const conv = this.convs.get(r.conv);
    if (!conv || !r.user) return;
    const prev = conv.reads.get(r.user.id);
    if (!prev || r.upto >= prev.upto) conv.reads.set(r.user.id, { user: r.user, upto: r.upto, at: r.at });
    if (this.me && r.user.id === this.me.id) {
      conv.read_upto = Math.max(conv.read_upto, r.upto);
      conv.unread = this.countUnread(conv);
      this.emit('convs');
    }
    this.emit('receipt', { conv, receipt: r });
  }

  // The `changed` frame (issue 15): a message its author corrected or
  // withdrew, as it is now; it takes the old one's place (a message not held
  // here is left for the next history page to bring).
  onChanged(f) {
    const m = f && f.message;
    const conv = m && this.convs.get(m.conv);
    if (!conv || !conv.messages.has(m.id)) return;
    conv.messages.set(m.id, m);
    conv.sorted = null;
    if (conv.last && conv.last.id === m.id) conv.last = { ...conv.last, preview: previewOf(m.body) };
    this.emit('changed', { conv, message: m });
    this.emit('convs');
  }

  // The `waiting` frame (staff only; also the reply to our own `handled`):
  // the gateway's word on whether the conversation needs an answer.
  onWaiting(f) {
    const conv = f && this.convs.get(f.conv);
    if (!conv) return;
    conv.waiting = f.waiting ?? null;
    if ('answered' in f) conv.answered = f.answered ?? null;
    this.emit('waiting', { conv });
    this.emit('convs');
  }

  countUnread(conv) {
    if (conv.read_upto >= conv.last_id) return 0;
    if (!conv.loaded) return conv.unread;
    let n = 0;
    for (const m of conv.messages.values())
      if (m.id > conv.read_upto && (!this.me || m.sender.id !== this.me.id)) n += 1;
    return n;
  }

  sorted(conv) {
    if (!conv.sorted) conv.sorted = [...conv.messages.values()].sort((a, b) => a.id - b.id);
    return conv.sorted;
  }

  // Loads the newest page (first time) or the page before the oldest loaded.
  async loadOlder(convId, limit = 50) {
    const conv = this.convs.get(convId);
    if (!conv) return;
    // The first page is the newest (no `before`), whatever live messages
    // came already; later pages go back from the oldest we hold.
    const before = conv.loaded ? conv.oldest : 0;
    if (conv.loaded && !conv.more) return;
    const r = await this.conn.history(convId, before || undefined, limit);
    if (!conv.loaded && conv.seeded) dropSeeded(conv);
    for (const m of r.messages || []) {
      this.add(conv, m);
      noteLast(conv, m);
    }
    conv.more = !!r.more;
    conv.loaded = true;
    this.emit('history', { conv });
  }

  // Marks the conversation read up to its newest message, when there is news.
  markRead(convId) {
    const conv = this.convs.get(convId);
    if (!conv || !this.conn.isOpen) return;
    if (conv.last_id <= conv.read_upto) return;
    this.conn.read(convId, conv.last_id).catch(() => {});
  }

  // Users (other than me) who have read message m, with when.
  readersOf(conv, m) {
    const out = [];
    for (const r of conv.reads.values()) {
      if (this.me && r.user.id === this.me.id) continue;
      if (r.user.id === m.sender.id) continue;
      if (r.upto >= m.id) out.push(r);
    }
    return out;
  }
}

// CONV.reads = [{user, upto, at}] (an addition to v1): how far each listed
// member has read, so "read by" is known after a reload and not only from
// live receipts.  A position only moves forward (a live receipt may be newer
// than the list it races with).
function mergeReads(conv, reads) {
  if (!Array.isArray(reads)) return;
  for (const r of reads) {
    if (!r || !r.user || typeof r.upto !== 'number') continue;
    const prev = conv.reads.get(r.user.id);
    if (!prev || r.upto >= prev.upto) conv.reads.set(r.user.id, r);
  }
}

// CONV.last: the newer of two (by id: ids grow in commit order).  An
// outline without one keeps what we have.
function newerLast(a, b) {
  if (!b) return a ?? null;
  return !a || b.id >= a.id ? b : a;
}

// A message that came (live, sync, ack, history) is the conversation's last
// when it is newer than the one we know: its preview made as the gateway
// makes it, so the caseload need not ask.
function noteLast(conv, m) {
  if (!m || typeof m.id !== 'number' || (conv.last && conv.last.id >= m.id)) return;
  conv.last = { id: m.id, sender: m.sender, kind: m.kind, preview: previewOf(m.body), at: m.created_at };
}

// The first history page replaces what the device had kept: a kept message
// older than the page would leave the messages between them unloaded (the
// next page goes back from the oldest held), and one the page has is the
// page's.  Messages that came live meanwhile stay.
function dropSeeded(conv) {
  for (const m of [...conv.messages.values()]) if (m.cached) conv.messages.delete(m.id);
  conv.seeded = false;
  conv.sorted = null;
  conv.oldest = 0;
  for (const id of conv.messages.keys()) if (!conv.oldest || id < conv.oldest) conv.oldest = id;
}
