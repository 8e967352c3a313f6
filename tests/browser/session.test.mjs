// session.test.mjs - the staff client when the sign-in ends for inactivity
// (NIST SP 800-63B idle timeout; docs/trust.md, "Sessions"): the gateway runs
// with staff_idle_minutes = 0.1 (6 s).  An adviser who leaves the page open
// with a half-written message is taken back to the sign-in form with a clear
// message; signing in again brings back the conversation with the draft
// intact.  (That the client's own pings are not activity is 24-sessions.py.)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

process.env.INDGANG_GATEWAY_ARGS = '--staff-idle-minutes 0.1';
const { startWorld, launch, person, staffLogin, shot, LAPTOP, PASSWORDS } = await import('./lib/harness.mjs');

let world;
let browser;

before(async () => {
  world = await startWorld();
  browser = await launch(world);
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

test('idle sign-out: back to the sign-in form with a clear message, the draft kept', async () => {
  const anna = await person(browser, world, LAPTOP);
  const a = anna.page;
  await staffLogin(a, world, 'anna');
  await a.goto(`${world.url}/staff/#/c/${world.conv.A}`);
  await a.locator('#conn[data-state="open"]').waitFor();
  const draft = 'Hej Mette, jeg ringer i morgen kl. 10 om mødet';
  await a.locator('#body').fill(draft);
  const t0 = Date.now();
  await a.locator('#login-view:not([hidden])').waitFor({ timeout: 20000 });
  const after = (Date.now() - t0) / 1000;
  const notice = (await a.locator('#login-notice').textContent()).trim();
  console.log(`    signed out after ${after.toFixed(1)} s without activity (limit 6 s, sweep 5 s): "${notice}"`);
  assert.ok(after >= 5 && after <= 16, `signed out at the idle limit, not ${after} s`);
  assert.match(notice, /ikke har været aktiv/);
  assert.match(notice, /udkast er gemt/);
  await shot(a, 'staff-idle-signed-out');
  await a.getByLabel('Adgangskode').fill(PASSWORDS.anna);
  await a.getByRole('button', { name: 'Log ind' }).click();
  await a.locator('#conn[data-state="open"]').waitFor();
  await a.locator('#app-view:not([hidden])').waitFor();
  assert.equal(await a.locator('#body').inputValue(), draft, 'the draft survives the sign-in');
  console.log(`    after signing in again: the draft is in the composer (${draft.length} characters)`);
});
