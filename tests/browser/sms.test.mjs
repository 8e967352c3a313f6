// sms.test.mjs - a family member's phone number and SMS channel on the staff
// client's family page (staff/sms.js, GET/PUT /api/members/{id}/sms; issue
// 13).  The pair types Mette's number as people do, chooses "Kun SMS" and
// records her consent; the gateway keeps the number as E.164 and who
// recorded the consent; a wrong number is told; the contact log says it in
// Danish with the number masked; a team member reads it without a form.
// axe-core on the section.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, launch, person, staffLogin, axe, shot, LAPTOP } from './lib/harness.mjs';

let world;
let browser;
let anna;
let carl;

before(async () => {
  world = await startWorld();
  browser = await launch(world);
  anna = (await person(browser, world, LAPTOP)).page;
  carl = (await person(browser, world, LAPTOP)).page;
  await staffLogin(anna, world, 'anna');
  await staffLogin(carl, world, 'carl');
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

test('the pair sets Mette\'s number, SMS only and her consent; a wrong number is told', async () => {
  const a = anna;
  await a.goto(`${world.url}/staff/#/f/${world.fam.A}/family`);
  const mette = a.locator(`#sms-list li[data-member="${world.ids.mette}"]`);
  await mette.locator('form').waitFor();
  await mette.getByLabel('Telefonnummer').fill('12 34');
  await mette.getByRole('button', { name: 'Gem SMS for Mette Hansen' }).click();
  await mette.locator('.error-box', { hasText: 'Det er ikke et telefonnummer' }).waitFor();
  await mette.getByLabel('Telefonnummer').fill('22 34 56 78');
  await mette.getByLabel('Sådan får Mette Hansen besked').selectOption('sms');
  await mette.getByLabel('Mette Hansen har sagt ja til, at hele beskeder sendes som SMS').check();
  await mette.getByRole('button', { name: 'Gem SMS for Mette Hansen' }).click();
  await mette.locator('.sms-status', { hasText: 'Gemt.' }).waitFor();
  assert.match(await mette.locator('.sms-status').textContent(), /registreret af Anna Jensen/);
  assert.equal(await mette.getByLabel('Telefonnummer').inputValue(), '+4522345678', 'kept as E.164');
  const r = await a.request.get(`${world.url}/api/members/${world.ids.mette}/sms`);
  const v = await r.json();
  assert.deepEqual([v.phone, v.channel, v.consent.by.name], ['+4522345678', 'sms', 'Anna Jensen']);
  await shot(a, 'staff-sms-settings');
  assert.deepEqual(await axe(a), []);
});

test('the contact log says it in Danish, the number masked', async () => {
  const a = anna;
  await a.getByRole('link', { name: 'Kontaktlog', exact: true }).click();
  const row = a.locator('#log-body tr', { hasText: 'SMS for Mette Hansen' }).first();
  await row.waitFor();
  const text = await row.textContent();
  assert.match(text, /nummer \+45••••5678/);
  assert.match(text, /besked via kun SMS/);
  assert.match(text, /ja til hele beskeder som SMS/);
  assert.doesNotMatch(text, /22345678/);
});

test('a team member reads it, without a form', async () => {
  const c = carl;
  await c.goto(`${world.url}/staff/#/f/${world.fam.A}/family`);
  const mette = c.locator(`#sms-list li[data-member="${world.ids.mette}"]`);
  await mette.locator('p', { hasText: '+4522345678' }).waitFor();
  assert.match(await mette.textContent(), /Kun SMS/);
  assert.equal(await mette.locator('form').count(), 0);
});
