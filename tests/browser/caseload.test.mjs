// caseload.test.mjs - the staff client's caseload as the advisers' work queue
// (issue 15): a family writes, and both pair advisers (Anna, Bo) and the team
// (Carl) see the conversation marked "Skal besvares" with how long the family
// has waited and the start of the message; the waiting time counts on without
// a request; Bo answers and the marker leaves Anna's caseload live; the family
// writes again, and Anna marks it "Intet svar nødvendigt" (the `handled`
// frame with the newest message on her screen), so it leaves Bo's queue; the
// "Skal besvares" filter hides what needs no answer, by keyboard, and is kept
// over a reload; the order by waiting time or by activity; a team member has
// no button and the gateway refuses him (`forbidden`); axe-core on the queue
// and the conversation.  The Danish words and the order, in Node.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startWorld, launch, person, staffLogin, familyEnrol, axe, shot, WEB, staffLanguage, LAPTOP, PHONE } from './lib/harness.mjs';

const { waitedText, waitedSpoken, answeredText, lastParts } = await import(pathToFileURL(path.join(WEB, 'staff', 'waiting.js')));
await staffLanguage('da');
const { arrange } = await import(pathToFileURL(path.join(WEB, 'staff', 'caseload.js')));
const { previewOf } = await import(pathToFileURL(path.join(WEB, 'shared', 'format.js')));

// ---- In Node: the words and the order ----------------------------------------------------

test('the waiting time, who answered and the preview, in Danish', () => {
  const since = '2026-11-23T10:00:00.000Z';
  const at = (min) => Date.parse(since) + min * 60000;
  assert.equal(waitedText(since, at(0.5)), 'venter under 1 min');
  assert.equal(waitedText(since, at(5)), 'venter 5 min');
  assert.equal(waitedText(since, at(125)), 'venter 2 t 5 min');
  assert.equal(waitedText(since, at(120)), 'venter 2 t');
  assert.equal(waitedText(since, at(1440 + 185)), 'venter 1 d 3 t');
  assert.equal(waitedText(since, at(-3)), 'venter under 1 min', 'a clock behind never says minus');
  assert.equal(waitedSpoken(since, at(125)), 'har ventet 2 timer og 5 minutter');
  assert.equal(waitedSpoken(since, at(61)), 'har ventet 1 time og 1 minut');
  assert.equal(waitedSpoken(since, at(2 * 1440)), 'har ventet 2 dage');
  const anna = { id: 2, name: 'Anna Jensen', role: 'adviser' };
  const bo = { id: 3, name: 'Bo Nielsen', role: 'adviser' };
  const today = new Date();
  today.setHours(10, 32, 0, 0);
  const replied = { by: anna, at: today.toISOString(), how: 'reply', upto: 9 };
  assert.equal(answeredText(replied, bo, { short: true }), 'Besvaret af Anna 10.32');
  assert.equal(answeredText(replied, bo), 'Besvaret af Anna Jensen 10.32');
  assert.equal(answeredText({ ...replied, how: 'handled' }, anna, { short: true }), 'Markeret håndteret af dig 10.32');
  const anna2 = { id: 7, name: 'Anna Berg', role: 'adviser' };
  assert.equal(answeredText(replied, bo, { short: true, people: [anna, anna2] }), 'Besvaret af Anna Jensen 10.32', 'two Annas: the whole name');
  assert.equal(answeredText(null, bo), '');
  assert.equal(previewOf('Hej!\n\nKan vi  flytte\tmødet?  '), 'Hej! Kan vi flytte mødet?');
  assert.equal([...previewOf('æ'.repeat(130))].length, 120);
  assert.deepEqual(lastParts({ id: 1, sender: anna, kind: 'note', preview: 'Husk tolk', at: replied.at }, bo), { who: 'Anna Jensen', note: true, text: 'Husk tolk', none: false });
  assert.equal(lastParts({ id: 1, sender: anna, kind: 'text', preview: 'x', at: replied.at }, anna).who, 'Dig');
  assert.equal(lastParts({ id: 1, sender: anna, kind: 'system', preview: 'En ny telefon', at: replied.at }, bo).who, '');
  assert.equal(lastParts(null, bo).text, 'Ingen beskeder endnu');
});

test('the order: longest waiting first, or newest activity; the filters', () => {
  const fam = (id, name, pair, convs) => ({ id, name, pair, convs });
  const conv = (id, lastId, since = null) => ({
    id, last_id: lastId, last: null, waiting: since ? { from: lastId, since } : null,
  });
  const fams = [
    fam(1, 'Familien Hansen', true, [conv(11, 50), conv(12, 40, '2026-11-23T10:00:00.000Z')]),
    fam(2, 'Familien Ali', true, [conv(21, 30, '2026-11-23T08:00:00.000Z')]),
    fam(3, 'Familien Berg', false, [conv(31, 60)]),
    fam(4, 'Familien Dahl', true, [conv(41, 70)]),
  ];
  const ids = (r) => r.map((x) => [x.fam.id, x.convs.map((c) => c.id)]);
  let r = arrange(fams, { filter: 'all', sort: 'waiting' });
  assert.deepEqual(ids(r.pair), [[2, [21]], [1, [12, 11]], [4, [41]]], 'the longest waiting first, then by activity');
  assert.deepEqual(ids(r.team), [[3, [31]]]);
  r = arrange(fams, { filter: 'all', sort: 'activity' });
  assert.deepEqual(ids(r.pair), [[4, [41]], [1, [11, 12]], [2, [21]]]);
  r = arrange(fams, { filter: 'waiting', sort: 'waiting' });
  assert.deepEqual(ids(r.pair), [[2, [21]], [1, [12]]], 'only what needs an answer');
  assert.deepEqual(ids(r.team), []);
  r = arrange(fams, { filter: 'mine', sort: 'waiting' });
  assert.deepEqual(ids(r.team), [], 'my families only');
  assert.equal(r.pair.length, 3);
  r = arrange(fams, { filter: 'all', sort: 'waiting' }, 'han');
  assert.deepEqual(ids(r.pair), [[1, [12, 11]]], 'the search');
});

// ---- In the browser, against a gateway ------------------------------------------------------

let world;
let browser;
let anna;
let bo;
let carl;
let mette;
let jonasConv;
let annaFrames; // what the advisers' pages send over their WebSockets
let boFrames;

before(async () => {
  world = await startWorld();
  browser = await launch(world);
  anna = await person(browser, world, LAPTOP);
  bo = await person(browser, world, LAPTOP);
  carl = await person(browser, world, LAPTOP);
  mette = await person(browser, world, PHONE);
  annaFrames = sentFrames(anna.page);
  boFrames = sentFrames(bo.page);
  await familyEnrol(mette.page, world, 'mette');
  await staffLogin(anna.page, world, 'anna');
  await staffLogin(bo.page, world, 'bo');
  await staffLogin(carl.page, world, 'carl');
  // A second conversation of the family (Jonas's own thread), so there is one
  // that does not wait.
  jonasConv = await anna.page.evaluate(async ({ family, jonas }) => {
    const r = await fetch('/api/conversations', {
      method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ family, title: 'Jonas – egen tråd', members: [jonas] }),
    });
    return (await r.json()).id;
  }, { family: world.fam.A, jonas: world.ids.jonas });
  assert.ok(jonasConv);
  await link(bo.page, 'Jonas – egen tråd').waitFor();
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

// A conversation's link in the caseload (either section), by its title.
function link(page, title) {
  return page.locator('#caseload a.fam-conv', { has: page.locator('.title', { hasText: title }) });
}

async function familyWrites(text) {
  await mette.page.locator('#body').fill(text);
  await mette.page.getByRole('button', { name: 'Send' }).click();
  await mette.page.locator('.bubble', { hasText: text.split('\n')[0] }).waitFor();
}

// Frames a page's WebSocket sends from now on (parsed).
function sentFrames(page) {
  const frames = [];
  page.on('websocket', (ws) => ws.on('framesent', ({ payload }) => {
    try {
      frames.push(JSON.parse(payload));
    } catch {
      /* not JSON */
    }
  }));
  return frames;
}

const liveSays = (page, re) => page.waitForFunction((src) => new RegExp(src).test(document.getElementById('live').textContent), re.source);
const titles = (page) => page.locator('#pair-list a.fam-conv .title').evaluateAll((els) => els.map((e) => e.firstChild.textContent));

async function check(page, name) {
  await shot(page, name);
  const v = await axe(page);
  assert.deepEqual(v, [], `${name}: axe-core found serious/critical violations:\n${v.join('\n')}`);
}

test('a family writes: both advisers and the team see it waiting, with the preview', async () => {
  await familyWrites('Hej! Kan vi flytte mødet til fredag?\nHilsen Mette');
  for (const { page } of [anna, bo]) {
    const l = link(page, 'Hele familien');
    await l.locator('.need-tag').waitFor();
    assert.equal(await l.locator('.need-tag').textContent(), 'Skal besvares');
    assert.equal(await l.locator('.waited-short').textContent(), 'venter under 1 min');
    assert.equal(await l.locator('.last-who').textContent(), 'Mette Hansen: ');
    assert.equal(await l.locator('.last-text').textContent(), 'Hej! Kan vi flytte mødet til fredag? Hilsen Mette');
    // A screen reader hears it in words, not by a colour.
    await page.getByRole('link', {
      name: /^Hele familien\s*,\s*\d\d\.\d\d\s*,\s*\d+ ulæste?\s*\.\s*Skal besvares\s*,\s*har ventet under et minut\s*\.\s*Mette Hansen: Hej! Kan vi flytte/,
    }).waitFor();
    assert.equal(await page.locator('#queue-count').textContent(), '(1)');
    const j = link(page, 'Jonas – egen tråd');
    assert.equal(await j.locator('.need-tag').count(), 0, 'the other conversation needs no answer');
    assert.equal(await j.locator('.last-text').textContent(), 'Ingen beskeder endnu');
  }
  // The team member sees it too, in the team's section, and no button in it.
  const c = carl.page;
  const cl = c.locator('#team-list a.fam-conv', { hasText: 'Hele familien' });
  await cl.locator('.need-tag').waitFor();
  await cl.click();
  await c.locator('#conv-state .need-tag').waitFor();
  assert.match(await c.locator('#conv-state').textContent(), /Skal besvares · venter under 1 min.* · siden \d\d\.\d\d/);
  assert.equal(await c.getByRole('button', { name: 'Intet svar nødvendigt' }).count(), 0, 'not in the pair: no button');
  // The waiting time counts on by itself, without asking the gateway: two
  // hours and five minutes later on this computer's clock.
  const b = bo.page;
  const asked = [];
  const onRequest = (r) => asked.push(r.url());
  b.on('request', onRequest);
  const boBefore = boFrames.length;
  await b.evaluate(() => {
    const real = Date.now.bind(Date);
    window.realNow = real;
    Date.now = () => real() + (125 * 60 + 5) * 1000;
  });
  const l = link(b, 'Hele familien');
  await b.waitForFunction(() => [...document.querySelectorAll('#pair-list .fam-conv .waited-short')].some((e) => e.textContent === 'venter 2 t 5 min'), null, { timeout: 25000 });
  assert.equal(await l.locator('.waited-long').textContent(), 'har ventet 2 timer og 5 minutter');
  b.off('request', onRequest);
  assert.deepEqual(asked, [], 'no HTTP request');
  assert.deepEqual(boFrames.slice(boBefore).filter((f) => f.type !== 'ping' && f.type !== 'delivered'), [], 'no frame but pings');
  await b.evaluate(() => {
    Date.now = window.realNow;
  });
  await b.waitForFunction(() => [...document.querySelectorAll('#pair-list .fam-conv .waited-short')].every((e) => !e.textContent.includes(' t ')), null, { timeout: 25000 });
  // The order: Anna writes to Jonas in his thread (newer activity there).
  const a = anna.page;
  await link(a, 'Jonas – egen tråd').click();
  await a.locator('#body').fill('Hej Jonas, vi ses på fredag.');
  await a.locator('#body').press('Enter');
  await link(b, 'Jonas – egen tråd').locator('.last-text', { hasText: 'Hej Jonas, vi ses på fredag.' }).waitFor();
  assert.equal(await link(b, 'Jonas – egen tråd').locator('.last-who').textContent(), 'Anna Jensen: ');
  assert.deepEqual(await titles(b), ['Hele familien', 'Jonas – egen tråd'], 'the longest waiting first (the default)');
  await b.getByLabel('Sortér').selectOption({ label: 'Nyeste aktivitet først' });
  assert.deepEqual(await titles(b), ['Jonas – egen tråd', 'Hele familien'], 'newest activity first');
  await liveSays(b, /^2 samtaler vises\.$/);
  await b.getByLabel('Sortér').selectOption({ label: 'Længst ventetid først' });
  assert.deepEqual(await titles(b), ['Hele familien', 'Jonas – egen tråd']);
  await check(b, 'staff-caseload-waiting-laptop');
});

test('Bo answers: the marker leaves Anna\'s caseload live, and says who answered', async () => {
  const a = anna.page;
  const b = bo.page;
  await a.evaluate(() => {
    window.notReloaded = true;
    location.hash = '#/';
  });
  await link(b, 'Hele familien').click();
  await b.locator('#conv-state .need-tag').waitFor();
  assert.equal(await b.getByRole('button', { name: 'Intet svar nødvendigt' }).count(), 1, 'a pair adviser gets the button');
  await b.locator('#body').fill('Ja, fredag kl. 10 passer fint.');
  await b.locator('#body').press('Enter');
  const l = link(a, 'Hele familien');
  await l.locator('.need-tag').waitFor({ state: 'detached' });
  await l.locator('.conv-answered').waitFor();
  assert.match(await l.locator('.conv-answered').textContent(), /^\. Besvaret af Bo \d\d\.\d\d$/);
  await l.locator('.last-text', { hasText: 'Ja, fredag kl. 10 passer fint.' }).waitFor();
  assert.equal(await l.locator('.last-who').textContent(), 'Bo Nielsen: ');
  assert.equal(await a.locator('#queue-count').textContent(), '');
  assert.equal(await a.evaluate(() => window.notReloaded), true, 'live, without a reload');
  // Bo's own line says it, and the button is gone.
  await b.locator('#conv-state', { hasText: /^Besvaret af dig \d\d\.\d\d$/ }).waitFor();
  assert.equal(await b.getByRole('button', { name: 'Intet svar nødvendigt' }).count(), 0);
  // Carl's open conversation too.
  await carl.page.locator('#conv-state', { hasText: /^Besvaret af Bo Nielsen \d\d\.\d\d$/ }).waitFor();
});

test('the family writes again; Anna marks it handled, and it leaves Bo\'s queue', async () => {
  const a = anna.page;
  const b = bo.page;
  // Bo's queue: only what needs an answer, chosen by keyboard (arrow keys in the group).
  await b.evaluate(() => {
    location.hash = '#/';
  });
  await b.getByRole('radio', { name: 'Teamets familier' }).focus();
  await b.keyboard.press('ArrowLeft');
  await b.keyboard.press('ArrowLeft');
  assert.equal(await b.getByRole('radio', { name: /^Skal besvares/ }).isChecked(), true);
  await b.locator('#pair-empty', { hasText: 'Ingen af dine familier venter på svar.' }).waitFor();
  assert.equal(await b.locator('#pair-list a.fam-conv').count(), 0, 'nothing waits: nothing shown');
  await familyWrites('Og må Jonas komme med?');
  // Waiting again, for both; Bo's queue shows it and hides Jonas's thread.
  await link(b, 'Hele familien').locator('.need-tag').waitFor();
  assert.deepEqual(await titles(b), ['Hele familien'], 'the filter hides what needs no answer');
  assert.equal(await b.locator('#pair-empty').isVisible(), false);
  assert.equal(await link(b, 'Hele familien').locator('.last-text').textContent(), 'Og må Jonas komme med?');
  await check(b, 'staff-caseload-queue-laptop');
  await link(a, 'Hele familien').locator('.need-tag').waitFor();
  // A team member who tries anyway is refused by the gateway.
  const refused = await carl.page.evaluate(async (conv) => {
    const ws = new WebSocket(`wss://${location.host}/ws`, 'indgang.v1');
    await new Promise((res) => ws.addEventListener('message', res, { once: true })); // welcome
    const answer = new Promise((res) => ws.addEventListener('message', (e) => {
      const f = JSON.parse(e.data);
      if (f.ref === 'carl-1') res(f);
    }));
    ws.send(JSON.stringify({ type: 'handled', ref: 'carl-1', conv, upto: 1000000 }));
    const f = await answer;
    ws.close();
    return f;
  }, world.conv.A);
  assert.equal(refused.type, 'error');
  assert.equal(refused.code, 'forbidden');
  // Anna opens it: the line and the button.
  const sentBefore = annaFrames.length;
  await link(a, 'Hele familien').click();
  await a.locator('.msg', { hasText: 'Og må Jonas komme med?' }).waitFor();
  await a.locator('#conv-state .need-tag').waitFor();
  const button = a.getByRole('button', { name: 'Intet svar nødvendigt' });
  await button.waitFor();
  await check(a, 'staff-conversation-needs-answer-laptop');
  const newest = Number(await a.locator('#msgs .msg[data-id]').last().getAttribute('data-id'));
  await button.focus();
  await a.keyboard.press('Enter');
  await a.locator('#conv-state', { hasText: /^Markeret håndteret af dig \d\d\.\d\d$/ }).waitFor();
  const handled = annaFrames.slice(sentBefore).filter((f) => f.type === 'handled');
  assert.equal(handled.length, 1);
  assert.deepEqual({ ...handled[0], ref: undefined }, { type: 'handled', conv: world.conv.A, upto: newest, ref: undefined }, 'upto: the newest message on screen');
  assert.equal(await button.count(), 0, 'the button is gone');
  assert.equal(await a.evaluate(() => document.activeElement.classList.contains('conv-state-text')), true, 'the focus stays on the line');
  await liveSays(a, /^Markeret: intet svar nødvendigt\./);
  await link(a, 'Hele familien').locator('.conv-answered', { hasText: /Markeret håndteret af dig \d\d\.\d\d$/ }).waitFor();
  // It leaves Bo's queue at once.
  await b.locator('#pair-empty', { hasText: 'Ingen af dine familier venter på svar.' }).waitFor();
  assert.equal(await b.locator('#pair-list .fam').count(), 0);
  assert.equal(await b.locator('#queue-count').textContent(), '');
  await shot(b, 'staff-caseload-queue-empty-laptop');
  // The choice is kept on this computer.
  assert.deepEqual(JSON.parse(await b.evaluate(() => localStorage.getItem('indgang.staff.caseload'))), { filter: 'waiting', sort: 'waiting' });
  await b.reload();
  await b.locator('#conn[data-state="open"]').waitFor();
  assert.equal(await b.getByRole('radio', { name: /^Skal besvares/ }).isChecked(), true);
  await b.locator('#pair-empty', { hasText: 'Ingen af dine familier venter på svar.' }).waitFor();
  // All the team's families: answered, by whom (from CONV.answered after the reload).
  await b.locator('label[for="qf-all"]').click();
  await link(b, 'Hele familien').locator('.conv-answered', { hasText: /Markeret håndteret af Anna \d\d\.\d\d$/ }).waitFor();
  await carl.page.locator('#conv-state', { hasText: /^Markeret håndteret af Anna Jensen \d\d\.\d\d$/ }).waitFor();
  for (const p of [anna, bo, carl, mette]) assert.deepEqual(p.page.problems, []);
});
