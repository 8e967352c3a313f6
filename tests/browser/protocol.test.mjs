// protocol.test.mjs - the shared protocol client and outbox (clients/web/shared)
// against a scripted fake gateway, in Node: reconnect with backoff, sync from
// the last id without gaps or duplicates, resends with the same client_id,
// fatal close codes, the `viewing` frame (once per change, again after a
// reconnect), the `delivered` frame (coalesced, confirmed, said again after a
// drop) and the family members' positions (forward only), the store's use of the gateway's additions (the
// `conversation` frame; CONV.primary/secondary/reads), and quiet hours in
// Danish time.  No browser, no gateway: fast and exact.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { WEB } from './lib/harness.mjs';

const { Connection, backoffDelay } = await import(pathToFileURL(path.join(WEB, 'shared', 'protocol.js')));
const { Outbox } = await import(pathToFileURL(path.join(WEB, 'shared', 'outbox.js')));
const { Store } = await import(pathToFileURL(path.join(WEB, 'shared', 'store.js')));
const { quietNow, danishTime } = await import(pathToFileURL(path.join(WEB, 'shared', 'quiet.js')));
const { trackDelivered, Deliveries, reachOf } = await import(pathToFileURL(path.join(WEB, 'shared', 'delivery.js')));

// A fake WebSocket whose "server" side is the test.
function fakeServer() {
  const sockets = [];
  const waiters = [];
  class FakeWS {
    constructor(url, proto) {
      this.url = url;
      this.protocol = proto;
      this.readyState = 0;
      this.sent = [];
      sockets.push(this);
      setTimeout(() => {
        this.readyState = 1;
        this.onopen && this.onopen();
      }, 0);
    }
    send(data) {
      const f = JSON.parse(data);
      this.sent.push(f);
      for (const w of [...waiters]) {
        if (w.pred(f, this)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve({ f, ws: this });
        }
      }
    }
    close() {
      this.readyState = 3;
    }
    // server side
    push(frame) {
      this.onmessage && this.onmessage({ data: JSON.stringify(frame) });
    }
    drop(code = 1006) {
      this.readyState = 3;
      this.onclose && this.onclose({ code, reason: '' });
    }
  }
  return {
    FakeWS,
    sockets,
    // Resolves with the next client frame matching pred (also one already sent).
    next(pred) {
      for (const ws of sockets) {
        const f = ws.sent.find((x) => !x._taken && pred(x, ws));
        if (f) {
          f._taken = true;
          return Promise.resolve({ f, ws });
        }
      }
      return new Promise((resolve) => waiters.push({ pred: (f, ws) => (pred(f, ws) ? ((f._taken = true), true) : false), resolve }));
    },
    async opened() {
      for (let i = 0; i < 200; i++) {
        const ws = sockets.at(-1);
        if (ws && ws.readyState === 1) return ws;
        await new Promise((r) => setTimeout(r, 5));
      }
      throw new Error('no socket opened');
    },
  };
}

const ME = { id: 5, name: 'Mette Hansen', role: 'family' };
const ANNA = { id: 2, name: 'Anna Jensen', role: 'adviser' };
const msg = (id, sender = ANNA, extra = {}) => ({
  id, conv: 1, family: 1, sender, kind: 'text', body: `m${id}`, client_id: `c${id}`, created_at: '2026-11-23T10:00:00.000Z', ...extra,
});
const welcome = (lastId) => ({ type: 'welcome', user: ME, server_time: '2026-11-23T10:00:00.000Z', last_id: lastId, conversations: [] });
const until = async (cond, what) => {
  for (let i = 0; i < 400; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
};

test('backoff grows exponentially with jitter and a cap', () => {
  for (let a = 0; a < 12; a++) {
    const step = Math.min(30000, 1000 * 2 ** a);
    assert.equal(backoffDelay(a, { random: () => 0 }), step / 2);
    assert.equal(backoffDelay(a, { random: () => 0.999999 }), Math.round(step / 2 + 0.999999 * (step / 2)));
    const d = backoffDelay(a);
    assert.ok(d >= step / 2 && d <= step, `attempt ${a}: ${d} within [${step / 2}, ${step}]`);
  }
});

test('reconnect, then sync from the last id: nothing missed, nothing twice', async () => {
  const srv = fakeServer();
  const conn = new Connection({ url: 'wss://x/ws', WebSocketImpl: srv.FakeWS, backoff: { base: 5, max: 20 } });
  const got = [];
  conn.addEventListener('message', (e) => got.push(e.detail.id));
  let synced = 0;
  conn.addEventListener('synced', () => synced++);
  conn.start();
  let ws = await srv.opened();
  assert.equal(ws.protocol, 'indgang.v1');
  ws.push(welcome(5)); // everything up to 5 is history
  await until(() => synced === 1, 'first synced');
  ws.push({ type: 'message', message: msg(6) });
  ws.push({ type: 'message', message: msg(7) });
  assert.deepEqual(got, [6, 7]);
  ws.drop(1006);
  assert.equal(conn.state, 'waiting');
  ws = await srv.opened();
  assert.equal(srv.sockets.length, 2, 'one new connection');
  ws.push(welcome(10));
  let { f } = await srv.next((x) => x.type === 'sync');
  assert.equal(f.after, 7, 'sync starts after the last id seen');
  ws.push({ type: 'message', message: msg(9) }); // a push racing the sync
  ws.push({ type: 'messages', ref: f.ref, messages: [msg(8), msg(9)], more: true });
  ({ f } = await srv.next((x) => x.type === 'sync'));
  assert.equal(f.after, 9, 'the next page starts after the last one returned');
  ws.push({ type: 'messages', ref: f.ref, messages: [msg(10)], more: false });
  await until(() => synced === 2, 'second synced');
  assert.deepEqual(got.slice().sort((a, b) => a - b), [6, 7, 8, 9, 10], 'each message once');
  assert.equal(conn.lastId, 10);
  conn.stop();
});

test('outbox: offline message goes out after reconnect, same client_id on every retry, acked once', async () => {
  const srv = fakeServer();
  const conn = new Connection({ url: 'wss://x/ws', WebSocketImpl: srv.FakeWS, backoff: { base: 5, max: 20 } });
  const store = new Map();
  const storage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v), removeItem: (k) => store.delete(k) };
  const outbox = new Outbox(conn, { storage });
  outbox.load(ME.id);
  const acked = [];
  outbox.addEventListener('acked', (e) => acked.push(e.detail.message.id));
  const item = outbox.add(1, 'Hej fra bussen'); // not connected yet: waits
  assert.equal(outbox.items.length, 1);
  assert.ok(store.get('indgang.outbox.5').includes('Hej fra bussen'), 'kept in storage while waiting');
  conn.start();
  let ws = await srv.opened();
  ws.push(welcome(3));
  const first = await srv.next((x) => x.type === 'send');
  assert.equal(first.f.client_id, item.client_id);
  assert.equal(first.f.body, 'Hej fra bussen');
  ws.drop(1006); // the ack is lost with the connection
  ws = await srv.opened();
  ws.push(welcome(4));
  const sync = await srv.next((x) => x.type === 'sync');
  ws.push({ type: 'messages', ref: sync.f.ref, messages: [], more: false });
  const second = await srv.next((x) => x.type === 'send');
  assert.equal(second.f.client_id, item.client_id, 'the retry carries the same client_id');
  ws.push({ type: 'ack', ref: second.f.ref, client_id: item.client_id, message: msg(4, ME, { client_id: item.client_id, body: 'Hej fra bussen' }) });
  await until(() => acked.length === 1, 'ack');
  assert.equal(outbox.items.length, 0);
  assert.equal(store.has('indgang.outbox.5'), false, 'storage emptied once acked');
  conn.stop();
});

test('outbox: a message found by sync counts as acked (no resend)', async () => {
  const srv = fakeServer();
  const conn = new Connection({ url: 'wss://x/ws', WebSocketImpl: srv.FakeWS, backoff: { base: 5, max: 20 } });
  const outbox = new Outbox(conn);
  outbox.load(ME.id);
  conn.start();
  let ws = await srv.opened();
  ws.push(welcome(1));
  await until(() => conn.isOpen, 'open');
  const item = outbox.add(1, 'Tak');
  await srv.next((x) => x.type === 'send');
  ws.drop(1006);
  ws = await srv.opened();
  ws.push(welcome(2));
  const sync = await srv.next((x) => x.type === 'sync');
  ws.push({ type: 'messages', ref: sync.f.ref, messages: [msg(2, ME, { client_id: item.client_id, body: 'Tak' })], more: false });
  await until(() => outbox.items.length === 0, 'acked by sync');
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(ws.sent.filter((x) => x.type === 'send').length, 0, 'not sent again');
  conn.stop();
});

test('4401 and 4403 are final: no reconnect, a fatal event', async () => {
  for (const code of [4401, 4403]) {
    const srv = fakeServer();
    const conn = new Connection({ url: 'wss://x/ws', WebSocketImpl: srv.FakeWS, backoff: { base: 5, max: 20 } });
    let fatal = null;
    conn.addEventListener('fatal', (e) => (fatal = e.detail.code));
    conn.start();
    const ws = await srv.opened();
    ws.push(welcome(0));
    ws.drop(code);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(fatal, code);
    assert.equal(srv.sockets.length, 1, `no reconnect after ${code}`);
    assert.equal(conn.state, 'closed');
  }
});

test('replies are matched by ref; an error reply rejects with its code', async () => {
  const srv = fakeServer();
  const conn = new Connection({ url: 'wss://x/ws', WebSocketImpl: srv.FakeWS });
  conn.start();
  const ws = await srv.opened();
  ws.push(welcome(0));
  await until(() => conn.isOpen, 'open');
  const a = conn.request({ type: 'ping' });
  const b = conn.send(1, 'x', 'k1', 'note');
  const pa = await srv.next((x) => x.type === 'ping');
  const pb = await srv.next((x) => x.type === 'send');
  assert.notEqual(pa.f.ref, pb.f.ref);
  ws.push({ type: 'error', ref: pb.f.ref, code: 'forbidden', message: 'no' });
  ws.push({ type: 'pong', ref: pa.f.ref });
  assert.equal((await a).type, 'pong');
  await assert.rejects(b, (e) => e.code === 'forbidden');
  conn.stop();
});

test('store: CONV.primary and CONV.reads survive a saved outline; the conversation frame adds once', async () => {
  const srv = fakeServer();
  const conn = new Connection({ url: 'wss://x/ws', WebSocketImpl: srv.FakeWS });
  const store = new Store(conn);
  const BO = { id: 3, name: 'Bo Nielsen', role: 'adviser' };
  const fam = { id: 1, name: 'Familien Hansen' };
  const members = [ANNA, BO, ME];
  // The phone opens from its saved outline (no primary, no reads) ...
  store.me = ME;
  store.mergeConvs([{ id: 1, family: fam, title: fam.name, members, last_id: 9, read_upto: 9, unread: 0 }]);
  const news = [];
  store.addEventListener('conversation', (e) => news.push(e.detail.conv.id));
  conn.start();
  const ws = await srv.opened();
  // ... then the welcome brings the pair and the read positions.
  const reads = [{ user: ANNA, upto: 9, at: '2026-11-23T10:05:00.000Z' }, { user: ME, upto: 9, at: '2026-11-23T10:01:00.000Z' }];
  ws.push({ ...welcome(9), conversations: [{ id: 1, family: fam, title: fam.name, members, primary: 2, secondary: 3, reads, last_id: 9, read_upto: 9, unread: 0 }] });
  await until(() => conn.isOpen, 'open');
  const c1 = store.convs.get(1);
  assert.equal(c1.primary, 2);
  assert.equal(c1.secondary, 3);
  assert.deepEqual(store.readersOf(c1, msg(9, ME)).map((r) => r.user.name), ['Anna Jensen'], 'read by Anna, known without a receipt');
  assert.deepEqual(store.readersOf(c1, msg(9, ANNA)), [], 'not by herself, and never me');
  // A live receipt moves Bo forward; an older list does not move him back.
  ws.push({ type: 'receipt', conv: 1, user: BO, upto: 12, at: '2026-11-23T10:09:00.000Z' });
  store.mergeConvs([{ id: 1, family: fam, title: fam.name, members, primary: 2, secondary: 3, reads: [{ user: BO, upto: 4, at: '2026-11-23T09:00:00.000Z' }], last_id: 9, read_upto: 9, unread: 0 }]);
  assert.equal(c1.reads.get(BO.id).upto, 12);
  // A new conversation: added to the list (nothing else removed), announced once.
  const conv2 = { id: 2, family: fam, title: 'Jonas – egen tråd', members: [ANNA, BO], primary: 2, secondary: 3, reads: [], last_id: 0, read_upto: 0, unread: 0 };
  ws.push({ type: 'conversation', conversation: conv2 });
  ws.push({ type: 'conversation', conversation: conv2 });
  assert.deepEqual([...store.convs.keys()], [1, 2]);
  assert.deepEqual(news, [2]);
  assert.equal(store.convs.get(2).isNew, true);
  assert.equal(store.convs.get(2).loaded, false);
  conn.stop();
});

test('viewing: sent once per change while open, kept while closed, sent again after a reconnect', async () => {
  const srv = fakeServer();
  const conn = new Connection({ url: 'wss://x/ws', WebSocketImpl: srv.FakeWS, backoff: { base: 5, max: 20 } });
  conn.setViewing(7); // before the connection: remembered, not sent
  conn.start();
  let ws = await srv.opened();
  assert.deepEqual(ws.sent, [], 'nothing before the welcome');
  ws.push(welcome(0));
  await until(() => conn.isOpen, 'open');
  assert.deepEqual(ws.sent.filter((f) => f.type === 'viewing'), [{ type: 'viewing', conv: 7 }], 'the current state after the welcome');
  conn.setViewing(7);
  conn.setViewing(0);
  conn.setViewing(0);
  conn.setViewing(8);
  const seen = (s) => s.sent.filter((f) => f.type === 'viewing').map((f) => f.conv);
  assert.deepEqual(seen(ws), [7, 0, 8], 'one frame per change, no ref (no answer wanted)');
  assert.ok(ws.sent.filter((f) => f.type === 'viewing').every((f) => !('ref' in f)));
  ws.drop(1006);
  conn.setViewing(9); // while away: kept
  ws = await srv.opened();
  ws.push(welcome(0));
  await until(() => seen(ws).length === 1, 'viewing re-sent');
  assert.deepEqual(seen(ws), [9], 'a new connection starts at 0 on the gateway: the state is said again');
  conn.setViewing(0);
  ws.drop(1006);
  ws = await srv.opened();
  ws.push(welcome(0));
  const sync = await srv.next((x) => x.type === 'sync');
  ws.push({ type: 'messages', ref: sync.f.ref, messages: [], more: false });
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(seen(ws), [], '0 is what a new connection means anyway: nothing sent');
  conn.stop();
});

test('quiet hours: in force now in Danish time, wrapping midnight, and when they end', () => {
  const at = (iso) => new Date(iso);
  const night = { from: '21:00', to: '07:00' };
  // Winter: Copenhagen is UTC+1.  22:30 there is 21:30Z.
  assert.deepEqual(quietNow(night, at('2026-01-15T21:30:00Z')), { quiet: true, until: '07:00' });
  assert.deepEqual(quietNow(night, at('2026-01-15T05:59:00Z')), { quiet: true, until: '07:00' }, '06:59 local');
  assert.deepEqual(quietNow(night, at('2026-01-15T06:00:00Z')), { quiet: false, until: null }, '07:00 local: over');
  assert.deepEqual(quietNow(night, at('2026-01-15T19:59:00Z')), { quiet: false, until: null }, '20:59 local');
  assert.deepEqual(quietNow(night, at('2026-01-15T20:00:00Z')), { quiet: true, until: '07:00' }, '21:00 local: begun');
  // Summer: UTC+2.  21:30 local is 19:30Z.
  assert.deepEqual(quietNow(night, at('2026-07-15T19:30:00Z')), { quiet: true, until: '07:00' });
  assert.deepEqual(quietNow(night, at('2026-07-15T18:30:00Z')), { quiet: false, until: null });
  // Within one day, and none at all.
  assert.deepEqual(quietNow({ from: '12:00', to: '13:30' }, at('2026-01-15T11:15:00Z')), { quiet: true, until: '13:30' });
  assert.deepEqual(quietNow({ from: '12:00', to: '13:30' }, at('2026-01-15T12:30:00Z')), { quiet: false, until: null });
  assert.deepEqual(quietNow({ from: '08:00', to: '08:00' }, at('2026-01-15T07:00:00Z')), { quiet: false, until: null }, 'equal: none');
  assert.deepEqual(quietNow(null, at('2026-01-15T21:30:00Z')), { quiet: false, until: null });
  assert.equal(danishTime('07:00'), '07.00');
  assert.equal(danishTime('21:30'), '21.30');
});

test('delivered: at once, then at most one a second per conversation with the highest id; said again after a drop', async () => {
  const srv = fakeServer();
  const conn = new Connection({ url: 'wss://x/ws', WebSocketImpl: srv.FakeWS, backoff: { base: 5, max: 20 } });
  const store = new Store(conn);
  trackDelivered(conn, store, { every: 200 });
  conn.start();
  let ws = await srv.opened();
  ws.push(welcome(5));
  await until(() => conn.isOpen, 'open');
  const said = (s) => s.sent.filter((f) => f.type === 'delivered').map((f) => [f.conv, f.upto]);
  ws.push({ type: 'message', message: msg(6) });
  assert.deepEqual(said(ws), [[1, 6]], 'the first at once');
  ws.push({ type: 'message', message: msg(7) });
  ws.push({ type: 'message', message: msg(8) });
  ws.push({ type: 'message', message: msg(20, ANNA, { conv: 2 }) });
  assert.deepEqual(said(ws), [[1, 6], [2, 20]], 'conversation 1 waits; another conversation is its own');
  await until(() => said(ws).length === 3, 'the rest of the burst');
  assert.deepEqual(said(ws)[2], [1, 8], 'one frame, the highest id');
  const frames = ws.sent.filter((f) => f.type === 'delivered');
  assert.ok(frames.every((f) => typeof f.ref === 'string'), 'with a ref: the answer confirms it');
  for (const f of frames) ws.push({ type: 'delivery', ref: f.ref, conv: f.conv, user: ME, delivered: { upto: f.upto, at: '2026-11-23T10:00:00.000Z', device: null }, notified: null });
  ws.push({ type: 'message', message: msg(7) }); // lower, already said: nothing
  await new Promise((r) => setTimeout(r, 250));
  assert.equal(said(ws).length, 3);
  // A frame lost with the connection is said again after the next welcome.
  ws.push({ type: 'message', message: msg(9) });
  await until(() => said(ws).length === 4, 'conversation 1 up to 9');
  ws.drop(1006); // no answer came
  ws = await srv.opened();
  const fam = { id: 1, name: 'Familien Hansen' };
  ws.push({ ...welcome(9), conversations: [{ id: 3, family: fam, title: 'Egen tråd', members: [ANNA, ME], last_id: 31, read_upto: 0, unread: 2 }] });
  const sync = await srv.next((x) => x.type === 'sync');
  ws.push({ type: 'messages', ref: sync.f.ref, messages: [], more: false });
  await until(() => said(ws).length === 1, 'said again');
  assert.deepEqual(said(ws), [[1, 9]]);
  // A history page counts too: this device has those messages now.
  const older = store.loadOlder(3);
  const hist = await srv.next((x) => x.type === 'history');
  ws.push({ type: 'messages', ref: hist.f.ref, messages: [msg(30, ANNA, { conv: 3 }), msg(31, ANNA, { conv: 3 })], more: false });
  await older;
  await until(() => said(ws).length === 2, 'history said');
  assert.deepEqual(said(ws)[1], [3, 31]);
  conn.stop();
});

test('deliveries: from the welcome and delivery frames, forward only; reachOf per family member', async () => {
  const srv = fakeServer();
  const conn = new Connection({ url: 'wss://x/ws', WebSocketImpl: srv.FakeWS });
  const store = new Store(conn);
  const deliveries = new Deliveries(conn);
  const changes = [];
  deliveries.addEventListener('change', (e) => changes.push(e.detail.conv));
  const JONAS = { id: 6, name: 'Jonas Hansen', role: 'family' };
  const fam = { id: 1, name: 'Familien Hansen' };
  const at = (hm) => `2026-11-23T${hm}:00.000Z`;
  conn.start();
  const ws = await srv.opened();
  ws.push({
    ...welcome(9),
    user: ANNA,
    conversations: [{
      id: 1, family: fam, title: fam.name, members: [ANNA, JONAS, ME], last_id: 9, read_upto: 9, unread: 0,
      reads: [{ user: ME, upto: 7, at: at('10:15') }],
      deliveries: [{ user: ME, delivered: { upto: 8, at: at('10:11'), device: 'Android-telefon' }, notified: { upto: 9, at: at('10:12') } }],
    }],
  });
  await until(() => conn.isOpen, 'open');
  const c1 = store.convs.get(1);
  const reach = (id) => reachOf(c1, msg(id), deliveries).map((r) => [r.user.name, !!r.delivered, !!r.notified, !!r.read]);
  assert.deepEqual(reach(7), [['Mette Hansen', true, true, true], ['Jonas Hansen', false, false, false]], 'family members only, by id');
  assert.deepEqual(reach(8), [['Mette Hansen', true, true, false], ['Jonas Hansen', false, false, false]]);
  assert.deepEqual(reach(9), [['Mette Hansen', false, true, false], ['Jonas Hansen', false, false, false]]);
  assert.equal(reachOf(c1, msg(8), deliveries)[0].delivered.device, 'Android-telefon');
  // A live frame moves Mette on; an older one does not move her back.
  ws.push({ type: 'delivery', conv: 1, user: ME, delivered: { upto: 9, at: at('10:20'), device: 'Android-telefon' }, notified: null });
  ws.push({ type: 'delivery', conv: 1, user: ME, delivered: { upto: 4, at: at('09:00'), device: 'iPhone' }, notified: { upto: 3, at: at('09:00') } });
  assert.deepEqual(reach(9), [['Mette Hansen', true, true, false], ['Jonas Hansen', false, false, false]]);
  assert.equal(deliveries.of(1).get(ME.id).delivered.at, at('10:20'));
  assert.equal(deliveries.of(1).get(ME.id).notified.upto, 9);
  assert.deepEqual(changes, [1, 1], 'a change for the welcome and for the rise, none for the older frame');
  conn.stop();
});
