// staffpush.test.mjs - Web Push in the staff client, end to end without the
// internet (lib/push.mjs): an adviser turns "Få besked om nye beskeder" on in
// the settings; the client subscribes with the gateway's key and registers
// the subscription in Danish; a family's message reaches the local push
// service (tests/pushsvc) while the adviser is not looking at it; the staff
// client's own service worker (/staff/sw.js, scope /staff/) shows it, and a
// click opens the family's conversation; what it shows is the adviser's
// choice; turning it off ends it; where the browser's own push service
// refuses (here: a Playwright context counts as incognito), the settings say it
// did not work.

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
let sub; // Anna's subscription at the local push service

before(async () => {
  world = await startWorld({ push: true });
  svc = await startPushService(world);
  browser = await launch(world);
  anna = await person(browser, world, LAPTOP);
  mette = await person(browser, world, PHONE);
  sub = await svc.subscribe();
  await stubSubscribe(anna.ctx, sub);
  await staffLogin(anna.page, world, 'anna');
  await familyEnrol(mette.page, world, 'mette');
});

after(async () => {
  await browser?.close();
  svc?.stop();
  await world?.stop();
});

async function metteSends(text) {
  const m = mette.page;
  await m.locator('#body').fill(text);
  await m.getByRole('button', { name: 'Send' }).click();
  await m.locator('.bubble.mine:not(.pending)', { hasText: text }).waitFor();
}

async function openSettings(a) {
  await a.getByRole('button', { name: 'Indstillinger' }).click();
  await a.locator('#settings[open]').waitFor();
}

test('an adviser turns notifications on in the settings: subscribed with the gateway key, registered in Danish', async () => {
  const a = anna.page;
  await openSettings(a);
  const toggle = a.getByRole('switch', { name: 'Få besked om nye beskeder' });
  await a.locator('#push-state', { hasText: /^Fra\./ }).waitFor();
  assert.equal(await toggle.isChecked(), false);
  assert.equal(await a.locator('#push-content').isVisible(), false);
  await anna.ctx.grantPermissions(['notifications'], { origin: world.url });
  const posted = a.waitForRequest((r) => r.url().endsWith('/api/push/subscriptions') && r.method() === 'POST');
  await toggle.check();
  const req = await posted;
  assert.deepEqual(req.postDataJSON(), { endpoint: sub.endpoint, expirationTime: null, keys: sub.keys, lang: 'da' });
  assert.equal((await req.response()).status(), 201);
  const key = await a.evaluate(async () => (await (await fetch('/api/push/key')).json()).public_key);
  assert.deepEqual(await subscribeOptions(a), { userVisibleOnly: true, key });
  await a.locator('#push-state', { hasText: /^Til\./ }).waitFor();
  assert.ok(await toggle.isChecked());
  await a.locator('#push-content').waitFor();
  await a.locator('#push-content-none:checked').waitFor(); // nothing of the message, by default
  assert.deepEqual(await axe(a), []);
  await shot(a, 'staff-settings-laptop');
  await a.keyboard.press('Escape');
  // The staff client's own service worker, at /staff/.
  const scope = await a.evaluate(async () => (await navigator.serviceWorker.getRegistration('/staff/')).scope);
  assert.equal(scope, `${world.url}/staff/`);
  assert.deepEqual(a.problems, []);
});

test("a family's message while the adviser looks elsewhere: a push in Danish, shown by the staff worker; a click opens the conversation", async () => {
  const a = anna.page;
  await a.goto(`${world.url}/staff/#/`);
  await metteSends('Hej Anna, jeg har fået brevet fra skolen.');
  const [push] = await svc.waitFor(sub, 1);
  const payload = JSON.parse(push.payload);
  assert.deepEqual([payload.title, payload.body, payload.lang, payload.dir, payload.conv, payload.tag],
    ['Indgang', 'Ny besked fra en familie', 'da', 'ltr', world.conv.A, `conv-${world.conv.A}`]);
  await deliverPush(a, world.url, '/staff/', push.payload);
  const [n] = await waitNotifications(a, '/staff/');
  assert.deepEqual([n.title, n.body, n.tag, n.lang, n.dir, new URL(n.icon).pathname, n.data.conv],
    ['Indgang', 'Ny besked fra en familie', `conv-${world.conv.A}`, 'da', 'ltr', '/family/icons/icon-192.png', world.conv.A]);
  await clickNotification(anna.ctx, '/staff/sw.js', `conv-${world.conv.A}`);
  await a.waitForURL(`${world.url}/staff/#/c/${world.conv.A}`);
  await a.locator('#msgs').getByText('brevet fra skolen').waitFor();
  assert.deepEqual(await notifications(a, '/staff/'), []);
  // Now she reads it: no push about the conversation on her screen.
  await metteSends('Skal jeg tage det med torsdag?');
  await a.locator('#msgs').getByText('tage det med torsdag').waitFor();
  await a.waitForTimeout(1500);
  assert.equal((await svc.received(sub)).length, 1);
  assert.deepEqual(a.problems, []);
});

test('what the notification shows is the adviser’s choice', async () => {
  const a = anna.page;
  await openSettings(a);
  const put = a.waitForRequest((r) => r.url().endsWith('/api/me/notifications') && r.method() === 'PUT');
  await a.locator('#push-content-sender').check();
  assert.deepEqual((await put).postDataJSON(), { content: 'sender' });
  await a.locator('#push-content-status', { hasText: 'Gemt.' }).waitFor();
  await a.keyboard.press('Escape');
  await a.goto(`${world.url}/staff/#/`);
  await metteSends('Og en ting mere.');
  const got = await svc.waitFor(sub, 2);
  assert.equal(JSON.parse(got[1].payload).body, 'Ny besked fra Mette Hansen');
  assert.equal(await a.evaluate(async () => (await (await fetch('/api/me/notifications')).json()).content), 'sender');
});

test('turning it off ends the subscription at the gateway and in the browser', async () => {
  const a = anna.page;
  await openSettings(a);
  const del = a.waitForRequest((r) => /\/api\/push\/subscriptions\/\d+$/.test(r.url()) && r.method() === 'DELETE');
  await a.getByRole('switch', { name: 'Få besked om nye beskeder' }).uncheck();
  assert.equal((await (await del).response()).status(), 204);
  await a.locator('#push-state', { hasText: /^Fra\./ }).waitFor();
  assert.equal(await subscribeOptions(a), null);
  await a.keyboard.press('Escape');
  const before = (await svc.received(sub)).length;
  await metteSends('Ingen besked om denne.');
  await a.waitForTimeout(1500);
  assert.equal((await svc.received(sub)).length, before);
  assert.deepEqual(a.problems, []);
});

test('when the browser cannot subscribe, the settings say so and register nothing', async () => {
  const bo = await person(browser, world, LAPTOP); // no stub: the real pushManager
  const b = bo.page;
  await staffLogin(b, world, 'bo');
  await bo.ctx.grantPermissions(['notifications'], { origin: world.url });
  await openSettings(b);
  const posted = [];
  b.on('request', (r) => r.url().endsWith('/api/push/subscriptions') && posted.push(r));
  // click(), not check(): the switch may already be off again (the browser refused at
  // once) when Playwright looks, which check() takes for a click that did nothing.
  await b.getByRole('switch', { name: 'Få besked om nye beskeder' }).click();
  await b.locator('#push-state', { hasText: 'Det lykkedes ikke at slå besked til.' }).waitFor({ timeout: 40000 });
  assert.equal(await b.getByRole('switch', { name: 'Få besked om nye beskeder' }).isChecked(), false);
  assert.equal(await b.locator('#push-content').isVisible(), false);
  assert.deepEqual(posted, [], 'nothing registered with the gateway');
  // Chromium says why in the console (a Playwright context counts as incognito).
  assert.deepEqual(b.problems.filter((x) => !/does not support the Push API in incognito/.test(x)), []);
  await bo.ctx.close();
});
