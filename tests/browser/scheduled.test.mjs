// scheduled.test.mjs - "Send senere" in the staff client (POST/GET
// /api/conversations/{id}/scheduled, PUT/DELETE /api/scheduled/{id}, the
// `scheduled` frame).  A pair adviser writes a message for later (a custom
// Danish date and time; quick picks "I morgen kl. 08.00", and "Mandag kl.
// 08.00" on a Friday or Saturday); the other adviser of the pair and a team
// member see it waiting, live ("Planlagt til …"); the adviser changes its
// text and moves it to a few seconds ahead; the family gets the new text when
// it is due and never the old one, and it leaves both advisers' lists.  One
// is cancelled by keyboard only (confirm, Escape, yes) and leaves both lists.
// A team member has no "Send senere" and no buttons.  A reload loads the
// list (GET).  The Danish times are checked without a browser.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startWorld, launch, person, staffLogin, familyEnrol, shot, axe, WEB, LAPTOP, PHONE } from './lib/harness.mjs';

const { quickPicks, whenLabel } = await import(pathToFileURL(path.join(WEB, 'staff', 'scheduled.js')));
const { fromInputs } = await import(pathToFileURL(path.join(WEB, 'shared', 'cph.js')));

let world;
let browser;
let anna;
let bo;
let carl;
let mette;

before(async () => {
  world = await startWorld();
  browser = await launch(world);
  anna = await person(browser, world, LAPTOP);
  bo = await person(browser, world, LAPTOP);
  carl = await person(browser, world, LAPTOP);
  mette = await person(browser, world, PHONE);
  await familyEnrol(mette.page, world, 'mette');
  for (const [p, who] of [[anna, 'anna'], [bo, 'bo'], [carl, 'carl']]) {
    await staffLogin(p.page, world, who);
    await p.page.goto(`${world.url}/staff/#/c/${world.conv.A}`);
    await p.page.locator('#composer').waitFor();
  }
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

// Date ("YYYY-MM-DD") and time ("HH:MM:SS") in Copenhagen, ms from now.
function cphIn(ms) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Copenhagen', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(Date.now() + ms)).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}:${p.second}`, hm: `${p.hour}:${p.minute}` };
}

const list = (page) => page.locator('#sched-list');
const item = (page, text) => list(page).locator('li', { hasText: text });

test('a pair adviser schedules, the partner sees it, she edits it, and the family gets the new text when due', async () => {
  const a = anna.page;
  const b = bo.page;
  const later = a.getByRole('button', { name: 'Send senere' });
  // The reply box shows "Send senere" once it is used (staff/composer.js).
  await a.locator('#body').fill('Husk mødet i morgen kl. 10.');
  assert.equal(await later.getAttribute('aria-expanded'), 'false');
  await later.click();
  assert.equal(await later.getAttribute('aria-expanded'), 'true');
  const panel = a.locator('#later');
  await panel.getByRole('button', { name: 'I morgen kl. 08.00' }).waitFor();
  assert.equal(await a.evaluate(() => document.activeElement.textContent), 'I morgen kl. 08.00', 'the focus goes to the first choice');
  await shot(a, 'staff-send-later-laptop');
  // A time in the past is refused before asking the gateway.
  const past = cphIn(-120000);
  await panel.getByLabel('Dato').fill(past.date);
  await panel.getByLabel('Tidspunkt').fill(past.hm);
  await panel.getByRole('button', { name: 'Planlæg' }).click();
  await panel.getByText('Tidspunktet er allerede passeret').waitFor();
  assert.equal(await a.locator('#body').inputValue(), 'Husk mødet i morgen kl. 10.', 'the text stays');
  // Ten minutes ahead.
  const soon = cphIn(10 * 60000);
  await panel.getByLabel('Dato').fill(soon.date);
  await panel.getByLabel('Tidspunkt').fill(soon.hm);
  const post = a.waitForResponse((r) => r.url().endsWith(`/api/conversations/${world.conv.A}/scheduled`) && r.request().method() === 'POST');
  await panel.getByRole('button', { name: 'Planlæg' }).click();
  assert.equal((await post).status(), 201);
  const mine = item(a, 'Husk mødet i morgen kl. 10.');
  await mine.waitFor();
  assert.equal(await a.locator('#body').inputValue(), '', 'the reply box is emptied');
  assert.equal(await panel.isVisible(), false, 'the choices close');
  assert.match(await mine.textContent(), /Planlagt til (i dag|i morgen) \d\d\.\d\d/);
  assert.match(await mine.textContent(), /Anna Jensen/);
  await a.locator('#sched-title', { hasText: 'Planlagte beskeder (1)' }).waitFor();
  // The partner sees it appear, live; so does the team member, without buttons.
  const hers = item(b, 'Husk mødet i morgen kl. 10.');
  await hers.waitFor();
  assert.equal(await hers.getByRole('button', { name: /^Rediger/ }).count(), 1, 'the pair may change it');
  const team = item(carl.page, 'Husk mødet i morgen kl. 10.');
  await team.waitFor();
  assert.equal(await team.getByRole('button').count(), 0, 'the team reads only');
  assert.equal(await carl.page.getByRole('button', { name: 'Send senere' }).count(), 0, 'no "Send senere" for the team');
  assert.equal(await carl.page.locator('#later-btn').isVisible(), false);
  assert.deepEqual(await axe(a), []);
  await shot(a, 'staff-scheduled-laptop');

  // She changes the text and moves it to a few seconds ahead.
  const id = await mine.getAttribute('data-sched');
  const editing = list(a).locator(`li[data-sched="${id}"]`); // its text is in a text box now
  await mine.getByRole('button', { name: /^Rediger/ }).click();
  const form = editing.locator('form');
  await form.getByLabel('Tekst').waitFor();
  assert.equal(await form.getByLabel('Tekst').inputValue(), 'Husk mødet i morgen kl. 10.');
  assert.equal(await a.evaluate(() => document.activeElement.tagName), 'TEXTAREA', 'the focus goes to the text');
  assert.deepEqual(await axe(a), []);
  await form.getByLabel('Tekst').fill('Husk mødet i morgen kl. 10.30 – nyt tidspunkt.');
  const due = cphIn(6000);
  await form.getByLabel('Dato').fill(due.date);
  await form.getByLabel('Tidspunkt').fill(due.time);
  const put = a.waitForResponse((r) => /\/api\/scheduled\/\d+$/.test(r.url()) && r.request().method() === 'PUT');
  await form.getByRole('button', { name: 'Gem ændringer' }).click();
  assert.equal((await put).status(), 200);
  await item(b, 'nyt tidspunkt').waitFor(); // the partner sees the change
  assert.equal(await item(b, 'Husk mødet i morgen kl. 10.').count(), 1);

  // Due: the family gets the new text, from Anna; it leaves both lists.
  const bubble = mette.page.locator('.bubble.theirs', { hasText: 'nyt tidspunkt' });
  await bubble.waitFor({ timeout: 20000 });
  assert.equal(await bubble.locator('.who').textContent(), 'Anna Jensen');
  assert.equal(await mette.page.getByText('Husk mødet i morgen kl. 10.', { exact: true }).count(), 0, 'never the old text');
  await item(a, 'nyt tidspunkt').waitFor({ state: 'detached' });
  await item(b, 'nyt tidspunkt').waitFor({ state: 'detached' });
  await item(carl.page, 'nyt tidspunkt').waitFor({ state: 'detached' });
  assert.equal(await a.locator('#sched').isVisible(), false, 'nothing waits: no list');
  await a.locator('#msgs .msg.mine', { hasText: 'nyt tidspunkt' }).waitFor();
  await b.locator('#msgs .msg', { hasText: 'nyt tidspunkt' }).waitFor();
  assert.deepEqual(a.problems, []);
  assert.deepEqual(b.problems, []);
});

test('a quick pick, and cancelling by keyboard only; a reload loads what waits', async () => {
  const a = anna.page;
  const b = bo.page;
  await a.locator('#body').fill('God weekend – vi ringer mandag.');
  await a.getByRole('button', { name: 'Send senere' }).click();
  await a.locator('#later').getByRole('button', { name: 'I morgen kl. 08.00' }).click();
  const mine = item(a, 'God weekend');
  await mine.waitFor();
  assert.match(await mine.textContent(), /Planlagt til i morgen 08\.00/);
  await item(b, 'God weekend').waitFor();
  // A reload of the partner's page: the list comes from GET.
  await b.reload();
  await b.locator('#conn[data-state="open"]').waitFor();
  await item(b, 'God weekend').waitFor();
  // Keyboard only: Annullér, the question (Escape backs out), yes.
  const cancel = mine.getByRole('button', { name: /^Annullér/ });
  await cancel.focus();
  await a.keyboard.press('Enter');
  const yes = mine.getByRole('button', { name: 'Ja, annullér' });
  await yes.waitFor();
  assert.equal(await a.evaluate(() => document.activeElement.textContent), 'Ja, annullér', 'the focus is on yes');
  assert.match(await mine.textContent(), /Vil du annullere beskeden, der er planlagt til i morgen 08\.00\?/);
  assert.deepEqual(await axe(a), []);
  await a.keyboard.press('Escape');
  await yes.waitFor({ state: 'detached' });
  assert.match(await a.evaluate(() => document.activeElement.textContent), /^Annullér/, 'focus back on Annullér');
  await a.keyboard.press('Enter');
  await yes.waitFor();
  const del = a.waitForResponse((r) => /\/api\/scheduled\/\d+$/.test(r.url()) && r.request().method() === 'DELETE');
  await a.keyboard.press('Enter');
  assert.equal((await del).status(), 200);
  await mine.waitFor({ state: 'detached' });
  await item(b, 'God weekend').waitFor({ state: 'detached' });
  await a.locator('#live', { hasText: 'annulleret' }).waitFor();
  assert.equal(await a.evaluate(() => document.activeElement.id), 'body', 'focus back in the reply box');
  await mette.page.waitForTimeout(300);
  assert.equal(await mette.page.getByText('God weekend').count(), 0);
  // Every change is in the contact log, in Danish.
  await a.getByRole('link', { name: 'Kontaktlog', exact: true }).click();
  await a.locator('#log-body tr', { hasText: 'Annulleret: besked nr.' }).waitFor();
  const rows = await a.locator('#log-body tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent.trim())));
  const sched = rows.filter((r) => r[1] === 'Planlagt besked').map((r) => r[4].replace(/ nr\. \d+ til .*/, ''));
  assert.deepEqual(sched.sort(), ['Annulleret: besked', 'Planlagt: besked', 'Planlagt: besked', 'Ændret: besked'].sort(), JSON.stringify(rows));
  assert.ok(rows.some((r) => r[1] === 'Opslag' && r[4] === 'så de planlagte beskeder'), 'reading the list is logged');
  assert.ok(rows.find((r) => r[4].startsWith('Annulleret'))[4].match(/til \p{L}+dag \d+\. \p{L}+ \d{4} kl\. 08\.00$/u));
  assert.deepEqual(a.problems, []);
});

test('two advisers change the same message: the second is shown the first\'s version and keeps her text', async () => {
  const a = anna.page;
  const b = bo.page;
  await a.goto(`${world.url}/staff/#/c/${world.conv.A}`); // from the contact log
  await a.locator('#composer').waitFor();
  const r = await a.request.post(`${world.url}/api/conversations/${world.conv.A}/scheduled`, {
    headers: { Origin: world.url },
    data: { body: 'Vi ses på torsdag.', send_at: new Date(Date.now() + 3600e3).toISOString(), client_id: 'both-edit' },
  });
  assert.equal(r.status(), 201);
  const { id } = await r.json();
  const open = async (page) => {
    await item(page, 'Vi ses på torsdag.').getByRole('button', { name: /^Rediger/ }).click();
    const form = list(page).locator(`li[data-sched="${id}"] form`); // its text is in a text box now
    await form.getByLabel('Tekst').waitFor();
    return form;
  };
  const fa = await open(a);
  const fb = await open(b);
  await fb.getByLabel('Tekst').fill('Vi ses på torsdag kl. 9 hos Bo.');
  await fb.getByRole('button', { name: 'Gem ændringer' }).click();
  await item(b, 'hos Bo').waitFor();
  await fa.getByLabel('Tekst').fill('Vi ses på torsdag kl. 10 i Familiehuset.');
  await fa.getByRole('button', { name: 'Gem ændringer' }).click();
  const warning = fa.locator('.error-box', { hasText: 'En kollega har ændret beskeden imens' });
  await warning.waitFor();
  assert.match(await warning.textContent(), /„Vi ses på torsdag kl\. 9 hos Bo\.“/, 'the partner\'s version is shown');
  assert.equal(await fa.getByLabel('Tekst').inputValue(), 'Vi ses på torsdag kl. 10 i Familiehuset.', 'her text is kept');
  assert.deepEqual(await axe(a), []);
  await fa.getByRole('button', { name: 'Gem ændringer' }).click(); // now from the version she has seen
  await item(b, 'i Familiehuset').waitFor();
  assert.equal(await item(b, 'hos Bo').count(), 0);
  await a.request.delete(`${world.url}/api/scheduled/${id}`, { headers: { Origin: world.url } });
});

test('Danish times: quick picks, labels and the custom date and time (no browser)', () => {
  const z = (iso) => new Date(iso);
  const picks = (iso) => quickPicks(z(iso)).map((p) => [p.label, p.at.toISOString()]);
  // Thursday 26 November 2026, 10:00 in Copenhagen (UTC+1): tomorrow only.
  assert.deepEqual(picks('2026-11-26T09:00:00Z'), [['I morgen kl. 08.00', '2026-11-27T07:00:00.000Z']]);
  // Friday and Saturday: Monday too.
  assert.deepEqual(picks('2026-11-27T14:00:00Z'), [['I morgen kl. 08.00', '2026-11-28T07:00:00.000Z'], ['Mandag kl. 08.00', '2026-11-30T07:00:00.000Z']]);
  assert.deepEqual(picks('2026-11-28T22:30:00Z'), [['I morgen kl. 08.00', '2026-11-29T07:00:00.000Z'], ['Mandag kl. 08.00', '2026-11-30T07:00:00.000Z']],
    'Saturday 23:30 in Copenhagen');
  // Sunday: tomorrow is Monday.
  assert.deepEqual(picks('2026-11-29T12:00:00Z'), [['I morgen kl. 08.00', '2026-11-30T07:00:00.000Z']]);
  // 23:30 on Friday in Copenhagen (22:30 UTC) is still Friday.
  assert.equal(picks('2026-11-27T22:30:00Z').length, 2);
  // Summer time begins on Sunday 29 March 2026: 08:00 is UTC+2 then.
  assert.deepEqual(picks('2026-03-28T10:00:00Z'), [['I morgen kl. 08.00', '2026-03-29T06:00:00.000Z'], ['Mandag kl. 08.00', '2026-03-30T06:00:00.000Z']]);
  // And ends on Sunday 25 October 2026.
  assert.deepEqual(picks('2026-10-24T10:00:00Z'), [['I morgen kl. 08.00', '2026-10-25T07:00:00.000Z'], ['Mandag kl. 08.00', '2026-10-26T07:00:00.000Z']]);
  // Labels, from Thursday 26 November 2026, 10:00.
  const now = z('2026-11-26T09:00:00Z');
  assert.equal(whenLabel(z('2026-11-26T13:05:00Z'), now), 'i dag 14.05');
  assert.equal(whenLabel(z('2026-11-27T07:00:00Z'), now), 'i morgen 08.00');
  assert.equal(whenLabel(z('2026-11-30T07:00:00Z'), now), 'man. 08.00');
  assert.equal(whenLabel(z('2026-12-02T07:00:00Z'), now), 'ons. 08.00');
  assert.equal(whenLabel(z('2026-12-03T07:00:00Z'), now), 'tors. 3. dec. 08.00', 'a week or more ahead: with the date');
  assert.equal(whenLabel(z('2027-01-05T22:59:00Z'), now), 'tirs. 5. jan. 2027 23.59');
  // The custom fields are Danish time, whatever the computer's zone.
  assert.equal(fromInputs('2026-11-27', '08:00').toISOString(), '2026-11-27T07:00:00.000Z');
  assert.equal(fromInputs('2026-07-01', '08:00:30').toISOString(), '2026-07-01T06:00:30.000Z');
  assert.equal(fromInputs('2026-10-25', '12:00').toISOString(), '2026-10-25T11:00:00.000Z');
  assert.equal(fromInputs('', '08:00'), null);
  assert.equal(fromInputs('2026-11-27', '8 o\'clock'), null);
  assert.equal(fromInputs('2026-02-30', '08:00'), null, 'no such day');
});
