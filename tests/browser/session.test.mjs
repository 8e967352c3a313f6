// session.test.mjs - the staff client when the sign-in goes idle (NIST SP
// 800-63B idle timeout; docs/trust.md, "Sessions"): the gateway runs with
// staff_idle_minutes = 0.1 (6 s).  An adviser who leaves the page open with
// a half-written message finds it locked, not signed out (issue 12): the
// page reloads into the lock screen, so no message, family name or draft is
// left in the DOM; the unread count goes on in the screen and the tab's
// title while a family writes; a wrong password is told; the right one
// brings back the conversation, the new message and the draft.  "Log ud" on
// the lock screen signs out and forgets the draft.  (That the client's own
// frames are no activity is e2e 62-idle-lock.py.)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, launch, person, staffLogin, familyEnrol, axe, shot, LAPTOP, PHONE, PASSWORDS } from './lib/harness.mjs';

let world;
let browser;
let a; // anna's page
let m; // mette's phone
const draft = 'Hej Mette, jeg ringer i morgen kl. 10 om mødet';
const before1 = 'Jeg har fået et brev fra kommunen om huslejen';
const whileLocked = 'Kan du ringe til mig i eftermiddag?';

before(async () => {
  world = await startWorld({ args: ['--staff-idle-minutes', '0.1'] });
  browser = await launch(world);
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

async function familySends(text) {
  await m.locator('#body').fill(text);
  await m.getByRole('button', { name: 'Send' }).click();
  await m.locator('.bubble.mine', { hasText: text }).locator('.state', { hasText: /Sendt|Læst/ }).waitFor();
}

test('idle: the page locks and shows nothing of the caseload, the draft kept', async () => {
  m = (await person(browser, world, PHONE)).page;
  await familyEnrol(m, world, 'mette');
  await familySends(before1);
  a = (await person(browser, world, LAPTOP)).page;
  await staffLogin(a, world, 'anna');
  await a.goto(`${world.url}/staff/#/c/${world.conv.A}`);
  await a.locator('#msgs', { hasText: before1 }).waitFor();
  await a.locator('#body').fill(draft);
  const t0 = Date.now();
  await a.locator('#lock-view:not([hidden])').waitFor({ timeout: 20000 });
  const after = (Date.now() - t0) / 1000;
  console.log(`    locked after ${after.toFixed(1)} s without activity (limit 6 s, sweep 5 s)`);
  assert.ok(after >= 5 && after <= 16, `locked at the idle limit, not ${after} s`);
  assert.equal(await a.locator('#lock-title').textContent(), 'Siden er låst – Anna Jensen');
  assert.ok(await a.locator('#lock-password').evaluate((i) => i === document.activeElement), 'the focus is in the password field');
  const html = await a.content();
  for (const secret of [before1, draft, 'Hansen', 'Mette']) {
    assert.ok(!html.includes(secret), `the locked page's DOM holds no "${secret}"`);
  }
  assert.equal(await a.locator('#app-view').isVisible(), false);
  assert.equal(await a.locator('#login-view').isVisible(), false, 'locked, not signed out');
  await shot(a, 'staff-locked');
  const v = await axe(a);
  assert.deepEqual(v, [], `the lock screen: axe-core found serious/critical violations:\n${v.join('\n')}`);
});

test('locked: a family message raises the count in the screen and the title, nothing else', async () => {
  await familySends(whileLocked);
  await a.evaluate(() => document.dispatchEvent(new Event('visibilitychange'))); // the tab shown again
  await a.locator('#lock-count', { hasText: '1 ulæst besked.' }).waitFor({ timeout: 10000 });
  assert.equal(await a.title(), '(1) Indgang – medarbejder');
  assert.ok(!(await a.content()).includes(whileLocked), 'the new message is not on the locked page');
});

test('a wrong password is told; the right one brings back the conversation and the draft', async () => {
  await a.locator('#lock-password').fill('forkert');
  await a.getByRole('button', { name: 'Lås op' }).click();
  await a.locator('#lock-error', { hasText: 'Forkert adgangskode.' }).waitFor();
  assert.ok(await a.locator('#lock-password').evaluate((i) => i === document.activeElement), 'the focus stays in the field');
  await a.locator('#lock-password').fill(PASSWORDS.anna);
  await a.getByRole('button', { name: 'Lås op' }).click();
  await a.locator('#app-view:not([hidden])').waitFor();
  await a.locator('#conn[data-state="open"]').waitFor();
  await a.locator('#msgs', { hasText: whileLocked }).waitFor();
  assert.equal(await a.locator('#body').inputValue(), draft, 'the draft survives the lock');
  assert.equal(new URL(a.url()).hash, `#/c/${world.conv.A}`, 'in the same conversation');
});

test('"Log ud" on the lock screen signs out and forgets the draft', async () => {
  await a.locator('#lock-view:not([hidden])').waitFor({ timeout: 20000 });
  await a.getByRole('button', { name: 'Log ud' }).click();
  await a.locator('#login-view:not([hidden])').waitFor();
  assert.match(await a.locator('#login-notice').textContent(), /Du er logget ud/);
  assert.equal((await a.request.get(`${world.url}/api/me/unread`)).status(), 401, 'the sign-in ended');
  await staffLogin(a, world, 'anna');
  await a.goto(`${world.url}/staff/#/c/${world.conv.A}`);
  await a.locator('#msgs', { hasText: whileLocked }).waitFor();
  assert.equal(await a.locator('#body').inputValue(), '', 'no draft after a sign-out');
});
