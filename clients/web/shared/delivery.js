// delivery.js - how far messages got, beyond "stored".
//
// trackDelivered(conn, store): this device tells the gateway which messages
// it has, per conversation ({"type":"delivered","conv":C,"upto":ID}):
// whatever came in as a live message, an ack, a sync page or a history page.
// At most one frame per conversation a second, with the highest id (the
// first at once, the rest of a burst a second later), each with a ref so
// the answer confirms it; one that got no answer (a dropped connection) is
// said again after the next welcome.  Both apps do this: for a family
// member it becomes "Leveret til Mettes telefon 20.11" under the advisers'
// messages.
//
// Deliveries: the family members' positions the gateway reports to staff,
// from CONV.deliveries (welcome, `conversation` frames) and live `delivery`
// frames; a position only moves forward.  Event: change {conv}.
//
// reachOf(conv, m, deliveries): for each family member taking part in
// conv, whether message m was delivered to one of their devices, notified
// (a push service took a notification), and read (CONV.reads, receipts).

export function trackDelivered(conn, store, { every = 1000 } = {}) {
  const convs = new Map(); // conv id -> {high, asked, ok, at, timer}

  const entry = (id) => {
    let c = convs.get(id);
    if (!c) {
      c = { high: 0, asked: 0, ok: 0, at: -Infinity, timer: null };
      convs.set(id, c);
    }
    return c;
  };

  const flush = (id) => {
    const c = entry(id);
    c.timer = null;
    if (c.high <= c.asked || !conn.isOpen) return; // said, or said after the next welcome
    const upto = c.high;
    c.asked = upto;
    c.at = Date.now();
    conn.request({ type: 'delivered', conv: id, upto }).then(
      () => {
        c.ok = Math.max(c.ok, upto);
      },
      (e) => {
        // Gone or not ours: nothing to say.  Otherwise say it again later.
        if (e && (e.code === 'forbidden' || e.code === 'not_found' || e.code === 'bad_request')) return;
        if (c.asked === upto) c.asked = c.ok;
        if (e && e.code === 'rate_limited') schedule(id);
      },
    );
  };

  const schedule = (id) => {
    const c = entry(id);
    if (c.timer || c.high <= c.asked) return;
    const wait = Math.max(0, c.at + every - Date.now());
    if (wait === 0) flush(id);
    else c.timer = setTimeout(() => flush(id), wait);
  };

  const bump = (id, upto) => {
    if (!Number.isInteger(id) || !Number.isInteger(upto) || upto <= 0) return;
    const c = entry(id);
    if (upto <= c.high) return;
    c.high = upto;
    schedule(id);
  };

  conn.addEventListener('message', (e) => bump(e.detail && e.detail.conv, e.detail && e.detail.id));
  store.addEventListener('history', (e) => {
    const conv = e.detail.conv;
    const last = store.sorted(conv).at(-1);
    if (last) bump(conv.id, last.id);
  });
  conn.addEventListener('welcome', () => {
    for (const id of convs.keys()) schedule(id);
  });
}

export class Deliveries extends EventTarget {
  constructor(conn) {
    super();
    this.byConv = new Map(); // conv id -> Map(user id -> {user, delivered, notified})
    if (!conn) return;
    conn.addEventListener('welcome', (e) => {
      for (const c of e.detail.conversations || []) this.merge(c.id, c.deliveries);
    });
    conn.addEventListener('conversation', (e) => this.merge(e.detail.id, e.detail.deliveries));
    conn.addEventListener('delivery', (e) => this.merge(e.detail.conv, [e.detail]));
  }

  of(convId) {
    return this.byConv.get(convId) || new Map();
  }

  // Merges [{user, delivered, notified}] into conv; each position only
  // moves forward.  Emits change when something moved.
  merge(convId, list) {
    if (!Number.isInteger(convId) || !Array.isArray(list)) return;
    let map = this.byConv.get(convId);
    if (!map) {
      map = new Map();
      this.byConv.set(convId, map);
    }
    let moved = false;
    for (const d of list) {
      if (!d || !d.user || typeof d.user.id !== 'number') continue;
      const prev = map.get(d.user.id) || { user: d.user, delivered: null, notified: null };
      const next = {
        user: d.user,
        delivered: forward(prev.delivered, d.delivered),
        notified: forward(prev.notified, d.notified),
      };
      if (next.delivered !== prev.delivered || next.notified !== prev.notified || !map.has(d.user.id)) moved = true;
      map.set(d.user.id, next);
    }
    if (moved) this.dispatchEvent(new CustomEvent('change', { detail: { conv: convId } }));
  }
}

function forward(prev, next) {
  if (!next || typeof next.upto !== 'number') return prev;
  if (prev && prev.upto >= next.upto) return prev;
  return next;
}

export function reachOf(conv, m, deliveries) {
  const pos = deliveries ? deliveries.of(conv.id) : new Map();
  const reads = conv.reads || new Map();
  return (conv.members || [])
    .filter((u) => u.role === 'family')
    .sort((a, b) => a.id - b.id)
    .map((u) => {
      const d = pos.get(u.id);
      const r = reads.get(u.id);
      const reached = (x) => (x && x.upto >= m.id ? x : null);
      return {
        user: u,
        delivered: reached(d && d.delivered),
        notified: reached(d && d.notified),
        read: reached(r),
      };
    });
}
