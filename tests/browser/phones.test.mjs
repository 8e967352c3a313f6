// phones.test.mjs - a family member sees and revokes their own phones in the
// family app (GET /api/families/{id}/devices answers a member with their own
// phones only; DELETE /api/devices/{id}).  Mette enrols her phone in the
// app; her adviser gives her a second code and a second phone enrols over
// HTTP.  The enrolment notice (a `system` message, client_id `enrol-N`)
// reaches the open app with a shortcut to the phones view; the view, also
// reached from the menu, lists both phones with "this phone" marked and
// offers "Fjern" only for the other one; after the confirm step that phone's
// token is refused (401) while the app carries on.  axe-core on the view and
// its confirm step, in Danish and in Arabic.  The phone is first named by its kind
// and model ("Android-telefon (Pixel 7)") and renamed from the view ("Omdøb").

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'playwright-core';
import { startWorld, launch, person, familyEnrol, axe, shot, PHONE, PASSWORDS } from './lib/harness.mjs';

let world;
let browser;
let http; // Node-side HTTP client (no browser, no cookies kept between calls that matter)
let mette;
let thisPhone; // device id of the phone the app runs on
let other; // { id, token } of the second phone

before(async () => {
  world = await startWorld();
  browser = await launch(world);
  http = await request.newContext({ baseURL: world.url, ignoreHTTPSErrors: true });
  mette = await person(browser, world, PHONE);
});

after(async () => {
  await http?.dispose();
  await browser?.close();
  await world?.stop();
});

const bearer = (token) => ({ headers: { Authorization: `Bearer ${token}` } });

async function post(path, body, token) {
  const r = await http.post(path, { data: body, headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) } });
  assert.ok(r.ok(), `${path}: HTTP ${r.status()} ${await r.text()}`);
  return r.json();
}

async function checkA11y(page, name) {
  await shot(page, name);
  const v = await axe(page);
  assert.deepEqual(v, [], `${name}: axe-core found serious/critical violations:\n${v.join('\n')}`);
}

test('a second phone enrols: the open app gets the notice with a shortcut to the phones', async () => {
  const m = mette.page;
  // An Android phone whose browser tells its model (User-Agent Client Hints).
  await m.context().addInitScript(() => {
    Object.defineProperty(navigator, 'userAgent', { get: () => 'Mozilla/5.0 (Linux; Android 14; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36' });
    Object.defineProperty(navigator, 'userAgentData', { get: () => ({ getHighEntropyValues: async () => ({ model: 'Pixel 7' }) }) });
  });
  await familyEnrol(m, world, 'mette');
  const kept = await m.evaluate(() => JSON.parse(localStorage.getItem('indgang.family')).device);
  thisPhone = kept.id;
  assert.ok(Number.isInteger(thisPhone), 'the app keeps its device id from the enrol answer');
  assert.equal(kept.name, 'Android-telefon (Pixel 7)', 'the phone is named by its kind and model');

  // The adviser makes a second code for Mette; another phone enrols with it.
  const anna = await post('/api/login', { username: 'anna', password: PASSWORDS.anna });
  const inv = await post('/api/invites', { member: world.ids.mette }, anna.token);
  const enrolled = await post('/api/enrol', { code: inv.code, device: 'Ukendt telefon' });
  other = { id: enrolled.device.id, token: enrolled.token };
  assert.notEqual(other.id, thisPhone);
  assert.equal((await http.get('/api/me', bearer(other.token))).status(), 200, 'the second phone works');

  // The notice arrives live, about Mette, with a shortcut.
  const notice = m.locator('.bubble.system', { hasText: 'Ukendt telefon' });
  await notice.waitFor();
  const shortcut = notice.getByRole('button', { name: 'Se dine telefoner' });
  await shortcut.waitFor();
  assert.equal(await m.getByRole('button', { name: 'Se dine telefoner' }).count(), 1, 'no shortcut on this phone\'s own notice');
  await shot(m, 'family-enrol-notice');
  await shortcut.click();
  await m.locator('#phones-view:not([hidden])').waitFor();
  await m.getByRole('button', { name: 'Tilbage' }).click();
  await m.locator('#chat-view:not([hidden])').waitFor();
  assert.deepEqual(m.problems, []);
});

test('the phones view from the menu: both phones, this one marked, Fjern only for the other', async () => {
  const m = mette.page;
  await m.getByRole('button', { name: 'Menu' }).click();
  await m.locator('#menu[open]').waitFor();
  await m.getByRole('button', { name: 'Dine telefoner', exact: true }).click();
  await m.locator('#phones-view:not([hidden])').waitFor();
  assert.equal(await m.locator('#menu[open]').count(), 0, 'the menu closes');
  await m.getByRole('heading', { name: 'Dine telefoner' }).waitFor();
  // The advice: a phone you do not know is removed and the adviser told.
  assert.match(await m.locator('#phones-view').textContent(), /ikke kender.*rådgiver/s);

  const rows = m.locator('#phones-list > li');
  await m.locator(`#phones-list > li[data-device="${other.id}"]`).waitFor();
  assert.equal(await rows.count(), 2);
  const mine = m.locator(`#phones-list > li[data-device="${thisPhone}"]`);
  const theirs = m.locator(`#phones-list > li[data-device="${other.id}"]`);
  assert.match(await mine.textContent(), /Denne telefon/);
  assert.match(await mine.textContent(), /Aktiv/);
  assert.match(await mine.textContent(), /Tilføjet/);
  assert.doesNotMatch(await theirs.textContent(), /Denne telefon/);
  assert.match(await theirs.textContent(), /Ukendt telefon/);
  assert.match(await theirs.textContent(), /Aktiv/);
  assert.equal(await mine.getByRole('button', { name: /^Fjern/ }).count(), 0, 'no Fjern for the phone in use');
  assert.equal(await theirs.getByRole('button', { name: /^Fjern/ }).count(), 1);
  await checkA11y(m, 'family-phones');
});

test('Omdøb: this phone gets a name Mette recognises, kept by the gateway and shown in the menu', async () => {
  const m = mette.page;
  const omdoeb = m.getByRole('button', { name: `Omdøb Android-telefon (Pixel 7), nr. ${thisPhone}` });
  await omdoeb.click();
  const input = m.getByLabel('Nyt navn på telefonen');
  assert.ok(await input.evaluate((i) => i === document.activeElement), 'the focus is in the name field');
  assert.equal(await input.inputValue(), 'Android-telefon (Pixel 7)');
  await checkA11y(m, 'family-phones-rename');
  await input.fill('Noget andet');
  await m.keyboard.press('Escape');
  assert.equal(await input.count(), 0, 'Escape closes the form');
  assert.ok(await omdoeb.evaluate((b) => b === document.activeElement), 'the focus returns to Omdøb');
  await omdoeb.click();
  await input.fill('  Mettes Samsung ');
  await m.keyboard.press('Enter');
  await m.locator('#phones-status', { hasText: 'Telefonen hedder nu Mettes Samsung.' }).waitFor();
  const mine = m.locator(`#phones-list > li[data-device="${thisPhone}"]`);
  assert.match(await mine.locator('.phone-name').textContent(), /^Mettes Samsung/);
  const renamed = m.getByRole('button', { name: `Omdøb Mettes Samsung, nr. ${thisPhone}` });
  assert.ok(await renamed.evaluate((b) => b === document.activeElement), 'the focus is back on the phone');
  const anna = await post('/api/login', { username: 'anna', password: PASSWORDS.anna });
  const family = (await (await http.get('/api/me', bearer(anna.token))).json()).conversations[0].family.id;
  const list = await (await http.get(`/api/families/${family}/devices`, bearer(anna.token))).json();
  assert.equal(list.devices.find((d) => d.id === thisPhone).name, 'Mettes Samsung', 'the adviser sees the new name');
  assert.equal(await m.evaluate(() => JSON.parse(localStorage.getItem('indgang.family')).device.name), 'Mettes Samsung');
});

test('Fjern asks first; Fortryd and Escape keep the phone', async () => {
  const m = mette.page;
  const fjern = m.getByRole('button', { name: `Fjern Ukendt telefon, nr. ${other.id}` });
  await fjern.click();
  const yes = m.getByRole('button', { name: 'Ja, fjern' });
  await m.locator('#phones-confirm:not([hidden])').waitFor();
  assert.match(await m.locator('#phones-confirm').textContent(), /Ukendt telefon/);
  assert.ok(await yes.evaluate((b) => b === document.activeElement), 'the focus is on "Ja, fjern"');
  await checkA11y(m, 'family-phones-confirm');
  await m.getByRole('button', { name: 'Fortryd' }).click();
  assert.equal(await m.locator('#phones-confirm').isVisible(), false);
  assert.ok(await fjern.evaluate((b) => b === document.activeElement), 'the focus returns to Fjern');
  await fjern.click();
  await m.keyboard.press('Escape');
  assert.equal(await m.locator('#phones-confirm').isVisible(), false);
  assert.equal(await m.locator('#phones-view').isVisible(), true, 'Escape closes only the question');
  assert.equal((await http.get('/api/me', bearer(other.token))).status(), 200, 'still works after Fortryd');
});

test('revoking the other phone: its token is refused (401), this phone carries on', async () => {
  const m = mette.page;
  await m.getByRole('button', { name: `Fjern Ukendt telefon, nr. ${other.id}` }).click();
  await m.getByRole('button', { name: 'Ja, fjern' }).click();
  const theirs = m.locator(`#phones-list > li[data-device="${other.id}"]`);
  await theirs.locator('.phone-state.revoked').waitFor();
  assert.match(await theirs.textContent(), /Fjernet/);
  assert.equal(await theirs.getByRole('button').count(), 0);
  assert.match(await m.locator('#phones-status').textContent(), /Ukendt telefon.*fjernet/);
  assert.equal((await http.get('/api/me', bearer(other.token))).status(), 401, 'the revoked phone is signed out');
  // This phone is still signed in and connected.
  await m.getByRole('button', { name: 'Tilbage' }).click();
  await m.locator('#chat-view:not([hidden])').waitFor();
  assert.equal(await m.getAttribute('html', 'data-conn'), 'open');
  assert.equal((await m.request.get(`${world.url}/api/me`)).status(), 200);
  assert.deepEqual(m.problems, []);
});

test('the phones view in Arabic, right-to-left, and the back button', async () => {
  const m = mette.page;
  await m.getByRole('button', { name: 'Menu' }).click();
  await m.getByRole('button', { name: 'العربية' }).click();
  await m.locator('html[lang="ar"][dir="rtl"]').waitFor();
  await m.locator('#phones-open').click();
  await m.locator('#phones-view:not([hidden])').waitFor();
  await m.locator(`#phones-list > li[data-device="${other.id}"] .phone-state.revoked`).waitFor();
  await checkA11y(m, 'family-phones-ar');
  // The phone's back button leaves the view.
  await m.goBack();
  await m.locator('#chat-view:not([hidden])').waitFor();
  await m.getByRole('button', { name: /القائمة|Menu/ }).click();
  await m.getByRole('button', { name: 'Dansk' }).click();
  await m.locator('html[lang="da"]').waitFor();
  await m.keyboard.press('Escape');
  assert.deepEqual(m.problems, []);
});

test('a reload in the view stays there; without the kept device id the only active phone is this one', async () => {
  const m = mette.page;
  // As a phone enrolled before the app kept its device id.
  await m.evaluate(() => {
    const s = JSON.parse(localStorage.getItem('indgang.family'));
    delete s.device;
    localStorage.setItem('indgang.family', JSON.stringify(s));
  });
  await m.getByRole('button', { name: 'Menu' }).click();
  await m.getByRole('button', { name: 'Dine telefoner', exact: true }).click();
  await m.locator('#phones-view:not([hidden])').waitFor();
  await m.reload();
  await m.locator('#phones-view:not([hidden])').waitFor();
  const mine = m.locator(`#phones-list > li[data-device="${thisPhone}"]`);
  await mine.waitFor();
  assert.match(await mine.textContent(), /Denne telefon/);
  assert.equal(await m.locator('#phones-list button.phone-remove').count(), 0, 'nothing to remove: the other phone is gone, this one is in use');
  await m.getByRole('button', { name: 'Tilbage' }).click();
  await m.locator('#chat-view:not([hidden])').waitFor();
  assert.equal(new URL(m.url()).hash, '');
  assert.deepEqual(m.problems, []);
});
