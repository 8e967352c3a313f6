// sw-notify.js - the notification half of both service workers
// (family/sw.js, staff/sw.js), loaded with importScripts().  A classic
// script: it defines one global, indgangNotify.
//
// push: the gateway's payload (docs/openapi.yaml, Web Push, decrypted by
//   the browser) {"v":1,"conv":C,"family":F,"title":T,"body":B,
//   "tag":"conv-C","lang":L,"dir":"ltr"|"rtl"} is already in the reader's
//   language and holds only what they chose to show: it is shown as it is,
//   one notification per conversation (the tag; renotify buzzes again).
//   A payload that cannot be read gets the app's own safe Danish text.
// notificationclick: an open window of the app is asked to show the
//   conversation ({type: 'indgang.open', conv}, shared/push.js) and is
//   focused; with none, the app opens at the conversation.

/* exported indgangNotify */
const indgangNotify = (() => {
  function read(data) {
    try {
      const p = data ? data.json() : null;
      if (p && p.v === 1 && typeof p.title === 'string' && p.title && typeof p.body === 'string') return p;
    } catch {
      /* not JSON */
    }
    return null;
  }

  // app: {path, icon, badge, fallback: {title, body}, urlFor(conv)}
  function show(data, app) {
    const p = read(data);
    const conv = p && Number.isInteger(p.conv) && p.conv > 0 ? p.conv : 0;
    const family = p && Number.isInteger(p.family) && p.family > 0 ? p.family : 0;
    const tag = p && typeof p.tag === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(p.tag) ? p.tag : conv ? `conv-${conv}` : 'indgang';
    return self.registration.showNotification(p ? p.title : app.fallback.title, {
      body: p ? p.body : app.fallback.body,
      tag,
      renotify: true,
      lang: p && /^[a-z]{2,3}$/.test(p.lang || '') ? p.lang : 'da',
      dir: p && p.dir === 'rtl' ? 'rtl' : 'ltr',
      icon: app.icon,
      badge: app.badge,
      data: { conv, family },
    });
  }

  async function open(conv, app) {
    const list = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const mine = list.filter((c) => new URL(c.url).pathname.startsWith(app.path));
    const win = mine.find((c) => c.focused) || mine.find((c) => c.visibilityState === 'visible') || mine[0];
    if (win) {
      win.postMessage({ type: 'indgang.open', conv });
      try {
        await win.focus();
      } catch {
        /* the browser decides whether a window may come to the front */
      }
      return;
    }
    await self.clients.openWindow(app.urlFor(conv));
  }

  function click(event, app) {
    event.notification.close();
    const data = event.notification.data || {};
    const work = open(Number.isInteger(data.conv) ? data.conv : 0, app).catch(() => undefined);
    try {
      event.waitUntil(work);
    } catch {
      /* a click dispatched by a script (the browser tests) cannot be waited for */
    }
  }

  return { show, click };
})();
