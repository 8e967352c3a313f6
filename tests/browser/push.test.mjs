// push.test.mjs - Web Push in the family app, end to end without the
// internet: the app asks after the member's first message (not before), in
// their language; a yes subscribes with the gateway's key and registers the
// subscription with the app's language (again when it changes); the gateway
// sends to the local push service (tests/pushsvc) only when the conversation
// is not on screen; the decrypted payload goes to the app's service worker
// through the DevTools protocol, which shows it as it is (Danish, Arabic
// right to left, a safe Danish text for a payload it cannot read); a click
// opens that conversation; the adviser's message says "Mette fik besked" once
// the push service took it while the app was closed; what a notification
// shows is the member's choice;
// "Slå besked fra" ends it; "Ikke nu" is remembered; an iPhone that is not
// running Indgang from its home screen is told how instead of being asked.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, launch, person, staffLogin, familyEnrol, shot, axe, LAPTOP, PHONE } from './lib/harness.mjs';
import {
  startPushService, stubSubscribe, subscribeOptions, deliverPush, notifications, waitNotifications, clickNotification,
} from './lib/push.mjs';

let world;
let svc;
let browser;
let anna;
let mette;
let sub; // Mette's subscription at the local push service
let convB; // a restricted conversation of Mette and the pair

before(async () => {
  world = await startWorld({ push: true });
  svc = await startPushService(world);
  browser = await launch(world);
  anna = await person(browser, world, LAPTOP);
  mette = await person(browser, world, PHONE);
  sub = await svc.subscribe();
  await stubSubscribe(mette.ctx, sub);
  await staffLogin(anna.page, world, 'anna');
  // Quiet hours off: this file is about what arrives, not when (quiet.test.mjs).
  const put = await staffFetch('PUT', `/api/families/${world.fam.A}/quiet-hours`, { from: '00:00', to: '00:00' });
  assert.equal(put.status, 200);
  const made = await staffFetch('POST', '/api/conversations', { family: world.fam.A, title: 'Mette og rådgiverne', members: [world.ids.mette] });
  convB = made.body.id;
  await familyEnrol(mette.page, world, 'mette');
});

after(async () => {
  await browser?.close();
  svc?.stop();
  await world?.stop();
});

// An HTTP call with Anna's sign-in (her page's cookie, her page's origin).
function staffFetch(method, url, body) {
  return anna.page.evaluate(async ([m, u, b]) => {
    const r = await fetch(u, { method: m, headers: { 'Content-Type': 'application/json' }, body: b === undefined ? undefined : JSON.stringify(b) });
    return { status: r.status, body: r.status === 204 ? null : await r.json() };
  }, [method, url, body]);
}

async function annaSends(conv, text) {
  const a = anna.page;
  await a.goto(`${world.url}/staff/#/c/${conv}`);
  await a.locator('#composer').waitFor();
  await a.locator('#body').fill(text);
  await a.locator('#body').press('Enter');
  await a.locator('#msgs .msg.mine:not(.pending)', { hasText: text }).waitFor();
}

async function setVisible(page, visible) {
  await page.evaluate((v) => {
    Object.defineProperty(document, 'visibilityState', { value: v ? 'visible' : 'hidden', configurable: true });
    Object.defineProperty(document, 'hidden', { value: !v, configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  }, visible);
}

const pushPosted = (page) =>
  page.waitForRequest((r) => r.url().endsWith('/api/push/subscriptions') && r.method() === 'POST');

async function openMenu(page) {
  await page.locator('#menu-btn').click();
  await page.locator('#menu[open]').waitFor();
}

test('the app asks after the member has sent a message, not before, and a yes subscribes', async () => {
  const m = mette.page;
  // An adviser's message does not make the app ask.
  await annaSends(world.conv.A, 'Velkommen til Indgang, Mette.');
  await m.locator('.bubble.theirs', { hasText: 'Velkommen til Indgang' }).waitFor();
  await m.waitForTimeout(300);
  assert.equal(await m.locator('#notify-ask').isVisible(), false, 'no question before the first message');
  assert.equal(await m.evaluate(() => Notification.permission), 'default');
  await m.locator('#body').fill('Tak. Hvornår er næste møde?');
  await m.getByRole('button', { name: 'Send' }).click();
  await m.locator('.bubble.mine .state[data-state]').first().waitFor();
  await m.locator('#notify-ask').waitFor();
  assert.equal(await m.locator('#notify-ask-text').textContent(),
    'Vil du have besked, når dine rådgivere svarer – også når appen er lukket?');
  assert.equal(await m.evaluate(() => Notification.permission), 'default', 'the app asks first, the browser only after a yes');
  await shot(m, 'family-notify-ask-phone');
  // Yes: the browser's permission, then a subscription with the gateway's key.
  await mette.ctx.grantPermissions(['notifications'], { origin: world.url });
  const posted = pushPosted(m);
  await m.getByRole('button', { name: 'Ja tak' }).click();
  const req = await posted;
  assert.deepEqual(req.postDataJSON(), { endpoint: sub.endpoint, expirationTime: null, keys: sub.keys, lang: 'da' });
  assert.equal((await req.response()).status(), 201);
  const key = await m.evaluate(async () => (await (await fetch('/api/push/key')).json()).public_key);
  assert.deepEqual(await subscribeOptions(m), { userVisibleOnly: true, key });
  await m.locator('#notify-ask').waitFor({ state: 'hidden' });
  await openMenu(m);
  await m.locator('#notify-state', { hasText: /^Til\. Du får besked, når dine rådgivere skriver – også når appen er lukket\./ }).waitFor();
  assert.equal(await m.locator('#notify-btn').textContent(), 'Slå besked fra');
  await m.keyboard.press('Escape');
  assert.deepEqual(m.problems, []);
});

test('no push about the conversation on screen; a hidden app gets one in Danish, and a click opens its conversation', async () => {
  const m = mette.page;
  await m.locator('.conv-tab', { hasText: 'Hele familien' }).click();
  await annaSends(world.conv.A, 'Mødet er torsdag kl. 10.');
  await m.locator('.bubble.theirs', { hasText: 'torsdag kl. 10' }).waitFor();
  await m.waitForTimeout(1500);
  assert.deepEqual(await svc.received(sub), [], 'Mette is reading that conversation: no notification');

  await setVisible(m, false);
  await annaSends(convB, 'Kun til dig, Mette: hvordan går det?');
  const [push] = await svc.waitFor(sub, 1);
  assert.equal(push.vapid, 'ok');
  const payload = JSON.parse(push.payload);
  assert.deepEqual(payload, {
    v: 1, conv: convB, family: world.fam.A, title: 'Indgang', body: 'Ny besked fra dine rådgivere', tag: `conv-${convB}`, lang: 'da', dir: 'ltr',
  }, 'nothing of the message by default');

  await deliverPush(m, world.url, '/family/', push.payload);
  const [n] = await waitNotifications(m, '/family/');
  assert.deepEqual({ ...n, icon: new URL(n.icon).pathname, badge: new URL(n.badge).pathname }, {
    title: 'Indgang', body: 'Ny besked fra dine rådgivere', tag: `conv-${convB}`, lang: 'da', dir: 'ltr',
    icon: '/family/icons/icon-192.png', badge: '/family/icons/badge-96.png', renotify: true, data: { conv: convB, family: world.fam.A },
  });

  // The click: the open app shows that conversation, and the notification goes.
  assert.equal(await m.locator('.conv-tab[aria-current="true"]').textContent(), 'Hele familien');
  await clickNotification(mette.ctx, '/family/sw.js', `conv-${convB}`);
  await m.locator('.conv-tab[aria-current="true"]', { hasText: 'Mette og rådgiverne' }).waitFor();
  await m.locator('.bubble.theirs', { hasText: 'Kun til dig' }).waitFor();
  assert.deepEqual(await notifications(m, '/family/'), []);
  await setVisible(m, true);
  assert.deepEqual(m.problems, []);
});

test('a link to a conversation (what a click opens with no app open) shows that conversation', async () => {
  const m = mette.page;
  const current = () => m.locator('.conv-tab[aria-current="true"]');
  // The app starts from the link.
  await m.locator('.conv-tab', { hasText: 'Hele familien' }).click();
  await m.goto('about:blank');
  await m.goto(`${world.url}/family/#conv=${convB}`);
  await m.locator('html[data-conn="open"]').waitFor();
  await current().filter({ hasText: 'Mette og rådgiverne' }).waitFor();
  assert.equal(await m.evaluate(() => location.hash), '', 'the link is tidied out of the address bar');
  // The same link while the app is open.
  await m.locator('.conv-tab', { hasText: 'Hele familien' }).click();
  await m.goto(`${world.url}/family/#conv=${convB}`);
  await current().filter({ hasText: 'Mette og rådgiverne' }).waitFor();
  assert.equal(await m.evaluate(() => location.hash), '');
  await m.locator('.conv-tab', { hasText: 'Hele familien' }).click();
  assert.deepEqual(m.problems, []);
});

test('in Arabic: registered again with the new language; the notification reads right to left; the sender if chosen', async () => {
  const m = mette.page;
  await openMenu(m);
  const posted = pushPosted(m);
  await m.locator('#menu [data-lang-buttons] button[lang="ar"]').click();
  const req = await posted;
  assert.deepEqual(req.postDataJSON(), { endpoint: sub.endpoint, expirationTime: null, keys: sub.keys, lang: 'ar' });
  assert.equal((await req.response()).status(), 201);
  await m.keyboard.press('Escape');
  await setVisible(m, false);
  await annaSends(world.conv.A, 'Husk lægetiden i morgen.');
  const got = await svc.waitFor(sub, 2);
  const p = JSON.parse(got[1].payload);
  assert.deepEqual([p.title, p.body, p.lang, p.dir, p.conv], ['Indgang', 'رسالة جديدة من مستشاريك', 'ar', 'rtl', world.conv.A]);
  await deliverPush(m, world.url, '/family/', got[1].payload);
  const shown = await waitNotifications(m, '/family/');
  const n = shown.find((x) => x.tag === `conv-${world.conv.A}`);
  assert.deepEqual([n.title, n.body, n.lang, n.dir], ['Indgang', 'رسالة جديدة من مستشاريك', 'ar', 'rtl']);

  // What it shows is the member's choice: the sender.
  await setVisible(m, true);
  await openMenu(m);
  const put = m.waitForRequest((r) => r.url().endsWith('/api/me/notifications') && r.method() === 'PUT');
  await m.locator('#push-content-sender').check();
  assert.deepEqual((await put).postDataJSON(), { content: 'sender' });
  await m.locator('#notify-content-status', { hasText: /./ }).waitFor();
  await m.keyboard.press('Escape');
  await setVisible(m, false);
  await annaSends(world.conv.A, 'Og tag sundhedskortet med.');
  const third = JSON.parse((await svc.waitFor(sub, 3))[2].payload);
  assert.deepEqual([third.title, third.body, third.dir], ['Indgang', 'رسالة جديدة من Anna Jensen', 'rtl']);
  await setVisible(m, true);
  await openMenu(m);
  assert.deepEqual(await axe(m), [], 'the menu with notifications on, in Arabic');
  await shot(m, 'family-menu-notify-arabic-phone');
  await m.locator('#menu [data-lang-buttons] button[lang="da"]').click();
  await m.locator('#push-content-none').check();
  await m.keyboard.press('Escape');
  assert.deepEqual(m.problems, []);
});

test('the adviser sees "Mette fik besked" while the app is closed, and "Leveret" once it opens', async () => {
  const m = mette.page;
  const before = (await svc.received(sub)).length;
  await m.goto('about:blank'); // the app is closed: only the notification reaches her
  await annaSends(convB, 'Ring gerne i morgen formiddag.');
  await svc.waitFor(sub, before + 1);
  const line = anna.page.locator('#msgs .msg.mine', { hasText: 'Ring gerne i morgen' }).locator('.msg-state');
  await line.filter({ hasText: /^Mette fik besked \d\d\.\d\d$/ }).waitFor();
  await m.goto(`${world.url}/family/#conv=${convB}`);
  await m.locator('html[data-conn="open"]').waitFor();
  await line.filter({ hasText: /^Leveret til Mettes browser \d\d\.\d\d · læst \d\d\.\d\d$/ }).waitFor();
  assert.deepEqual(anna.page.problems, []);
});

test('a payload the service worker cannot read still gives a safe Danish notification', async () => {
  const m = mette.page;
  await m.evaluate(async () => {
    const reg = await navigator.serviceWorker.getRegistration('/family/');
    for (const n of await reg.getNotifications()) n.close();
  });
  await mette.ctx.grantPermissions(['notifications'], { origin: world.url }); // also when this test runs alone
  await deliverPush(m, world.url, '/family/', 'not json {');
  const [n] = await waitNotifications(m, '/family/');
  assert.deepEqual([n.title, n.body, n.lang, n.dir, n.tag], ['Indgang', 'Du har en ny besked. Åbn Indgang for at læse den.', 'da', 'ltr', 'indgang']);
  // A click opens the app where it is.
  await clickNotification(mette.ctx, '/family/sw.js', 'indgang');
  for (let i = 0; i < 30 && (await notifications(m, '/family/')).length; i++) await m.waitForTimeout(100);
  assert.deepEqual(await notifications(m, '/family/'), []);
});

test('"Slå besked fra" ends the subscription: no more pushes', async () => {
  const m = mette.page;
  const before = (await svc.received(sub)).length;
  await openMenu(m);
  const del = m.waitForRequest((r) => /\/api\/push\/subscriptions\/\d+$/.test(r.url()) && r.method() === 'DELETE');
  await m.getByRole('button', { name: 'Slå besked fra' }).click();
  assert.equal((await (await del).response()).status(), 204);
  await m.locator('#notify-state', { hasText: /^Fra\./ }).waitFor();
  assert.equal(await m.locator('#notify-btn').textContent(), 'Slå besked til');
  assert.equal(await subscribeOptions(m), null, 'the browser subscription is gone too');
  await m.keyboard.press('Escape');
  await setVisible(m, false);
  await annaSends(world.conv.A, 'Ingen notifikation til denne.');
  await m.waitForTimeout(1500);
  assert.equal((await svc.received(sub)).length, before);
  await setVisible(m, true);
  // And the app does not ask again after the next message: the member chose.
  await m.locator('#body').fill('Modtaget.');
  await m.getByRole('button', { name: 'Send' }).click();
  await m.locator('.bubble.mine:not(.pending)', { hasText: 'Modtaget.' }).waitFor();
  await m.waitForTimeout(300);
  assert.equal(await m.locator('#notify-ask').isVisible(), false);
});

test('"Ikke nu" is remembered; the menu turns it on later', async () => {
  const jonas = await person(browser, world, PHONE);
  const jsub = await svc.subscribe();
  await stubSubscribe(jonas.ctx, jsub);
  const j = jonas.page;
  await familyEnrol(j, world, 'jonas');
  await j.locator('#body').fill('Hej, det er Jonas.');
  await j.getByRole('button', { name: 'Send' }).click();
  await j.locator('#notify-ask').waitFor();
  await j.getByRole('button', { name: 'Ikke nu' }).click();
  await j.locator('#notify-ask').waitFor({ state: 'hidden' });
  await j.reload();
  await j.locator('html[data-conn="open"]').waitFor();
  await j.locator('#body').fill('Og en til.');
  await j.getByRole('button', { name: 'Send' }).click();
  await j.locator('.bubble.mine:not(.pending)', { hasText: 'Og en til.' }).waitFor();
  await j.waitForTimeout(300);
  assert.equal(await j.locator('#notify-ask').isVisible(), false, 'asked once on this phone');
  await openMenu(j);
  await j.locator('#notify-state', { hasText: /^Fra\./ }).waitFor();
  await jonas.ctx.grantPermissions(['notifications'], { origin: world.url });
  const posted = pushPosted(j);
  await j.getByRole('button', { name: 'Slå besked til' }).click();
  assert.equal((await (await posted).response()).status(), 201);
  await j.locator('#notify-state', { hasText: /^Til\./ }).waitFor();
  assert.deepEqual(j.problems, []);
  await jonas.ctx.close();
});

test('an iPhone not running Indgang from the home screen is told how, not asked', async () => {
  const ua = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
  const amina = await person(browser, world, { ...PHONE, userAgent: ua });
  const a = amina.page;
  await familyEnrol(a, world, 'amina');
  await a.locator('#body').fill('Hej Dora.');
  await a.getByRole('button', { name: 'Send' }).click();
  await a.locator('#notify-ask').waitFor();
  assert.match(await a.locator('#notify-ask-text').textContent(), /hjemmeskærm/);
  assert.equal(await a.getByRole('button', { name: 'Ja tak' }).isVisible(), false, 'nothing to say yes to in Safari');
  assert.equal(await a.evaluate(() => Notification.permission), 'default');
  await shot(a, 'family-notify-iphone-phone');
  await a.getByRole('button', { name: 'OK' }).click();
  await a.locator('#notify-ask').waitFor({ state: 'hidden' });
  await openMenu(a);
  await a.locator('#notify-state', { hasText: /hjemmeskærm/ }).waitFor();
  assert.equal(await a.locator('#notify-btn').isVisible(), false);
  assert.deepEqual(a.problems, []);
  await amina.ctx.close();
});
