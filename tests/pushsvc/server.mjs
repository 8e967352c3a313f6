// A local Web Push service, standing in for Google's, Mozilla's, Microsoft's
// and Apple's in the tests (RFC 8030).  It speaks HTTP/2 and HTTP/1.1 over
// TLS on 127.0.0.1, and for every push it
//   - checks the VAPID Authorization header (RFC 8292): an ES256 JWT signed
//     with the key in k=, whose aud is this service's origin, whose exp lies
//     within 24 hours and whose sub is mailto: or https:;
//   - decrypts the body with the subscription's private key using http_ece,
//     the reference implementation of RFC 8188/8291 by the RFCs' author;
//   - records what arrived, and answers 201, or what the test scripted.
//
//   node server.mjs --cert server.pem --key server-key.pem
// prints {"port":N} once listening and exits when its stdin closes.
//
// Control (JSON, same server):
//   POST /control/subscribe            -> {id, endpoint, keys:{p256dh, auth}}
//   POST /control/respond {id, status, retry_after, times}
//                                      the next `times` pushes to id get status
//   GET  /control/received?id=ID       -> [{at, topic, ttl, urgency, status,
//                                          vapid, payload}, ...]
//   GET  /control/stats                -> {received, accepted, refused}: every push
//
// --sample N (the benchmark): check and decrypt one push in N, keep no records
// (counted only), so that the stand-in does not take the CPU the gateway is
// measured on; a push that was checked and failed is still refused.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http2 from 'node:http2';
import ece from 'http_ece';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? acc.concat([[a.slice(2), all[i + 1]]]) : acc), []),
);

const subs = new Map(); // id -> {ecdh, auth, script: [], received: []}
let nextId = 1;
let origin = '';
const sample = Number(args.sample || 1);
const stats = { received: 0, accepted: 0, refused: 0 };
let seen = 0;

const b64url = (buf) => Buffer.from(buf).toString('base64url');

function json(res, status, body) {
  const text = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': text.length });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const parts = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > 1 << 20) reject(new Error('body too large'));
      else parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

// RFC 8292: "vapid t=<JWT>, k=<P-256 public key, base64url>".
function checkVapid(header) {
  const m = /^vapid t=([A-Za-z0-9_\-.]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header || '');
  if (!m) return { ok: false, why: 'no vapid authorization' };
  const [h, c, s] = m[1].split('.');
  const head = JSON.parse(Buffer.from(h, 'base64url').toString());
  const claims = JSON.parse(Buffer.from(c, 'base64url').toString());
  if (head.alg !== 'ES256' || head.typ !== 'JWT') return { ok: false, why: 'alg/typ' };
  const raw = Buffer.from(m[2], 'base64url');
  if (raw.length !== 65 || raw[0] !== 4) return { ok: false, why: 'k is not a P-256 point' };
  const key = crypto.createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: b64url(raw.subarray(1, 33)), y: b64url(raw.subarray(33)) },
    format: 'jwk',
  });
  const good = crypto.verify('sha256', Buffer.from(`${h}.${c}`), { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(s, 'base64url'));
  const now = Date.now() / 1000;
  if (!good) return { ok: false, why: 'bad signature' };
  if (claims.aud !== origin) return { ok: false, why: `aud ${claims.aud} is not ${origin}` };
  if (!(claims.exp > now && claims.exp <= now + 24 * 3600)) return { ok: false, why: 'exp' };
  if (!/^(mailto:|https:)/.test(claims.sub || '')) return { ok: false, why: 'sub' };
  return { ok: true, key: m[2], claims };
}

async function push(req, res, id) {
  const sub = subs.get(id);
  const body = await readBody(req);
  stats.received++;
  if (!sub) {
    stats.refused++;
    return json(res, 404, { error: 'no such subscription' });
  }
  if (sample > 1 && seen++ % sample !== 0 && sub.script.length === 0) {
    stats.accepted++;
    res.writeHead(201);
    return res.end();
  }
  const record = {
    at: Date.now(),
    topic: req.headers.topic || null,
    ttl: req.headers.ttl === undefined ? null : Number(req.headers.ttl),
    urgency: req.headers.urgency || null,
    http: req.httpVersion,
  };
  sub.received.push(record);
  const vapid = checkVapid(req.headers.authorization);
  record.vapid = vapid.ok ? 'ok' : vapid.why;
  if (!vapid.ok) {
    record.status = 403;
    stats.refused++;
    return json(res, 403, { error: vapid.why });
  }
  if (req.headers['content-encoding'] !== 'aes128gcm' || record.ttl === null) {
    record.status = 400;
    stats.refused++;
    return json(res, 400, { error: 'content-encoding aes128gcm and TTL are required' });
  }
  try {
    record.payload = ece.decrypt(body, { version: 'aes128gcm', privateKey: sub.ecdh, authSecret: sub.auth }).toString();
  } catch (e) {
    record.status = 400;
    stats.refused++;
    record.error = String(e);
    return json(res, 400, { error: 'cannot decrypt' });
  }
  const scripted = sub.script.shift();
  record.status = scripted ? scripted.status : 201;
  if (record.status < 300) stats.accepted++;
  else stats.refused++;
  if (sample > 1) sub.received.length = 0; // the benchmark keeps no records
  const headers = scripted && scripted.retry_after ? { 'retry-after': String(scripted.retry_after) } : {};
  if (scripted && scripted.delay_ms) await new Promise((r) => setTimeout(r, scripted.delay_ms));
  res.writeHead(record.status, headers);
  res.end();
}

async function control(req, res, url) {
  if (req.method === 'POST' && url.pathname === '/control/subscribe') {
    const ecdh = crypto.createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = crypto.randomBytes(16);
    const id = String(nextId++);
    subs.set(id, { ecdh, auth: b64url(auth), script: [], received: [] });
    return json(res, 200, {
      id, endpoint: `${origin}/push/${id}`, keys: { p256dh: b64url(ecdh.getPublicKey()), auth: b64url(auth) },
    });
  }
  if (req.method === 'POST' && url.pathname === '/control/respond') {
    const o = JSON.parse((await readBody(req)).toString());
    const sub = subs.get(String(o.id));
    if (!sub) return json(res, 404, { error: 'no such subscription' });
    for (let i = 0; i < (o.times || 1); i++) sub.script.push({ status: o.status, retry_after: o.retry_after, delay_ms: o.delay_ms });
    return json(res, 200, {});
  }
  if (req.method === 'GET' && url.pathname === '/control/stats') return json(res, 200, stats);
  if (req.method === 'GET' && url.pathname === '/control/received') {
    const sub = subs.get(url.searchParams.get('id'));
    return json(res, sub ? 200 : 404, sub ? sub.received : { error: 'no such subscription' });
  }
  return json(res, 404, { error: 'unknown control request' });
}

const server = http2.createSecureServer({
  cert: fs.readFileSync(args.cert), key: fs.readFileSync(args.key), allowHTTP1: true,
}, (req, res) => {
  const url = new URL(req.url, origin);
  const m = /^\/push\/(\d+)$/.exec(url.pathname);
  const done = m && req.method === 'POST' ? push(req, res, m[1]) : control(req, res, url);
  done.catch((e) => json(res, 500, { error: String(e) }));
});

server.listen(Number(args.port || 0), '127.0.0.1', () => {
  origin = `https://127.0.0.1:${server.address().port}`;
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
// Stops by itself with the test that started it.
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
