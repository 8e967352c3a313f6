// push.js - Web Push for both apps (the page's half; the service workers'
// half is sw-notify.js).
//
// A notification comes only from the gateway, as Web Push: it knows what the
// person lets a notification show (GET/PUT /api/me/notifications), the
// family's quiet hours, and which conversation is on the person's screen
// (`viewing`), so it buzzes a closed app and never about what is being read.
//
// Turning it on (Push.enable, from a tap: browsers ask for the permission
// only then): Notification.requestPermission(), the gateway's key
// (GET /api/push/key), pushManager.subscribe({userVisibleOnly,
// applicationServerKey}) and POST /api/push/subscriptions with the app's
// language, which the gateway writes the notification in.  The same
// subscription is posted again when the language changes, and at every
// start (it then belongs to the current sign-in; a sign-in's subscriptions
// end with it).  Turning it off deletes it at the gateway and in the
// browser.  What this browser chose is kept in storage (`storageKey`):
// {on, id, endpoint, lang}.
//
// States (Push.state()): 'on', 'off', 'denied' (blocked in the browser's
// settings), 'ios-install' (an iPhone or iPad in Safari: Web Push needs
// Indgang added to the home screen, iOS 16.4 or later), 'unsupported'.

import { api } from './api.js';

// The iOS/iPadOS version as major*100+minor (1604 for 16.4), 0 elsewhere.
// iPadOS presents itself as a Mac with a touch screen.
function iosVersion() {
  const ua = navigator.userAgent || '';
  const ios = /\b(iPhone|iPad|iPod)\b/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1);
  if (!ios) return 0;
  const m = / OS (\d+)_(\d+)/.exec(ua) || /Version\/(\d+)\.(\d+)/.exec(ua);
  return m ? Number(m[1]) * 100 + Number(m[2]) : 9999;
}

// Running from the home screen (an installed web app), not in a browser tab.
function standalone() {
  return navigator.standalone === true || (typeof matchMedia === 'function' && matchMedia('(display-mode: standalone)').matches);
}

// 'ok', 'ios-install' or 'unsupported'.
export function pushSupport() {
  const ios = iosVersion();
  if (ios && !standalone()) return ios >= 1604 ? 'ios-install' : 'unsupported';
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) return 'unsupported';
  return 'ok';
}

function fromB64url(text) {
  const b = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(b, (c) => c.charCodeAt(0));
}

function sameKey(buffer, b64url) {
  if (!buffer) return false;
  const a = new Uint8Array(buffer);
  const b = fromB64url(b64url);
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export class Push {
  // scope and swUrl: the app's service worker ('/family/', '/family/sw.js').
  // autoWhenGranted: a browser that allowed notifications before this
  // choice was kept counts as "on" (the family app's earlier "tell me").
  constructor({ scope, swUrl, storageKey, autoWhenGranted = false, storage = globalThis.localStorage }) {
    this.scope = scope;
    this.swUrl = swUrl;
    this.key = storageKey;
    this.auto = autoWhenGranted;
    this.storage = storage;
    this.mem = this.load();
  }

  load() {
    try {
      return JSON.parse(this.storage.getItem(this.key)) || {};
    } catch {
      return {};
    }
  }

  save() {
    try {
      this.storage.setItem(this.key, JSON.stringify(this.mem));
    } catch {
      /* private mode: for this visit */
    }
  }

  // Chosen on in this browser (or allowed before, where that counts).
  get wanted() {
    return this.mem.on === true || (this.mem.on === undefined && this.auto && Notification.permission === 'granted');
  }

  async registration() {
    let reg = await navigator.serviceWorker.getRegistration(this.scope);
    if (!reg) reg = await navigator.serviceWorker.register(this.swUrl, { scope: this.scope });
    if (reg.active) return reg;
    await withTimeout(new Promise((resolve) => {
      const w = reg.installing || reg.waiting;
      if (!w) return resolve();
      w.addEventListener('statechange', () => w.state === 'activated' && resolve());
    }), 15000, 'service worker');
    return reg;
  }

  async state() {
    const support = pushSupport();
    if (support !== 'ok') return support;
    if (Notification.permission === 'denied') return 'denied';
    if (Notification.permission !== 'granted' || !this.wanted || !this.mem.id) return 'off';
    try {
      const reg = await navigator.serviceWorker.getRegistration(this.scope);
      const sub = reg && (await reg.pushManager.getSubscription());
      return sub && sub.endpoint === this.mem.endpoint ? 'on' : 'off';
    } catch {
      return 'off';
    }
  }

  // From a tap.  Resolves with the new state; rejects when the browser or
  // the gateway could not make the subscription (no push service, no key,
  // no network).
  async enable(lang) {
    const support = pushSupport();
    if (support !== 'ok') return support;
    let permission = Notification.permission;
    if (permission === 'default') permission = await Notification.requestPermission();
    if (permission !== 'granted') return permission === 'denied' ? 'denied' : 'off';
    this.mem.on = true;
    this.save();
    await this.register(lang);
    return 'on';
  }

  // Makes sure the browser has a subscription with the gateway's key, and
  // posts it (again) for this sign-in, in this language.
  async register(lang) {
    const reg = await this.registration();
    const { public_key: key } = await api.pushKey();
    let sub = await reg.pushManager.getSubscription();
    if (sub && !sameKey(sub.options && sub.options.applicationServerKey, key)) {
      await sub.unsubscribe().catch(() => false); // made with another key: useless now
      sub = null;
    }
    if (!sub) {
      // The browser asks its push service; unreachable, some never answer.
      sub = await withTimeout(reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromB64url(key) }),
        30000, 'push service');
    }
    const r = await api.pushSubscribe({ ...sub.toJSON(), lang });
    this.mem = { on: true, id: r.id, endpoint: sub.endpoint, lang };
    this.save();
  }

  // At start, signed in: a subscription chosen here stays registered with
  // this sign-in.  Quietly does nothing when it cannot.
  async resume(lang) {
    if (pushSupport() !== 'ok' || Notification.permission !== 'granted' || !this.wanted) return;
    try {
      await this.register(lang);
    } catch {
      /* offline or no push service: the menu shows "off" */
    }
  }

  // The app's language changed: the gateway writes in the new one.
  async setLanguage(lang) {
    if (pushSupport() !== 'ok' || !this.wanted || !this.mem.id || this.mem.lang === lang) return;
    try {
      await this.register(lang);
    } catch {
      /* tried again at the next start */
    }
  }

  // Off, by choice: gone at the gateway, then in the browser.
  async disable() {
    if (this.mem.id) {
      try {
        await api.pushUnsubscribe(this.mem.id);
      } catch (e) {
        if (e.code !== 'not_found') throw e;
      }
    }
    this.mem = { on: false };
    this.save();
    await this.unsubscribeBrowser();
  }

  // Signed out: the gateway ended the subscription with the sign-in; the
  // browser's goes too, and nothing is remembered for the next person.
  async forget() {
    this.mem = {};
    try {
      this.storage.removeItem(this.key);
    } catch {
      /* nothing kept */
    }
    await this.unsubscribeBrowser();
  }

  async unsubscribeBrowser() {
    try {
      const reg = await navigator.serviceWorker.getRegistration(this.scope);
      const sub = reg && (await reg.pushManager.getSubscription());
      if (sub) await sub.unsubscribe();
    } catch {
      /* no service worker: nothing to end */
    }
  }
}

// A notification was tapped while the app is open: its service worker asks
// the page to show that conversation ({type: 'indgang.open', conv}).
export function onOpenConversation(cb) {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker.addEventListener('message', (e) => {
    const d = e.data;
    if (d && d.type === 'indgang.open' && Number.isInteger(d.conv) && d.conv >= 0) cb(d.conv);
  });
  navigator.serviceWorker.startMessages();
}
