// push.mjs - Web Push in the browser tests, without the internet.
//
// Chromium's own push service (Google's) cannot be reached here, so
// pushManager.subscribe() could never succeed.  Instead:
//   - startPushService() runs the local Web Push service of tests/pushsvc
//     (RFC 8030/8291/8292, decrypting with http_ece) with the world's
//     certificate; the gateway (startWorld({push: true})) sends to it;
//   - stubSubscribe() makes the page's pushManager hand out a subscription
//     of that service (the app's own code asks for it, with the gateway's
//     key, and registers it with the gateway as it would a real one);
//   - deliverPush() hands a payload to a service worker through the Chrome
//     DevTools Protocol (ServiceWorker.deliverPushMessage), as the browser
//     would on a message from its push service;
//   - notifications() reads what the service worker shows
//     (registration.getNotifications()), and clickNotification()
//     dispatches a notificationclick in the service worker (there is no
//     DevTools command for a click).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import readline from 'node:readline';
import assert from 'node:assert/strict';
import { SRC } from './harness.mjs';

const DIR = path.join(SRC, 'tests', 'pushsvc');

export async function startPushService(world) {
  if (!fs.existsSync(path.join(DIR, 'node_modules', 'http_ece'))) {
    throw new Error('tests/pushsvc has no node_modules: cd tests/pushsvc && npm ci (CTest: pushsvc.setup)');
  }
  const proc = spawn(process.execPath, [path.join(DIR, 'server.mjs'), '--cert', path.join(world.tmp, 'server.pem'),
    '--key', path.join(world.tmp, 'server-key.pem')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: proc.stdout });
    rl.once('line', (l) => {
      rl.close();
      resolve(l);
    });
    proc.once('exit', (code) => reject(new Error(`the push service exited (${code})`)));
  });
  const { port } = JSON.parse(line);
  const origin = `https://127.0.0.1:${port}`;
  const ca = fs.readFileSync(path.join(world.tmp, 'ca.pem'));
  const call = (method, p, body) =>
    new Promise((resolve, reject) => {
      const req = https.request(`${origin}${p}`, { method, ca, agent: false, headers: { 'content-type': 'application/json' } }, (r) => {
        let text = '';
        r.on('data', (d) => (text += d));
        r.on('end', () => resolve(JSON.parse(text)));
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  return {
    origin,
    // A new subscription: {id, endpoint, keys: {p256dh, auth}}.
    subscribe: () => call('POST', '/control/subscribe', {}),
    // What reached a subscription so far, decrypted: [{status, vapid, payload}, ...].
    received: (sub) => call('GET', `/control/received?id=${sub.id}`),
    // The first n pushes to sub, waiting up to timeout ms.
    async waitFor(sub, n, timeout = 8000) {
      const end = Date.now() + timeout;
      for (;;) {
        const got = await this.received(sub);
        if (got.length >= n) return got;
        if (Date.now() > end) assert.fail(`${n} push(es) to subscription ${sub.id} within ${timeout} ms; got ${JSON.stringify(got)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: () => proc.stdin.end(),
  };
}

// The page's pushManager hands out `sub` (one of the local push service)
// instead of asking Google's push service.  What the app asked for
// (userVisibleOnly, applicationServerKey as base64url) is kept in
// localStorage '__test_push' for the test to read; the subscription lives
// there too, so it survives reloads like a real one.
export async function stubSubscribe(ctx, sub) {
  await ctx.addInitScript((s) => {
    const KEY = '__test_push';
    const b64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const fromB64url = (t) => Uint8Array.from(atob(t.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    const make = (st) => ({
      endpoint: s.endpoint,
      expirationTime: null,
      options: { userVisibleOnly: st.userVisibleOnly, applicationServerKey: fromB64url(st.key).buffer },
      toJSON: () => ({ endpoint: s.endpoint, expirationTime: null, keys: s.keys }),
      unsubscribe: async () => {
        localStorage.removeItem(KEY);
        return true;
      },
    });
    PushManager.prototype.subscribe = async function subscribe(opts) {
      const key = opts.applicationServerKey;
      const bytes = typeof key === 'string' ? fromB64url(key) : new Uint8Array(key.buffer || key);
      const st = { userVisibleOnly: opts.userVisibleOnly === true, key: b64url(bytes) };
      localStorage.setItem(KEY, JSON.stringify(st));
      return make(st);
    };
    PushManager.prototype.getSubscription = async function getSubscription() {
      const st = localStorage.getItem(KEY);
      return st ? make(JSON.parse(st)) : null;
    };
  }, sub);
}

// What the app asked pushManager.subscribe() for, or null.
export const subscribeOptions = (page) => page.evaluate(() => JSON.parse(localStorage.getItem('__test_push') || 'null'));

// The registration id of the service worker at scope (e.g. '/family/').
async function registrationId(page, origin, scope) {
  const cdp = await page.context().newCDPSession(page);
  const regs = new Map();
  cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => {
    for (const r of e.registrations) regs.set(r.scopeURL, r);
  });
  await cdp.send('ServiceWorker.enable');
  for (let i = 0; i < 100; i++) {
    const r = regs.get(`${origin}${scope}`);
    if (r && !r.isDeleted) return { cdp, id: r.registrationId };
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.fail(`no service worker registration at ${scope}: ${JSON.stringify([...regs.keys()])}`);
}

// Is a notification of payload data (its tag and body) shown?  For a payload
// that is not JSON, any notification (the caller closed the others first and
// checks what the worker made of it).
async function shownFor(page, scope, data) {
  const shown = await notifications(page, scope);
  let p;
  try {
    p = JSON.parse(data);
  } catch {
    return shown.length > 0;
  }
  const tag = p.tag || `conv-${p.conv}`;
  return shown.some((n) => n.tag === tag && n.body === p.body);
}

// Delivers data (a string) to the service worker at scope as a push message,
// as a push service hands one to the browser.  Chromium under the sanitizers'
// load has now and then dropped a message delivered through DevTools (no push
// event at all, seen in about one CI run in three): when nothing of it shows
// within 8 s, it is delivered once more, and the tests' checks of what the
// worker shows stay as they are.
export async function deliverPush(page, origin, scope, data) {
  await page.evaluate(() => navigator.serviceWorker.ready);
  const { cdp, id } = await registrationId(page, origin, scope);
  for (let attempt = 0; attempt < 2; attempt++) {
    await cdp.send('ServiceWorker.deliverPushMessage', { origin, registrationId: id, data });
    for (let i = 0; i < 80 && !(await shownFor(page, scope, data)); i++) await new Promise((r) => setTimeout(r, 100));
    if (await shownFor(page, scope, data)) break;
  }
  await cdp.detach();
}

// The notifications the service worker at scope shows now.
export function notifications(page, scope) {
  return page.evaluate(async (sc) => {
    const reg = await navigator.serviceWorker.getRegistration(sc);
    return (await reg.getNotifications()).map((n) => ({
      title: n.title, body: n.body, tag: n.tag, lang: n.lang, dir: n.dir, icon: n.icon, badge: n.badge,
      renotify: n.renotify, data: n.data,
    }));
  }, scope);
}

// Waits until the service worker at scope shows n notifications (up to 20 s:
// under the sanitizers, on a busy machine, a worker can take seconds to wake).
export async function waitNotifications(page, scope, n = 1) {
  for (let i = 0; i < 200; i++) {
    const list = await notifications(page, scope);
    if (list.length >= n) return list;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${n} notification(s) from the service worker at ${scope}`);
}

// A click on the notification with the given tag: the service worker gets
// a notificationclick event for it (dispatched in the worker).
export async function clickNotification(ctx, swPath, tag) {
  const sw = ctx.serviceWorkers().find((w) => new URL(w.url()).pathname === swPath);
  assert.ok(sw, `the service worker ${swPath} is running`);
  await sw.evaluate(async (t) => {
    const [n] = await self.registration.getNotifications({ tag: t });
    if (!n) throw new Error(`no notification ${t}`);
    self.dispatchEvent(new NotificationEvent('notificationclick', { notification: n }));
  }, tag);
}
