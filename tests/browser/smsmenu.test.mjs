// smsmenu.test.mjs - how Mette gets messages, chosen in the family app's
// menu (family/smsmenu.js; issue 13): without a number only "in the app" can
// be chosen; once her adviser added it she chooses SMS and agrees that whole
// messages may go by SMS (the gateway records that she did); after she sent
// STOP from her phone the menu says so and she turns SMS on again.  axe-core
// on the menu; the same in Arabic (right to left).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { startWorld, launch, person, staffLogin, familyEnrol, axe, shot, PHONE } from './lib/harness.mjs';

const SECRET = `smsmenu-${Math.random().toString(36).slice(2)}-secret`;
let world;
let browser;
let mette;
let secretDir;

before(async () => {
  secretDir = fs.mkdtempSync(path.join(os.tmpdir(), 'indgang-smsmenu-'));
  const secretFile = path.join(secretDir, 's');
  fs.writeFileSync(secretFile, `${SECRET}\n`);
  world = await startWorld({ args: ['--sms-secret-file', secretFile] });
  browser = await launch(world);
  mette = await person(browser, world, PHONE);
  await familyEnrol(mette.page, world, 'mette');
});

after(async () => {
  await browser?.close();
  await world?.stop();
  if (secretDir) fs.rmSync(secretDir, { recursive: true, force: true });
});

// As Kannel calls the gateway with an SMS from a phone (docs/kannel.md).
function fromPhone(from, text) {
  const q = new URLSearchParams({ secret: SECRET, from, text, id: `k-${Date.now()}` });
  return new Promise((resolve, reject) => {
    https.get(`${world.url}/sms/kannel?${q}`, { ca: fs.readFileSync(path.join(world.tmp, 'ca.pem')) }, (r) => {
      r.resume();
      r.on('end', () => resolve(r.statusCode));
    }).on('error', reject);
  });
}

async function openMenu(m) {
  await m.locator('#menu-btn').click();
  await m.locator('#menu[open]').waitFor();
  await m.locator('#sms-number:not(:empty)').waitFor();
}

async function closeMenu(m) {
  await m.keyboard.press('Escape');
  await m.locator('#menu[open]').waitFor({ state: 'detached' }).catch(() => {});
}

test('without a number only the app can be chosen', async () => {
  const m = mette.page;
  await openMenu(m);
  assert.match(await m.locator('#sms-number').textContent(), /Vi har ikke dit telefonnummer/);
  assert.equal(await m.getByLabel('Som SMS (også uden data)').isDisabled(), true);
  assert.equal(await m.getByLabel('Kun i appen').isChecked(), true);
  await closeMenu(m);
});

test('with the number her adviser added, she chooses SMS and agrees to whole messages', async () => {
    const m = mette.page;
  const anna = await person(browser, world, PHONE); // the pair sets the number
  await staffLogin(anna.page, world, 'anna');
  const status = await anna.page.evaluate(async ([url]) => (await fetch(url, {
    method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ phone: '22 34 56 78' }),
  })).status, [`/api/members/${world.ids.mette}/sms`]);
  assert.equal(status, 200);
  await openMenu(m);
  assert.match(await m.locator('#sms-number').textContent(), /\+4522345678/);
  await m.getByLabel('Som SMS (også uden data)').check();
  await m.getByLabel('Hele beskeder må sendes som SMS').check();
  await m.locator('#sms-form button[type="submit"]').click();
  await m.locator('#sms-status', { hasText: 'Gemt.' }).waitFor();
  const v = await m.evaluate(async (id) => (await fetch(`/api/members/${id}/sms`)).json(), world.ids.mette);
  assert.deepEqual([v.channel, v.consent && v.consent.by.name], ['sms', 'Mette Hansen'], 'recorded as hers');
  assert.deepEqual(await axe(m), []);
  await shot(m, 'family-menu-sms-phone');
  await closeMenu(m);
});

test('after STOP from her phone the menu says so, and she turns SMS on again', async () => {
  assert.equal(await fromPhone('+4522345678', 'STOP'), 200);
  const m = mette.page;
  await openMenu(m);
  await m.locator('#sms-stopped:not([hidden])').waitFor();
  await m.getByRole('button', { name: 'Få SMS igen' }).click();
  await m.locator('#sms-stopped[hidden]').waitFor({ state: 'attached' });
  const v = await m.evaluate(async (id) => (await fetch(`/api/members/${id}/sms`)).json(), world.ids.mette);
  assert.equal(v.stopped_at, null);
  await closeMenu(m);
});

test('in Arabic, right to left', async () => {
  const m = mette.page;
  await m.evaluate(() => localStorage.setItem('indgang.lang', 'ar'));
  await m.reload();
  await openMenu(m);
  assert.equal(await m.locator('html').getAttribute('dir'), 'rtl');
  assert.match(await m.locator('#menu-sms-title').textContent(), /الرسائل القصيرة/);
  assert.deepEqual(await axe(m), []);
  await closeMenu(m);
  await m.evaluate(() => localStorage.setItem('indgang.lang', 'da'));
});
