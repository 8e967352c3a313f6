// offhist.test.mjs - the family app keeps its last messages readable
// offline (issue 12; family/cache.js).  Mette and her adviser exchange
// messages; Mette's app is closed, the phone goes offline, the app is
// opened again: the messages are on screen, in order, with the offline
// notice.  Back online, a message the adviser wrote meanwhile arrives and
// nothing is doubled.  Signing out deletes what was kept (IndexedDB) and an
// offline start then shows no message; a revoked phone deletes it too.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, launch, person, staffLogin, familyEnrol, shot, LAPTOP, PHONE } from './lib/harness.mjs';

let world;
let browser;
let a; // anna's page
let mette; // { ctx, page }
const texts = ['Hej Mette, her er tiden til mødet: torsdag kl. 10.', 'Tak, det passer fint.', 'Husk brevet fra kommunen.'];

before(async () => {
  world = await startWorld();
  browser = await launch(world);
  a = (await person(browser, world, LAPTOP)).page;
  await staffLogin(a, world, 'anna');
  await a.goto(`${world.url}/staff/#/c/${world.conv.A}`);
  await a.locator('#composer').waitFor();
  mette = await person(browser, world, PHONE);
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

async function annaSends(text) {
  await a.locator('#body').fill(text);
  await a.locator('#body').press('Enter');
  await a.locator('.msg.mine', { hasText: text }).waitFor();
}

const kept = (page) => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));

// Closes the app, goes offline and opens it again.
async function reopenOffline() {
  await mette.page.close();
  await mette.ctx.setOffline(true);
  mette.page = await mette.ctx.newPage();
  await mette.page.goto(`${world.url}/family/`).catch(() => {}); // served by the service worker
  return mette.page;
}

test('a reopened app offline shows the last messages, in order, with the offline notice', async () => {
  let m = mette.page;
  await familyEnrol(m, world, 'mette');
  await annaSends(texts[0]);
  await m.locator('#body').fill(texts[1]);
  await m.getByRole('button', { name: 'Send' }).click();
  await annaSends(texts[2]);
  await m.locator('.bubble', { hasText: texts[2] }).waitFor();
  await m.waitForTimeout(1500); // written a second after the last message
  assert.ok((await kept(m)).includes('indgang-family'), 'kept in IndexedDB');
  m = await reopenOffline();
  await m.locator('#chat-view:not([hidden])').waitFor();
  await m.locator('.bubble', { hasText: texts[2] }).waitFor();
  const shown = (await m.locator('.bubble').allTextContents()).map((t) => texts.findIndex((x) => t.includes(x))).filter((i) => i >= 0);
  assert.deepEqual(shown, [0, 1, 2], 'the three messages, in order');
  assert.ok(await m.locator('#net-banner').isVisible(), 'the offline notice shows');
  await shot(m, 'family-offline-history');
});

test('back online: what came meanwhile arrives, nothing doubled', async () => {
  const m = mette.page;
  const meanwhile = 'Skrevet mens Mettes telefon var uden net';
  await annaSends(meanwhile);
  await mette.ctx.setOffline(false);
  await m.locator('html[data-conn="open"]').waitFor({ timeout: 20000 });
  await m.locator('.bubble', { hasText: meanwhile }).waitFor();
  await m.waitForTimeout(500);
  for (const t of [...texts, meanwhile]) assert.equal(await m.locator('.bubble', { hasText: t }).count(), 1, `once: ${t}`);
});

test('signing out deletes what was kept; an offline start then shows nothing', async () => {
  let m = mette.page;
  await m.waitForTimeout(1500);
  await m.getByRole('button', { name: 'Menu' }).click();
  await m.getByRole('button', { name: 'Log ud på denne telefon' }).click();
  await m.getByRole('button', { name: 'Ja, log ud' }).click();
  await m.locator('#enrol-view:not([hidden])').waitFor();
  await m.waitForTimeout(300);
  assert.ok(!(await kept(m)).includes('indgang-family'), 'the IndexedDB database is gone');
  m = await reopenOffline();
  await m.locator('#enrol-view:not([hidden])').waitFor();
  const html = await m.content();
  for (const t of texts) assert.ok(!html.includes(t), `nothing of "${t}"`);
  await mette.ctx.setOffline(false);
});

test('a revoked phone deletes what was kept', async () => {
  const m = mette.page;
  const r = await a.request.post(`${world.url}/api/invites`, { data: { member: world.ids.mette }, headers: { Origin: world.url } });
  const { code } = await r.json();
  await m.locator('#code').fill(code);
  await m.locator('#enrol-submit').click();
  await m.locator('html[data-conn="open"]').waitFor();
  await m.locator('.bubble', { hasText: texts[2] }).waitFor();
  await m.waitForTimeout(1500);
  assert.ok((await kept(m)).includes('indgang-family'), 'kept again after the new sign-in');
  const device = await m.evaluate(() => JSON.parse(localStorage.getItem('indgang.family')).device.id);
  const del = await a.request.delete(`${world.url}/api/devices/${device}`, { headers: { Origin: world.url } });
  assert.equal(del.status(), 204);
  await m.locator('#enrol-view:not([hidden])').waitFor({ timeout: 20000 });
  await m.waitForTimeout(300);
  assert.ok(!(await kept(m)).includes('indgang-family'), 'gone with the revocation');
});
