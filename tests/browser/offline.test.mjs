// offline.test.mjs - the family's outbox and the sessions that survive.
//   - a message written offline waits, survives a reload while still offline
//     (the service worker serves the app shell), and is delivered exactly
//     once when the network returns;
//   - a reload keeps the session, for the family and for staff;
//   - a staff session that ends (signed out elsewhere) falls back to the login
//     form gracefully, keeping the draft.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, launch, person, staffLogin, familyEnrol, shot, LAPTOP, PHONE, PASSWORDS } from './lib/harness.mjs';

let world;
let browser;
let anna;
let mette;

before(async () => {
  world = await startWorld();
  browser = await launch(world);
  anna = await person(browser, world, LAPTOP);
  mette = await person(browser, world, PHONE);
  await staffLogin(anna.page, world, 'anna');
  await familyEnrol(mette.page, world, 'mette');
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

// Every message of the family's conversation, from the gateway itself.
async function storedBodies(page, conv) {
  const r = await page.request.get(`${world.url}/api/conversations/${conv}/messages?limit=500`);
  assert.equal(r.status(), 200);
  return (await r.json()).messages.map((m) => m.body);
}

test('the app shell is cached by the service worker', async () => {
  const m = mette.page;
  const ok = await m.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    return !!reg.active;
  });
  assert.ok(ok, 'service worker active');
  await m.reload(); // now controlled by it
  await m.locator('html[data-conn="open"]').waitFor();
  assert.ok(await m.evaluate(() => !!navigator.serviceWorker.controller), 'page controlled by the service worker');
});

test('offline outbox: written offline, kept over a reload, delivered exactly once', async () => {
  const a = anna.page;
  const m = mette.page;
  await a.getByRole('link', { name: /Hele familien/ }).first().click();
  await a.locator('#composer').waitFor();

  await mette.ctx.setOffline(true);
  await m.locator('html[data-conn="offline"]').waitFor();
  assert.ok(await m.locator('#net-banner').isVisible(), 'the offline banner shows');
  const text = 'Skrevet i bussen uden net: kan vi flytte mødet til fredag?';
  await m.locator('#body').fill(text);
  await m.getByRole('button', { name: 'Send' }).click();
  const bubble = m.locator('.bubble.mine', { hasText: 'Skrevet i bussen' });
  await bubble.locator('.state[data-state="waiting"]').waitFor();
  await shot(m, 'family-offline-outbox-phone');

  // Closing and opening the app while still offline: the shell comes from
  // the service worker, the message from the outbox.
  await m.reload();
  await m.locator('#chat-view:not([hidden])').waitFor();
  await bubble.locator('.state[data-state="waiting"]').waitFor();
  assert.equal(await a.locator('.msg', { hasText: 'Skrevet i bussen' }).count(), 0, 'nothing arrived while offline');

  await mette.ctx.setOffline(false);
  await m.locator('html[data-conn="open"]').waitFor();
  await bubble.locator('.state[data-state="sent"], .state[data-state="read"]').waitFor();
  await a.locator('.msg', { hasText: 'Skrevet i bussen' }).waitFor();
  await m.waitForTimeout(500); // time for any duplicate to show up
  assert.equal(await a.locator('.msg', { hasText: 'Skrevet i bussen' }).count(), 1, 'once on the adviser screen');
  assert.equal(await m.locator('.bubble', { hasText: 'Skrevet i bussen' }).count(), 1, 'once on the phone');
  const bodies = await storedBodies(a, world.conv.A);
  assert.equal(bodies.filter((b) => b === text).length, 1, 'stored once by the gateway');
  assert.equal(await m.evaluate(() => Object.keys(localStorage).filter((k) => k.includes('outbox')).length), 0, 'outbox emptied');
});

test('several messages written offline arrive in order, each once', async () => {
  const a = anna.page;
  const m = mette.page;
  await mette.ctx.setOffline(true);
  await m.locator('html[data-conn="offline"]').waitFor();
  for (const t of ['Første offline', 'Anden offline', 'Tredje offline']) {
    await m.locator('#body').fill(t);
    await m.getByRole('button', { name: 'Send' }).click();
  }
  await mette.ctx.setOffline(false);
  await a.locator('.msg', { hasText: 'Tredje offline' }).waitFor();
  await m.waitForTimeout(300);
  const seq = await a.locator('.msg .msg-body').allTextContents();
  const got = seq.filter((t) => t.endsWith(' offline'));
  assert.deepEqual(got, ['Første offline', 'Anden offline', 'Tredje offline']);
});

test('what was sent while the phone was offline arrives once when it is back', async () => {
  const a = anna.page;
  const m = mette.page;
  await mette.ctx.setOffline(true);
  await m.locator('html[data-conn="offline"]').waitFor();
  for (const t of ['Mens du var væk 1', 'Mens du var væk 2']) {
    await a.locator('#body').fill(t);
    await a.locator('#body').press('Enter');
    await a.locator('.msg.mine', { hasText: t }).locator('.msg-state').waitFor();
  }
  await mette.ctx.setOffline(false);
  await m.locator('.bubble', { hasText: 'Mens du var væk 2' }).waitFor();
  await m.waitForTimeout(300);
  const got = (await m.locator('.bubble .body').allTextContents()).filter((t) => t.startsWith('Mens du var væk'));
  assert.deepEqual(got, ['Mens du var væk 1', 'Mens du var væk 2']);
});

test('after a gateway restart both clients reconnect by themselves and carry on', async () => {
  const a = anna.page;
  const m = mette.page;
  await world.restart(1500);
  // Both come back with backoff (the first retry is within about a second).
  await m.locator('html[data-conn="open"]').waitFor({ timeout: 40000 });
  await a.locator('#conn[data-state="open"]').waitFor({ timeout: 40000 });
  await a.locator('#body').fill('Efter genstart');
  await a.locator('#body').press('Enter');
  await m.locator('.bubble', { hasText: 'Efter genstart' }).waitFor();
  await m.locator('#body').fill('Modtaget efter genstart');
  await m.getByRole('button', { name: 'Send' }).click();
  await a.locator('.msg', { hasText: 'Modtaget efter genstart' }).waitFor();
  assert.equal(await m.locator('.bubble .body', { hasText: /^Efter genstart$/ }).count(), 1);
});

test('a reload keeps the session: family and staff', async () => {
  const a = anna.page;
  const m = mette.page;
  await m.reload();
  await m.locator('html[data-conn="open"]').waitFor();
  assert.equal(await m.locator('#enrol-view').isVisible(), false, 'no new enrolment needed');
  await m.locator('.bubble', { hasText: 'Skrevet i bussen' }).waitFor();
  await a.reload();
  await a.locator('#conn[data-state="open"]').waitFor();
  assert.equal(await a.locator('#login-view').isVisible(), false, 'staff still signed in');
  await a.locator('.msg', { hasText: 'Skrevet i bussen' }).waitFor(); // the route (#/c/N) came back too
  // The token is never visible to scripts: the cookie is HttpOnly.
  assert.equal(await a.evaluate(() => document.cookie), '');
  assert.equal(await m.evaluate(() => document.cookie), '');
  assert.equal(await m.evaluate(() => JSON.stringify(localStorage).includes('token')), false);
});

test('a staff session that ends elsewhere returns to the login form, draft kept', async () => {
  const a = anna.page;
  await a.locator('#body').fill('Et udkast, der ikke må gå tabt');
  // Signed out from another tab of the same browser (same cookie).
  const other = await anna.ctx.newPage();
  await other.goto(`${world.url}/staff/`);
  const r = await other.request.post(`${world.url}/api/logout`, { headers: { Origin: world.url } });
  assert.equal(r.status(), 204);
  await other.close();
  await a.locator('#login-view').waitFor();
  assert.match(await a.locator('#login-notice').textContent(), /logget ud/);
  await shot(a, 'staff-session-ended-laptop');
  await a.getByLabel('Brugernavn').fill('anna');
  await a.getByLabel('Adgangskode', { exact: true }).fill(PASSWORDS.anna);
  await a.getByRole('button', { name: 'Log ind' }).click();
  await a.locator('#conn[data-state="open"]').waitFor();
  assert.equal(await a.locator('#body').inputValue(), 'Et udkast, der ikke må gå tabt');
});
