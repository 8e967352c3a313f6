#!/usr/bin/env node
// node-load.mjs - a second load client for the gateway, in Node with only its
// built-in modules (a small WebSocket client over `tls`): one process, F
// families, each with its member's connection and its own two advisers'
// connections (3F connections), W messages in flight per family.  A message
// counts when it is acked to its sender AND has arrived at both advisers;
// then the family sends its next one (closed loop).  Prints msg/s; never
// asserts a timing.
//
// It provisions its own world on the gateway's database: an import document
// through `indgang-admin import` (one team of two advisers per family), then
// POST /api/login for the advisers and POST /api/enrol for the members.
//
// Usage: node clients/bench/node-load.mjs --port PORT --ca CA.pem
//          --admin indgang-admin --db DB [--families 100] [--window 4]
//          [--duration 10] [--warmup 2] [--body 200] [--json FILE]
//          [--receipts 1]   (advisers also mark each message read, as the staff
//                            client does for the open conversation)
//          [--history R]    (R pages of history per second in all, from advisers
//                            opening their family's conversation: reads)
// The gateway must allow the rate (run it with --ws-rate 100000 and
// --connections-per-address 65535, as clients/bench/run.sh and
// clients/bench/node-run.sh do).
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

const opt = {
  host: '127.0.0.1', port: 0, ca: '', admin: '', db: '', families: 100, window: 4,
  duration: 10, warmup: 2, body: 200, json: '', receipts: 0, history: 0,
};
for (let i = 2; i < process.argv.length; i++) {
  const k = process.argv[i].replace(/^--/, '');
  if (!(k in opt) || i + 1 >= process.argv.length) {
    console.error(`node-load.mjs: unknown or incomplete option ${process.argv[i]}`);
    console.error(fs.readFileSync(new URL(import.meta.url)).toString().split('\n')
      .slice(1, 23).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
    process.exit(2);
  }
  const v = process.argv[++i];
  opt[k] = typeof opt[k] === 'number' ? Number(v) : v;
}
if (!opt.port || !opt.ca || !opt.admin || !opt.db) {
  console.error('node-load.mjs: --port, --ca, --admin and --db are required');
  process.exit(2);
}
const ca = fs.readFileSync(opt.ca);
const now = () => Number(process.hrtime.bigint() / 1000n) / 1e6; // seconds
const log = (s) => console.error(`node-load: ${s}`);

// ---- The world -------------------------------------------------------------------
function provision(F) {
  const tag = `n${Date.now() % 1000000}-${process.pid}`;
  const password = `bench-password-${tag}`;
  const teams = [], families = [];
  for (let i = 0; i < F; i++) {
    const staff = [0, 1].map((k) => ({
      username: `${tag}-a${2 * i + k}`, name: `Adviser ${2 * i + k} ${tag}`, password,
    }));
    teams.push({ name: `Team ${tag}-${i}`, staff });
    families.push({
      name: `Familie ${tag}-${i}`, team: `Team ${tag}-${i}`, primary: staff[0].username,
      secondary: staff[1].username, members: [{ name: `Medlem ${i}` }],
    });
  }
  const file = path.join(os.tmpdir(), `indgang-node-load-${process.pid}.json`);
  fs.writeFileSync(file, JSON.stringify({ admins: [], teams, families }));
  let out;
  try {
    out = JSON.parse(execFileSync(opt.admin, ['--db', opt.db, 'import', file]).toString());
  } finally {
    fs.unlinkSync(file);
  }
  const ids = new Map();
  for (const t of out.teams) for (const s of t.staff) ids.set(s.username, s.id);
  return {
    password,
    fams: out.families.map((f, i) => ({
      id: f.id, conv: f.conversation, member: f.members[0].id, invite: f.members[0].invite,
      advisers: [0, 1].map((k) => `${tag}-a${2 * i + k}`),
    })),
    ids,
  };
}

function post(pathname, body) {
  return new Promise((resolve) => {
    const data = JSON.stringify(body);
    const req = https.request({
      host: opt.host, port: opt.port, path: pathname, method: 'POST', ca,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
    }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(parts).toString() }));
    });
    req.on('error', (e) => resolve({ status: 0, body: String(e) }));
    req.end(data);
  });
}

// Runs fn over items, n at a time, retrying 503s and dropped requests twice.
async function postAll(what, items, n, fn) {
  const t0 = now();
  const tokens = new Array(items.length);
  let pending = items.map((_, i) => i);
  for (let attempt = 0; attempt < 3 && pending.length; attempt++) {
    const again = [];
    let next = 0;
    const worker = async () => {
      while (next < pending.length) {
        const i = pending[next++];
        const r = await fn(items[i]);
        if (r.status === 200) tokens[i] = JSON.parse(r.body).token;
        else if (r.status === 0 || r.status === 503) again.push(i);
        else throw new Error(`${what}: HTTP ${r.status} ${r.body}`);
      }
    };
    await Promise.all(Array.from({ length: n }, worker));
    pending = again;
  }
  if (pending.length) throw new Error(`${what}: ${pending.length} failed`);
  log(`${what}: ${items.length} in ${(now() - t0).toFixed(1)} s`);
  return tokens;
}

// ---- A small WebSocket client (RFC 6455, client side) ------------------------------
class WS {
  constructor(token, onFrame) {
    this.onFrame = onFrame;
    this.buf = Buffer.alloc(0);
    this.upgraded = false;
    this.frag = null;
    this.sock = tls.connect({ host: opt.host, port: opt.port, ca, servername: 'localhost' });
    this.sock.setNoDelay(true);
    this.opened = new Promise((resolve, reject) => {
      this.resolveOpen = resolve;
      this.sock.on('error', reject);
    });
    const key = crypto.randomBytes(16).toString('base64');
    this.sock.on('secureConnect', () => {
      this.sock.write(`GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
        `Sec-WebSocket-Protocol: indgang.v1\r\n\r\n`);
    });
    this.sock.on('data', (d) => this.input(d));
    this.sock.on('close', () => { this.closed = true; if (this.onClose) this.onClose(); });
    this.token = token;
  }

  input(d) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    if (!this.upgraded) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.buf.subarray(0, end).toString();
      if (!/^HTTP\/1\.1 101/.test(head)) throw new Error(`upgrade refused: ${head.split('\r\n')[0]}`);
      this.upgraded = true;
      this.buf = this.buf.subarray(end + 4);
      this.send({ type: 'auth', token: this.token });
    }
    for (;;) {
      const b = this.buf;
      if (b.length < 2) return;
      const op = b[0] & 0x0f, fin = b[0] & 0x80;
      let len = b[1] & 0x7f, off = 2;
      if (len === 126) { if (b.length < 4) return; len = b.readUInt16BE(2); off = 4; }
      else if (len === 127) { if (b.length < 10) return; len = Number(b.readBigUInt64BE(2)); off = 10; }
      if (b.length < off + len) return;
      const payload = b.subarray(off, off + len);
      this.buf = b.subarray(off + len);
      if (op === 9) this.frame(10, payload);
      else if (op === 8) this.sock.end();
      else if (op === 1 || op === 0) {
        const whole = this.frag ? Buffer.concat([this.frag, payload]) : payload;
        if (!fin) { this.frag = whole; continue; }
        this.frag = null;
        const m = JSON.parse(whole.toString());
        if (m.type === 'welcome') this.resolveOpen();
        this.onFrame(m);
      }
    }
  }

  frame(op, payload) {
    const mask = crypto.randomBytes(4);
    const n = payload.length;
    const head = Buffer.alloc(n < 126 ? 6 : n < 65536 ? 8 : 14);
    head[0] = 0x80 | op;
    if (n < 126) head[1] = 0x80 | n;
    else if (n < 65536) { head[1] = 0x80 | 126; head.writeUInt16BE(n, 2); }
    else { head[1] = 0x80 | 127; head.writeBigUInt64BE(BigInt(n), 2); }
    mask.copy(head, head.length - 4);
    const body = Buffer.from(payload);
    for (let i = 0; i < n; i++) body[i] ^= mask[i & 3];
    this.sock.write(Buffer.concat([head, body]));
  }

  send(obj) { this.frame(1, Buffer.from(JSON.stringify(obj))); }
  close() { this.frame(8, Buffer.from([0x03, 0xe8])); this.sock.end(); }
}

// ---- The run ------------------------------------------------------------------------
async function main() {
  const F = opt.families, W = opt.window;
  let t0 = now();
  const world = provision(F);
  log(`imported ${F} families, ${2 * F} advisers in ${(now() - t0).toFixed(1)} s`);
  const advisers = world.fams.flatMap((f) => f.advisers);
  const advTokens = await postAll('logged in advisers', advisers, 4,
    (u) => post('/api/login', { username: u, password: world.password }));
  const memTokens = await postAll('enrolled members', world.fams, 16,
    (f) => post('/api/enrol', { code: f.invite, device: `node phone ${f.member}` }));
  const advToken = new Map(advisers.map((u, i) => [u, advTokens[i]]));

  const body = 'x'.repeat(Math.max(1, opt.body - 40));
  const errors = { error: 0, closed: 0, unexpected: 0 };
  // Per family: the slots in flight, by sequence number: what has arrived.
  const fams = world.fams.map(() => ({ seq: 0, inflight: new Map() }));
  let sending = false, completed = 0, inWindow = 0, m0 = Infinity, m1 = Infinity;
  const lat = [];
  let members = [];
  let histories = 0, historyTimer = null;

  const sendNext = (f) => {
    const fam = fams[f];
    const seq = ++fam.seq;
    fam.inflight.set(seq, { t0: now(), got: 0 });
    members[f].send({
      type: 'send', conv: world.fams[f].conv, client_id: `${f}-${seq}`, body: `${seq} ${body}`,
    });
  };
  const arrived = (f, seq, bit) => {
    const s = fams[f] && fams[f].inflight.get(seq);
    if (!s || s.got & bit) { errors.unexpected++; return; }
    s.got |= bit;
    if (s.got !== 7) return;
    fams[f].inflight.delete(seq);
    completed++;
    const t = now();
    if (t >= m0 && t < m1) { inWindow++; lat.push(t - s.t0); }
    if (sending) sendNext(f);
  };
  const onMsg = (who) => (m) => {
    if (m.type === 'messages') { histories++; return; }
    if (m.type === 'error') { errors.error++; if (errors.error < 5) log(`error frame: ${JSON.stringify(m)}`); return; }
    const msg = m.message;
    if (!msg || (m.type !== 'ack' && m.type !== 'message')) return;
    const [f, seq] = String(msg.client_id).split('-').map(Number);
    if (m.type === 'ack' && who.kind === 'member') arrived(f, seq, 1);
    else if (m.type === 'message' && who.kind === 'adviser' && world.fams[f]) {
      const k = world.fams[f].advisers.indexOf(who.user);
      if (k >= 0) arrived(f, seq, 2 << k);
      if (opt.receipts && who.ws) who.ws.send({ type: 'read', conv: msg.conv, upto: msg.id });
    }
  };

  t0 = now();
  const conns = [];
  for (let f = 0; f < F; f++) {
    for (const u of world.fams[f].advisers) {
      const who = { kind: 'adviser', user: u };
      who.ws = new WS(advToken.get(u), onMsg(who));
      conns.push(who.ws);
    }
  }
  members = world.fams.map((f, i) => new WS(memTokens[i], onMsg({ kind: 'member', fam: i })));
  conns.push(...members);
  for (const c of conns) c.onClose = () => { if (!c.quitting) errors.closed++; };
  await Promise.all(conns.map((c) => c.opened));
  log(`${conns.length} connections open and welcomed in ${(now() - t0).toFixed(1)} s`);

  const cpu0 = process.cpuUsage();
  sending = true;
  for (let f = 0; f < F; f++) for (let k = 0; k < W; k++) sendNext(f);
  if (opt.history > 0) {
    // Every 10 ms, R/100 history requests from advisers in turn.
    let k = 0, due = 0;
    const advConns = conns.slice(0, 2 * F);
    historyTimer = setInterval(() => {
      for (due += opt.history / 100; due >= 1; due--, k++) {
        const f = Math.floor(k / 2) % F;
        advConns[(2 * f + (k & 1)) % advConns.length].send({
          type: 'history', conv: world.fams[f].conv, limit: 50,
        });
      }
    }, 10);
  }
  const start = now();
  m0 = start + opt.warmup;
  m1 = m0 + opt.duration;
  console.error(`node-load: measuring from ${opt.warmup} s for ${opt.duration} s`);
  await new Promise((r) => setTimeout(r, (opt.warmup + opt.duration) * 1000));
  sending = false;
  if (historyTimer) clearInterval(historyTimer);
  const cpu = process.cpuUsage(cpu0);
  // Drain what is in flight (at most 5 s), then close.
  const drain0 = now();
  while (fams.some((f) => f.inflight.size) && now() - drain0 < 5) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const lost = fams.reduce((n, f) => n + f.inflight.size, 0);
  for (const c of conns) { c.quitting = true; c.close(); }

  lat.sort((a, b) => a - b);
  const q = (p) => (lat.length ? (lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] * 1000).toFixed(2) : '-');
  const rate = inWindow / opt.duration;
  const clientCpu = (cpu.user + cpu.system) / 1e6 / (opt.warmup + opt.duration);
  console.log(`node-load: ${F} families, ${conns.length} connections, ${W} in flight per family, ` +
    `${opt.body}-byte messages, ${opt.duration} s measured`);
  console.log(`  ${rate.toFixed(0)} msg/s (acked and at both advisers), ${inWindow} in the window`);
  console.log(`  send -> ack and both advisers: p50 ${q(0.5)} ms, p99 ${q(0.99)} ms`);
  if (opt.history) console.log(`  ${histories} history pages answered`);
  console.log(`  load client CPU ${(clientCpu * 100).toFixed(0)} % of a core; ` +
    `errors ${errors.error}, closed ${errors.closed}, unexpected ${errors.unexpected}, lost ${lost}`);
  if (opt.json) {
    fs.appendFileSync(opt.json, JSON.stringify({
      scenario: 'node-load', families: F, window: W, receipts: opt.receipts, history: opt.history, histories, connections: conns.length,
      duration: opt.duration, msg_per_s: Math.round(rate), p50_ms: Number(q(0.5)),
      p99_ms: Number(q(0.99)), client_cpu: Number(clientCpu.toFixed(3)), errors, lost,
      loadavg: os.loadavg()[0],
    }) + '\n');
  }
  setTimeout(() => process.exit(errors.error || errors.closed || lost ? 1 : 0), 200);
}

main().catch((e) => { console.error(`node-load: ${e.stack || e}`); process.exit(1); });
