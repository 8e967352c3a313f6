// quiet.test.mjs - a family's quiet hours (GET/PUT
// /api/families/{id}/quiet-hours, Danish time): the pair sets them on the
// family page of the staff client; while they are in force the conversation
// says when the family will be told ("Familien får besked kl. 07.00"), for
// the pair and the team; a team member cannot change them; the family sets
// them in the app's menu; every change is in the contact log.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, launch, person, staffLogin, familyEnrol, shot, axe, LAPTOP, PHONE } from './lib/harness.mjs';

let world;
let browser;
let anna;
let carl;
let mette;

before(async () => {
  world = await startWorld();
  browser = await launch(world);
  anna = await person(browser, world, LAPTOP);
  carl = await person(browser, world, LAPTOP);
  mette = await person(browser, world, PHONE);
  await staffLogin(anna.page, world, 'anna');
  await staffLogin(carl.page, world, 'carl');
  await familyEnrol(mette.page, world, 'mette');
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

// Minutes after midnight in Copenhagen now, and "HH:MM" of a minute (wrapping).
function cphNow() {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Copenhagen', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .formatToParts(new Date()).map((x) => [x.type, x.value]));
  return Number(p.hour) * 60 + Number(p.minute);
}
const hm = (min) => {
  const m = ((min % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
};
const dk = (t) => t.replace(':', '.');

async function setHours(page, from, to) {
  await page.locator('#quiet-from').fill(from);
  await page.locator('#quiet-to').fill(to);
  const put = page.waitForResponse((r) => r.url().endsWith('/quiet-hours') && r.request().method() === 'PUT');
  await page.locator('#quiet-form button[type="submit"]').click();
  assert.equal((await put).status(), 200);
}

test('the pair sets the quiet hours; while they hold, the conversation says when the family is told', async () => {
  const a = anna.page;
  await a.goto(`${world.url}/staff/#/f/${world.fam.A}/family`);
  await a.locator('#quiet-form').waitFor();
  for (let i = 0; i < 30 && (await a.locator('#quiet-from').inputValue()) === ''; i++) await a.waitForTimeout(100);
  assert.deepEqual([await a.locator('#quiet-from').inputValue(), await a.locator('#quiet-to').inputValue()], ['21:00', '07:00'], 'the default');
  // Quiet hours around now: in force.
  const now = cphNow();
  const from = hm(now - 60);
  const to = hm(now + 60);
  await setHours(a, from, to);
  await a.locator('#quiet-status', { hasText: `Gemt: stille timer ${dk(from)}–${dk(to)}` }).waitFor();
  assert.deepEqual(await axe(a), []);
  await a.getByRole('link', { name: 'Samtale', exact: true }).click();
  const line = a.locator('#quiet-line');
  await line.waitFor();
  assert.match(await line.textContent(), new RegExp(`^Familien får besked kl\\. ${dk(to).replace('.', '\\.')}`));
  await shot(a, 'staff-quiet-line-laptop');
  // Quiet hours later today: not in force, no line.
  await a.getByRole('link', { name: 'Familie', exact: true }).click();
  await setHours(a, hm(now + 60), hm(now + 120));
  await a.getByRole('link', { name: 'Samtale', exact: true }).click();
  await a.locator('#composer').waitFor();
  // The line goes once the page has the new hours (a moment on a busy machine).
  await line.waitFor({ state: 'hidden', timeout: 10000 });
  assert.equal(await line.isVisible(), false);
  // None at all (equal times).
  await a.getByRole('link', { name: 'Familie', exact: true }).click();
  await setHours(a, '08:00', '08:00');
  await a.locator('#quiet-status', { hasText: 'Gemt: ingen stille timer.' }).waitFor();
  assert.deepEqual(a.problems, []);
});

test('a team member sees when the family is told, and cannot change the hours', async () => {
  const a = anna.page;
  const now = cphNow();
  const to = hm(now + 90);
  await setHours(a, hm(now - 30), to); // Anna is on the family page
  const c = carl.page;
  await c.goto(`${world.url}/staff/#/c/${world.conv.A}`);
  await c.locator('#quiet-line').waitFor();
  assert.match(await c.locator('#quiet-line').textContent(), new RegExp(`^Familien får besked kl\\. ${dk(to).replace('.', '\\.')}`));
  await c.getByRole('link', { name: 'Familie', exact: true }).click();
  await c.locator('#quiet-readonly', { hasText: `${dk(hm(now - 30))}–${dk(to)}` }).waitFor();
  assert.equal(await c.locator('#quiet-form').isVisible(), false, 'only the family and its pair change them');
  assert.deepEqual(c.problems, []);
});

test('the family sets its quiet hours in the app; the adviser sees the change', async () => {
  const m = mette.page;
  await m.getByRole('button', { name: 'Menu' }).click();
  await m.locator('#menu[open]').waitFor();
  for (let i = 0; i < 30 && (await m.locator('#quiet-from').inputValue()) === ''; i++) await m.waitForTimeout(100);
  const now = cphNow();
  assert.deepEqual([await m.locator('#quiet-from').inputValue(), await m.locator('#quiet-to').inputValue()], [hm(now - 30), hm(now + 90)],
    'what the pair set');
  const to = hm(now + 45);
  await setHours(m, hm(now - 15), to);
  await m.locator('#quiet-status', { hasText: 'Gemt' }).waitFor();
  assert.match(await m.locator('#quiet-status').textContent(), new RegExp(`${dk(to).replace('.', '\\.')}`));
  assert.deepEqual(await axe(m), []);
  await shot(m, 'family-menu-quiet-phone');
  await m.keyboard.press('Escape');
  const a = anna.page;
  await a.getByRole('link', { name: 'Samtale', exact: true }).click();
  await a.locator('#quiet-line', { hasText: `kl. ${dk(to)}` }).waitFor();
  // Every change is in the family's contact log.
  await a.getByRole('link', { name: 'Kontaktlog' }).click();
  const row = a.locator('#log-body tr', { hasText: `Stille timer ${dk(hm(now - 15))}–${dk(to)}` });
  await row.waitFor();
  assert.match(await row.textContent(), /Indstilling/);
  assert.match(await row.textContent(), /Mette Hansen/);
  assert.deepEqual(m.problems, []);
  assert.deepEqual(a.problems, []);
});
