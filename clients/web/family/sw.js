// sw.js - the family app's service worker: keeps the app shell so the app
// opens without a network, and shows the gateway's Web Push notifications
// (shared/sw-notify.js: the payload as it is, in the member's language; a
// tap opens its conversation).  It never touches the API or the WebSocket,
// and never stores a message.
//
// Strategy: stale-while-revalidate for the shell files (answer from the
// cache at once, fetch a fresh copy for next time).  Bump VERSION when the
// list changes.

importScripts('/shared/sw-notify.js');

const VERSION = 'indgang-family-v14';
const SHELL = [
  '/family/',
  '/family/family.css',
  '/family/family.js',
  '/family/i18n.js',
  '/family/phones.js',
  '/family/notify.js',
  '/family/quiet.js',
  '/family/smsmenu.js',
  '/family/status.js',
  '/family/held.js',
  '/family/cache.js',
  '/family/attach.js',
  '/family/changes.js',
  '/family/coordinator.js',
  '/family/closed.js',
  '/family/mydata.js',
  '/family/owndoc.js',
  '/family/owndata.css',
  '/family/lang/da.json',
  '/family/lang/en.json',
  '/family/lang/ar.json',
  '/family/lang/so.json',
  '/family/lang/tr.json',
  '/family/lang/uk.json',
  '/family/lang/fa.json',
  '/family/manifest.webmanifest',
  '/family/icons/icon.svg',
  '/family/icons/icon-192.png',
  '/family/icons/send.svg',
  '/shared/base.css',
  '/shared/attachments.css',
  '/shared/i18n.js',
  '/shared/protocol.js',
  '/shared/outbox.js',
  '/shared/store.js',
  '/shared/api.js',
  '/shared/dom.js',
  '/shared/format.js',
  '/shared/devices.js',
  '/shared/linkify.js',
  '/shared/viewing.js',
  '/shared/push.js',
  '/shared/delivery.js',
  '/shared/attachments.js',
  '/shared/icons/attach.svg',
  '/shared/icons/camera.svg',
  '/shared/icons/file.svg',
];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(VERSION)
      .then((c) => c.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('indgang-family-') && k !== VERSION).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

function shellKey(request) {
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return null;
  if (request.mode === 'navigate' && (url.pathname === '/family/' || url.pathname === '/family/index.html')) return '/family/';
  return SHELL.includes(url.pathname) ? url.pathname : null;
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const key = shellKey(request);
  if (!key) return; // API, WebSocket, anything else: straight to the network
  event.respondWith(
    caches.open(VERSION).then(async (cache) => {
      const cached = await cache.match(key);
      const fresh = fetch(request)
        .then((r) => {
          if (r.ok && r.type === 'basic') cache.put(key, r.clone());
          return r;
        })
        .catch(() => null);
      if (cached) {
        event.waitUntil(fresh);
        return cached;
      }
      const r = await fresh;
      return r || new Response('Offline', { status: 503, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
    }),
  );
});

// ---- Notifications ---------------------------------------------------------

const APP = {
  path: '/family/',
  icon: '/family/icons/icon-192.png',
  badge: '/family/icons/badge-96.png',
  fallback: { title: 'Indgang', body: 'Du har en ny besked. Åbn Indgang for at læse den.' },
  urlFor: (conv) => (conv ? `/family/#conv=${conv}` : '/family/'),
};

self.addEventListener('push', (event) => {
  event.waitUntil(indgangNotify.show(event.data, APP));
});

self.addEventListener('notificationclick', (event) => indgangNotify.click(event, APP));
