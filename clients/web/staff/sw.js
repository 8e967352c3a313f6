// sw.js - the staff client's service worker (scope /staff/, registered by
// staff/notify.js): it only shows the gateway's Web Push notifications
// (shared/sw-notify.js: the payload as it is, Danish for staff) and opens
// the family's conversation when one is tapped.  No cache: the staff client
// is used online, and nothing of a family is kept on a shared computer.

importScripts('/shared/sw-notify.js');

const APP = {
  path: '/staff/',
  icon: '/family/icons/icon-192.png',
  badge: '/family/icons/badge-96.png',
  fallback: { title: 'Indgang', body: 'Ny besked i Indgang.' },
  urlFor: (conv) => (conv ? `/staff/#/c/${conv}` : '/staff/'),
};

self.addEventListener('install', () => self.skipWaiting());

// Open staff pages are controlled at once, so a tapped notification reaches them.
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  event.waitUntil(indgangNotify.show(event.data, APP));
});

self.addEventListener('notificationclick', (event) => indgangNotify.click(event, APP));
