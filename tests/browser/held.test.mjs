// held.test.mjs - unsent messages across the end of a phone's sign-in
// (issue 12: "re-enrolment never silently loses the outbox").  The gateway
// runs with device_idle_days = 0.0001 (8.6 s): a phone left offline that
// long is signed out.  A message Mette wrote offline waits through that:
// the enrolment screen says it is not sent yet (also after the app is
// opened again), and when she enrols with a new code it reaches the gateway
// once.  Another member enrolling on the phone gets the first member's
// unsent message deleted, is told how many, and it never reaches the
// gateway.  A phone revoked while a message waited says it was deleted.
// Signing out asks first when messages wait.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'playwright-core';
import { startWorld, launch, person, staffLogin, familyEnrol, axe, shot, LAPTOP, PHONE, PASSWORDS } from './lib/harness.mjs';

const IDLE_S = 0.0001 * 86400;
let world;
let browser;
let http;
let anna; // the adviser's page (her cookie reads the stored messages)
let mette; // the phone: { ctx, page }

before(async () => {
  world = await startWorld({ args: ['--device-idle-days', '0.0001'] });
  browser = await launch(world);
  http = await request.newContext({ baseURL: world.url, ignoreHTTPSErrors: true });
  anna = (await person(browser, world, LAPTOP)).page;
  await staffLogin(anna, world, 'anna');
  mette = await person(browser, world, PHONE);
});

after(async () => {
  await http?.dispose();
  await browser?.close();
  await world?.stop();
});

async function storedBodies() {
  const r = await anna.request.get(`${world.url}/api/conversations/${world.conv.A}/messages?limit=500`);
  assert.equal(r.status(), 200);
  return (await r.json()).messages.map((x) => x.body);
}

async function newCode(member) {
  const r = await anna.request.post(`${world.url}/api/invites`, { data: { member: world.ids[member] }, headers: { Origin: world.url } });
  assert.equal(r.status(), 201, await r.text());
  return (await r.json()).code;
}

async function enrolWith(code) {
  const m = mette.page;
  await m.locator('#code').fill(code);
  await m.locator('#enrol-submit').click();
  await m.locator('#chat-view:not([hidden])').waitFor();
  await m.locator('html[data-conn="open"]').waitFor();
}

// Writes text offline and waits until the phone's sign-in has gone idle.
async function writeOfflineAndWait(text) {
  const m = mette.page;
  await mette.ctx.setOffline(true);
  await m.locator('html[data-conn="offline"]').waitFor();
  await m.locator('#body').fill(text);
  await m.getByRole('button', { name: 'Send' }).click();
  await m.locator('.bubble.mine', { hasText: text }).locator('.state[data-state="waiting"]').waitFor();
  await m.waitForTimeout((IDLE_S + 2) * 1000);
  await mette.ctx.setOffline(false);
}

test('ended by time: the unsent message waits and goes once when the same member enrols again', async () => {
  const m = mette.page;
  await familyEnrol(m, world, 'mette');
  const text = 'Skrevet uden net, før telefonen blev logget ud';
  await writeOfflineAndWait(text);
  await m.locator('#enrol-view:not([hidden])').waitFor({ timeout: 20000 });
  const notice = await m.locator('#signedout').textContent();
  assert.match(notice, /logget ud/);
  assert.match(notice, /Ikke sendt endnu: 1\./);
  await m.reload(); // the app opened again later: still said
  await m.locator('#enrol-view:not([hidden])').waitFor();
  assert.match(await m.locator('#signedout').textContent(), /Ikke sendt endnu: 1\./);
  await shot(m, 'family-held');
  const v = await axe(m);
  assert.deepEqual(v, [], `axe-core on the enrolment screen with the notice:\n${v.join('\n')}`);
  assert.ok(!(await storedBodies()).includes(text), 'not sent while signed out');
  await enrolWith(await newCode('mette'));
  await m.locator('.bubble.mine', { hasText: text }).locator('.state[data-state="sent"], .state[data-state="read"]').waitFor();
  await m.waitForTimeout(500);
  assert.equal((await storedBodies()).filter((b) => b === text).length, 1, 'stored once');
  assert.equal(await m.locator('#chat-notice').isVisible(), false, 'nothing deleted, nothing to say');
});

test('another member enrolling: the first member\'s unsent message is deleted, and that is said', async () => {
  const m = mette.page;
  const text = 'Mettes besked, som Jonas ikke må sende';
  await writeOfflineAndWait(text);
  await m.locator('#enrol-view:not([hidden])').waitFor({ timeout: 20000 });
  await enrolWith(world.invites.jonas);
  await m.locator('#chat-notice:not([hidden])').waitFor();
  assert.match(await m.locator('#chat-notice').textContent(), /tidligere bruger.*slettet: 1\./);
  await m.waitForTimeout(1000);
  assert.ok(!(await storedBodies()).includes(text), 'never sent in anyone\'s name');
  assert.equal(await m.evaluate(() => Object.keys(localStorage).filter((k) => k.includes('outbox')).length), 0, 'nothing left on the phone');
});

test('a revoked phone says how many unsent messages were deleted', async () => {
  const m = mette.page;
  const device = await m.evaluate(() => JSON.parse(localStorage.getItem('indgang.family')).device.id);
  await mette.ctx.setOffline(true);
  await m.locator('html[data-conn="offline"]').waitFor();
  await m.locator('#body').fill('Jonas skriver uden net');
  await m.getByRole('button', { name: 'Send' }).click();
  const r = await anna.request.delete(`${world.url}/api/devices/${device}`, { headers: { Origin: world.url } });
  assert.equal(r.status(), 204);
  await mette.ctx.setOffline(false);
  await m.locator('#enrol-view:not([hidden])').waitFor({ timeout: 20000 });
  const notice = await m.locator('#signedout').textContent();
  assert.match(notice, /logget ud/);
  assert.match(notice, /ikke var sendt, er slettet: 1\./);
  assert.ok(!(await storedBodies()).includes('Jonas skriver uden net'));
});

test('signing out asks first when messages wait', async () => {
  const m = mette.page;
  await enrolWith(await newCode('mette'));
  await mette.ctx.setOffline(true);
  await m.locator('html[data-conn="offline"]').waitFor();
  await m.locator('#body').fill('Ikke sendt, og så logger jeg ud');
  await m.getByRole('button', { name: 'Send' }).click();
  await m.getByRole('button', { name: 'Menu' }).click();
  await m.getByRole('button', { name: 'Log ud på denne telefon' }).click();
  await m.locator('#signout-unsent:not([hidden])').waitFor();
  assert.match(await m.locator('#signout-unsent').textContent(), /ikke er sendt endnu: 1\. De bliver slettet/);
  await mette.ctx.setOffline(false);
});
