// away.test.mjs - an adviser away, as the family sees it (issue 15): Bo says
// he is away for two days (PUT /api/me/absence from his browser); Mette's app
// says "Bo Nielsen er væk til <day> – Anna Jensen svarer." instead of when to
// expect an answer, in her language; Bo back early, the app says when to
// expect an answer again.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, launch, person, staffLogin, familyEnrol, shot, LAPTOP, PHONE } from './lib/harness.mjs';

let world;
let browser;
let bo;
let mette;

before(async () => {
  world = await startWorld();
  browser = await launch(world);
  bo = await person(browser, world, LAPTOP);
  mette = await person(browser, world, PHONE);
  await staffLogin(bo.page, world, 'bo');
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

// Bo's own browser asks, as the staff client would (his sign-in cookie).
const absence = (method, body) =>
  bo.page.evaluate(async ([m, b]) => {
    const r = await fetch('/api/me/absence', { method: m, headers: { 'Content-Type': 'application/json' }, body: b && JSON.stringify(b) });
    return r.status;
  }, [method, body]);

test('the family sees who is away and who answers meanwhile', async () => {
  const to = new Date(Date.now() + 2 * 24 * 3600 * 1000);
  assert.equal(await absence('PUT', { from: new Date(Date.now() - 60000).toISOString(), to: to.toISOString(), note: 'På kursus' }), 200);
  const m = mette.page;
  await familyEnrol(m, world, 'mette');
  await m.locator('html[data-conn="open"]').waitFor();
  const day = to.toLocaleDateString('da-DK', { weekday: 'long', timeZone: 'Europe/Copenhagen' });
  assert.equal(await m.locator('#away').textContent(), `Bo Nielsen er væk til ${day} – Anna Jensen svarer.`);
  assert.equal(await m.locator('#answer-time').isHidden(), true, 'the away line stands instead of the usual answer time');
  await shot(m, 'family-adviser-away-phone');

  assert.equal(await absence('DELETE'), 204);
  await m.reload();
  await m.locator('html[data-conn="open"]').waitFor();
  assert.equal(await m.locator('#away').isHidden(), true, 'back: no away line');
  assert.equal(await m.locator('#answer-time').textContent(), 'Dine rådgivere svarer normalt inden for en arbejdsdag.');
  assert.deepEqual(mette.page.problems, []);
});
