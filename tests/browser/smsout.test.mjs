// smsout.test.mjs - an adviser writing to a family member reached by SMS
// only, in the staff client (staff/smsout.js; issue 13), through the real
// Kannel and the simulated operator SMSC (lib/kannel.mjs).  Before sending,
// the composer says who gets it by SMS and what it costs: a notice without
// the text while Mette has not agreed to full text; the text in so many
// parts once she has (the count the gateway makes); "Send ikke teksten som
// SMS" makes it a notice again.  After sending, the line under the message
// follows the SMS to "leveret", and the phone has what the line says.
// axe-core on the composer.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startWorld, launch, person, staffLogin, axe, shot, LAPTOP } from './lib/harness.mjs';
import { startKannel } from './lib/kannel.mjs';

const METTE = '+4522345678';
const NOTICE = 'Du har en ny besked fra din rådgiver: ';
let world;
let kannel;
let browser;
let anna;
let secretDir;

before(async () => {
  secretDir = fs.mkdtempSync(path.join(os.tmpdir(), 'indgang-smsout-'));
  const secret = path.join(secretDir, 'sms-secret');
  fs.writeFileSync(secret, `smsout-${Math.random().toString(36).slice(2)}-secret\n`);
  kannel = await startKannel(secret);
  world = await startWorld({ args: kannel.args });
  browser = await launch(world);
  anna = (await person(browser, world, LAPTOP)).page;
  await staffLogin(anna, world, 'anna');
});

after(async () => {
  try {
    await browser?.close();
    await world?.stop(); // throws on an unclean gateway exit (a sanitizer report)
  } finally {
    await kannel?.stop();
    if (secretDir) fs.rmSync(secretDir, { recursive: true, force: true });
  }
});

// As the family page's form does it (sms.test.mjs tests the form itself); and the
// family without quiet hours (21:00-07:00 Danish time by default, when an SMS to the
// family waits for the morning: a run in the evening would see none go).
async function setSms(body) {
  if (!anna.url().startsWith(world.url)) await anna.goto(`${world.url}/staff/`);
  const put = (url, b) => anna.evaluate(async ([u, x]) => {
    const r = await fetch(u, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(x) });
    return r.status;
  }, [url, b]);
  assert.equal(await put(`/api/members/${world.ids.mette}/sms`, body), 200);
  assert.equal(await put(`/api/families/${world.fam.A}/quiet-hours`, { from: '00:00', to: '00:00' }), 200);
}

// From the family page, where the settings are, to the conversation.
async function openConv() {
  await anna.goto(`${world.url}/staff/#/f/${world.fam.A}/family`);
  await anna.goto(`${world.url}/staff/#/c/${world.conv.A}`);
  await anna.locator('#body').waitFor();
}

async function toMette() {
  return (await kannel.received()).filter((m) => m.to === METTE || m.to === METTE.slice(1));
}

async function phoneGets(n) {
  for (let i = 0; i < 100; i++) {
    const got = await toMette();
    if (got.length >= n) return got[n - 1];
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`Mette's phone did not get SMS number ${n}`);
}

test('without her consent the composer says a notice goes, and the phone gets one', async () => {
  await setSms({ phone: '22 34 56 78', channel: 'sms' });
  await openConv();
  const hint = anna.locator('#sms-hint');
  await anna.locator('#body').fill('Husk mødet torsdag kl. 10');
  await hint.filter({ hasText: 'Mette får kun en SMS om, at der er en ny besked (ikke teksten).' }).waitFor();
  assert.equal(await anna.locator('#no-sms-field').isHidden(), true, 'nothing to keep from SMS: no text goes');
  await anna.getByRole('button', { name: 'Send til familien' }).click();
  const msg = anna.locator('.msg.mine', { hasText: 'Husk mødet torsdag' });
  await msg.locator('.sms-state', { hasText: /SMS-besked om ny besked til Mette: leveret \d/ }).waitFor({ timeout: 15000 });
  assert.match((await phoneGets(1)).text, new RegExp(`^${NOTICE}`));
});

test('with her consent it says the parts, and the text reaches the phone', async () => {
  await setSms({ consent: true });
  await openConv();
  const hint = anna.locator('#sms-hint');
  const long = 'Hej Mette. Jeg har talt med boligkontoret, og de venter med rykkeren til efter mødet. '.repeat(3).trim();
  await anna.locator('#body').fill(long);
  await hint.filter({ hasText: 'Sendes som SMS til Mette: 2 SMS-dele.' }).waitFor();
  await anna.locator('#body').fill('مرحبا منة، الاجتماع يوم الخميس');
  await hint.filter({ hasText: 'tegn uden for SMS-alfabetet' }).waitFor();
  await anna.locator('#body').fill(long);
  assert.deepEqual(await axe(anna), []);
  await shot(anna, 'staff-sms-composer');
  await anna.getByRole('button', { name: 'Send til familien' }).click();
  const msg = anna.locator('.msg.mine', { hasText: 'boligkontoret' });
  await msg.locator('.sms-state', { hasText: /^SMS til Mette: leveret \d/ }).waitFor({ timeout: 15000 });
  const got = await phoneGets(2);
  assert.equal(got.text, `Anna Jensen: ${long}`);
  assert.equal(got.parts, 2, 'the parts the composer said');
});

test('"Send ikke teksten som SMS" sends a notice instead', async () => {
  await anna.locator('#body').fill('Dit CPR-nummer står i brevet');
  await anna.getByLabel(/Send ikke teksten som SMS/).check();
  await anna.locator('#sms-hint', { hasText: 'Mette får kun en SMS om' }).waitFor();
  await anna.getByRole('button', { name: 'Send til familien' }).click();
  const msg = anna.locator('.msg.mine', { hasText: 'CPR-nummer' });
  await msg.locator('.no-sms-badge', { hasText: 'Ikke som SMS' }).waitFor();
  await msg.locator('.sms-state', { hasText: /SMS-besked om ny besked til Mette: leveret/ }).waitFor({ timeout: 15000 });
  const got = await phoneGets(3);
  assert.match(got.text, new RegExp(`^${NOTICE}`));
  assert.doesNotMatch(got.text, /CPR/);
  assert.equal(await anna.getByLabel(/Send ikke teksten som SMS/).isChecked(), false, 'unticked for the next message');
});

test('the pair sends Mette an invite code to her own number, unseen', async () => {
    await anna.goto(`${world.url}/staff/#/f/${world.fam.A}/family`);
  const n = (await toMette()).length;
  await anna.getByRole('button', { name: 'Send kode som SMS til Mette Hansen' }).click();
  await anna.locator('#invite-result [role="status"]', { hasText: 'Invitationen er sendt som SMS til Mette Hansen (+45••••5678)' }).waitFor();
  assert.equal(await anna.locator('#invite-result .invite-code').count(), 0, 'no code on the adviser\'s screen');
    const got = await phoneGets(n + 1);
  assert.match(got.text, /family\/#code=[A-Za-z0-9-]+/);
  await anna.getByRole('button', { name: 'Send kode som SMS til Jonas Hansen' }).click();
  await anna.locator('#invite-result .error-box', { hasText: 'Jonas Hansen har intet telefonnummer' }).waitFor();
});
