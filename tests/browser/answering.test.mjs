// answering.test.mjs - "I'm answering" in the staff client (issue 15;
// staff/answering.js, the gateway's `answering` frames of docs/websocket.md).
//
// Against a gateway: the family writes; Bo (pair) starts a reply and says so
// at once, once (again only after 20 s of typing); Anna (his partner) sees
// "Bo skriver et svar…" in her caseload row and in the open conversation's
// state line within two seconds, and a screen reader hears it once, not at the
// renewal; Bo clears his draft (`stop`) and it goes; he writes again and sends
// (`stop`, and the `waiting` frame says he answered) and it goes, the
// conversation answered.  A `waiting` frame that says Bo answered ends his
// notice even without his `stop`.  Carl (team, not in the pair) writing a note
// says nothing, nor does Anna writing an internal note.  It lapses by itself at
// `until`: Carl's page clock (Playwright's clock, installed before sign-in) is
// moved on a minute and his notice goes with no frame.  axe-core on Anna's
// page with the notice.  In Node (mocked timers, fake connection): the rules
// for saying it, the lapse, and the Danish words.

import { test, before, after, mock } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startWorld, launch, person, staffLogin, familyEnrol, axe, shot, WEB, staffLanguage, LAPTOP, PHONE } from './lib/harness.mjs';

const { answeringText } = await import(pathToFileURL(path.join(WEB, 'staff', 'waiting.js')));
await staffLanguage('da');
const answeringModule = pathToFileURL(path.join(WEB, 'staff', 'answering.js'));

const NOTICE = 'Bo skriver et svar…';

// ---- In Node: the words, and the rules -----------------------------------------------------

test('the Danish words', () => {
  const anna = { id: 2, name: 'Anna Jensen' };
  const bo = { id: 3, name: 'Bo Nielsen' };
  const bo2 = { id: 9, name: 'Bo Berg' };
  assert.equal(answeringText([bo]), 'Bo skriver et svar…');
  assert.equal(answeringText([anna, bo]), 'Anna og Bo skriver et svar…');
  assert.equal(answeringText([bo], [bo, bo2]), 'Bo Nielsen skriver et svar…', 'two Bos: the whole name');
  assert.equal(answeringText([]), '');
});

test('saying it: at the first keystroke, again after 20 s of typing, stop when empty, sent, a note or left; never for a team member', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.parse('2026-11-23T10:00:00.000Z') });
  try {
    const A = await import(answeringModule);
    const sent = [];
    const conn = Object.assign(new EventTarget(), {
      isOpen: true,
      answering: (conv, stop) => {
        sent.push(stop ? `stop ${conv}` : `say ${conv}`);
        return Promise.resolve({});
      },
    });
    const me = { id: 2, name: 'Anna Jensen', role: 'adviser' };
    const bo = { id: 3, name: 'Bo Nielsen', role: 'adviser' };
    const store = Object.assign(new EventTarget(), {
      me,
      convs: new Map([
        [7, { id: 7, primary: 2, secondary: 3, members: [me, bo], waiting: null, answered: null }],
        [8, { id: 8, primary: 3, secondary: 5, members: [bo], waiting: null, answered: null }],
      ]),
    });
    const line = { textContent: '', hidden: true };
    const live = { textContent: '' };
    const changes = [];
    A.initAnswering({ conn, store, element: line, liveRegion: live, change: (c) => changes.push(c) });
    const tick = (ms) => mock.timers.tick(ms);
    const type = (conv, text, kind = 'text') => A.composing(conv, text, kind, { typed: true });

    type(7, 'H');
    assert.deepEqual(sent, ['say 7'], 'the first keystroke says it');
    tick(5000);
    type(7, 'Hej');
    tick(14000);
    type(7, 'Hej M');
    assert.deepEqual(sent, ['say 7'], 'not again within 20 s');
    tick(1000);
    type(7, 'Hej Me');
    assert.deepEqual(sent, ['say 7', 'say 7'], 'again once 20 s have passed');
    tick(59000);
    A.composing(7, 'Hej Me', 'text'); // not a keystroke (e.g. a mode change): nothing said
    assert.equal(sent.length, 2, 'an idle adviser says nothing more: it lapses');
    type(7, '');
    assert.deepEqual(sent.slice(2), ['stop 7'], 'an empty draft stops it');
    type(7, '   ');
    assert.equal(sent.length, 3, 'white space is no answer');
    type(7, 'Hej');
    A.composing(7, '', 'text'); // sent: the box is empty
    assert.deepEqual(sent.slice(3), ['say 7', 'stop 7']);
    type(7, 'Husk tolk', 'note');
    assert.equal(sent.length, 5, 'a note is no answer');
    type(7, 'Hej');
    A.composing(7, 'Hej', 'note');
    assert.deepEqual(sent.slice(5), ['say 7', 'stop 7'], 'turned into a note: stop');
    type(7, 'Hej');
    A.composing(null);
    assert.deepEqual(sent.slice(7), ['say 7', 'stop 7'], 'left the conversation: stop');
    type(8, 'Hej');
    assert.equal(sent.length, 9, 'not in the pair: never said');

    // Shown: Bo's frame, until a minute on (the gateway's clock = ours here).
    A.showAnswering(7);
    const frame = (until) => conn.dispatchEvent(new CustomEvent('answering', { detail: { type: 'answering', conv: 7, user: bo, until } }));
    frame(new Date(Date.now() + 60000).toISOString());
    assert.deepEqual(A.answeringIn(7).map((u) => u.id), [3]);
    assert.equal(line.textContent, NOTICE);
    assert.equal(line.hidden, false);
    tick(100);
    assert.equal(live.textContent, NOTICE, 'said to a screen reader');
    live.textContent = '';
    tick(20000);
    frame(new Date(Date.now() + 60000).toISOString()); // renewed
    tick(100);
    assert.equal(live.textContent, '', 'not said again at a renewal');
    tick(59000);
    assert.equal(line.textContent, NOTICE, 'the renewal holds it');
    tick(1100);
    assert.equal(line.hidden, true, 'lapsed at until, with no frame');
    assert.deepEqual(A.answeringIn(7), []);
    frame(new Date(Date.now() + 60000).toISOString());
    frame(null);
    assert.deepEqual(A.answeringIn(7), [], 'until null ends it');
    frame(new Date(Date.now() + 60000).toISOString());
    const conv = store.convs.get(7);
    conv.waiting = { from: 40, since: new Date().toISOString() };
    conv.answered = { by: bo, at: new Date().toISOString(), how: 'reply', upto: 30 };
    store.dispatchEvent(new CustomEvent('waiting', { detail: { conv } }));
    assert.equal(A.answeringIn(7).length, 1, 'still waiting: an older answer of his ends nothing');
    conv.waiting = null;
    conv.answered = { by: bo, at: new Date().toISOString(), how: 'reply', upto: 41 };
    store.dispatchEvent(new CustomEvent('waiting', { detail: { conv } }));
    assert.deepEqual(A.answeringIn(7), [], 'his answer ends it');
    frame(new Date(Date.now() + 60000).toISOString());
    conn.dispatchEvent(new CustomEvent('answering', { detail: { type: 'answering', conv: 7, user: me, until: new Date(Date.now() + 60000).toISOString() } }));
    assert.deepEqual(A.answeringIn(7).map((u) => u.id), [3], 'ourselves (another window) not shown');
    assert.ok(changes.every((c) => c === 7) && changes.length >= 6, 'the caseload is told');
    A.resetAnswering();
  } finally {
    mock.timers.reset();
  }
});

// ---- In the browser, against a gateway ------------------------------------------------------

let world;
let browser;
let anna;
let bo;
let carl;
let mette;
const frames = {}; // who -> {sent: [], got: []}: the answering frames of the app's WebSocket

before(async () => {
  world = await startWorld();
  browser = await launch(world);
  anna = await person(browser, world, LAPTOP);
  bo = await person(browser, world, LAPTOP);
  carl = await person(browser, world, LAPTOP);
  mette = await person(browser, world, PHONE);
  // Bo's and Carl's clocks are Playwright's (time flows as usual until a
  // test moves it on): Bo's for the renewal after 20 s, Carl's for the lapse.
  await bo.ctx.clock.install();
  await carl.ctx.clock.install();
  for (const [who, p] of Object.entries({ anna, bo, carl })) frames[who] = watch(p.page);
  await familyEnrol(mette.page, world, 'mette');
  await staffLogin(anna.page, world, 'anna');
  await staffLogin(bo.page, world, 'bo');
  await staffLogin(carl.page, world, 'carl');
  await familyWrites('Hej, kan vi flytte mødet på fredag?');
  for (const p of [anna, bo, carl]) {
    await p.page.locator('#caseload a.fam-conv', { hasText: 'Hele familien' }).click();
    await p.page.locator('.msg', { hasText: 'kan vi flytte mødet' }).waitFor();
  }
  // Everything Anna's screen reader would hear.
  await anna.page.evaluate(() => {
    window.heard = [];
    const live = document.getElementById('live');
    new MutationObserver(() => live.textContent && window.heard.push(live.textContent))
      .observe(live, { childList: true, characterData: true, subtree: true });
  });
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

// The `answering` frames the app's own WebSocket sends and gets.
function watch(page) {
  const f = { sent: [], got: [] };
  page.on('websocket', (ws) => {
    const keep = (list) => ({ payload }) => {
      try {
        const x = JSON.parse(payload);
        if (x.type === 'answering') list.push(x);
      } catch {
        /* not JSON */
      }
    };
    ws.on('framesent', keep(f.sent));
    ws.on('framereceived', keep(f.got));
  });
  return f;
}

const strip = ({ ref, ...rest }) => rest; // eslint-disable-line no-unused-vars
const row = (page) => page.locator('#caseload a.fam-conv', { hasText: 'Hele familien' });
const heard = (page) => page.evaluate(() => window.heard.filter((t) => /skriver et svar/.test(t)));

async function familyWrites(text) {
  await mette.page.locator('#body').fill(text);
  await mette.page.getByRole('button', { name: 'Send' }).click();
  await mette.page.locator('.bubble', { hasText: text }).waitFor();
}

// Anna sees the notice in both places, or in neither.
async function annaSees(shown) {
  const a = anna.page;
  const state = shown ? 'visible' : 'hidden';
  await a.locator('#conv-answering').waitFor({ state, timeout: 2000 });
  await row(a).locator('.conv-answering').waitFor({ state: shown ? 'visible' : 'detached', timeout: 2000 });
  if (shown) {
    assert.equal(await a.locator('#conv-answering').textContent(), NOTICE);
    assert.equal(await row(a).locator('.conv-answering').textContent(), `. ${NOTICE}`);
  }
}

test('Bo starts a reply: Anna sees "Bo skriver et svar…" in her caseload and the conversation within two seconds', async () => {
  const b = bo.page;
  await b.locator('#body').click();
  await b.keyboard.type('Hej Mette, det');
  await annaSees(true);
  await carl.page.locator('#conv-answering', { hasText: NOTICE }).waitFor({ timeout: 2000 });
  // The row's name says it too, for a screen reader going down the list.
  await anna.page.getByRole('link', { name: /Skal besvares.*\. Bo skriver et svar…\s*\. Mette Hansen: Hej, kan vi/ }).waitFor();
  assert.deepEqual(frames.bo.sent.map(strip), [{ type: 'answering', conv: world.conv.A }], 'said once, at once');
  const got = frames.anna.got.at(-1);
  assert.equal(got.user.name, 'Bo Nielsen');
  assert.ok(Date.parse(got.until) > Date.now() + 50000, 'until: a minute on');
  await b.keyboard.type(' kan vi godt');
  await anna.page.waitForFunction(() => window.heard.some((t) => t === 'Bo skriver et svar…'));
  // Typing on: said again only when 20 s have passed.
  assert.equal(frames.bo.sent.length, 1, 'not again within 20 s');
  await b.clock.fastForward(21000);
  await b.keyboard.type('.');
  const until = Date.now();
  while (frames.anna.got.length < 2 && Date.now() - until < 3000) await new Promise((r) => setTimeout(r, 50));
  assert.equal(frames.bo.sent.length, 2, 'said again after 20 s');
  assert.equal(frames.anna.got.length, 2, 'Anna got the renewal');
  await anna.page.waitForTimeout(300);
  assert.deepEqual(await heard(anna.page), [NOTICE], 'a screen reader hears it once, not at the renewal');
  await shot(anna.page, 'staff-answering-laptop');
  const v = await axe(anna.page);
  assert.deepEqual(v, [], `axe-core found serious/critical violations:\n${v.join('\n')}`);
});

test('Bo clears his draft: it goes for Anna', async () => {
  await bo.page.locator('#body').fill('');
  await annaSees(false);
  assert.deepEqual(strip(frames.bo.sent.at(-1)), { type: 'answering', conv: world.conv.A, stop: true });
  assert.equal(frames.anna.got.at(-1).until, null);
});

test('Bo writes again and sends: it goes, and the conversation is answered', async () => {
  const b = bo.page;
  const a = anna.page;
  await b.locator('#body').click();
  await b.keyboard.type('Ja, fredag kl. 10 passer fint.');
  await annaSees(true);
  const before = frames.bo.sent.length;
  await b.keyboard.press('Enter');
  await annaSees(false);
  assert.deepEqual(frames.bo.sent.slice(before).map(strip), [{ type: 'answering', conv: world.conv.A, stop: true }], 'stop on sending');
  await a.locator('.msg', { hasText: 'Ja, fredag kl. 10 passer fint.' }).waitFor();
  await row(a).locator('.conv-answered', { hasText: /Besvaret af Bo \d\d\.\d\d$/ }).waitFor();
  assert.equal(await row(a).locator('.need-tag').count(), 0, 'no longer waiting');
  await a.locator('#conv-state', { hasText: /^Besvaret af Bo Nielsen \d\d\.\d\d$/ }).waitFor();
});

test('a `waiting` frame saying Bo answered ends his notice, even without his `stop`', async () => {
  const a = anna.page;
  await familyWrites('Og må Jonas komme med?');
  await row(a).locator('.need-tag').waitFor();
  // Bo's own WebSocket beside the app's, which says it and answers but never stops.
  const got = await bo.page.evaluate(async (conv) => {
    const ws = new WebSocket(`wss://${location.host}/ws`, 'indgang.v1');
    await new Promise((res) => ws.addEventListener('message', res, { once: true })); // welcome
    const replies = new Map();
    ws.addEventListener('message', (e) => {
      const f = JSON.parse(e.data);
      if (f.ref && replies.has(f.ref)) replies.get(f.ref)(f);
    });
    const ask = (f) => new Promise((res) => {
      replies.set(f.ref, res);
      ws.send(JSON.stringify(f));
    });
    window.boSocket = { ws, ask };
    return ask({ type: 'answering', ref: 'bo-1', conv });
  }, world.conv.A);
  assert.equal(got.type, 'answering');
  await annaSees(true);
  const ack = await bo.page.evaluate((conv) => window.boSocket.ask({ type: 'send', ref: 'bo-2', conv, client_id: 'bo-raw-1', body: 'Ja, selvfølgelig.', kind: 'text' }), world.conv.A);
  assert.equal(ack.type, 'ack');
  await annaSees(false);
  assert.notEqual(frames.anna.got.at(-1).until, null, 'no `until: null` came: the `waiting` frame ended it');
  await bo.page.evaluate(() => window.boSocket.ws.close());
});

test('a team member writing a note, and Anna writing an internal note, say nothing', async () => {
  const c = carl.page;
  assert.equal(await c.locator('#mode').isHidden(), true, 'the team writes notes only');
  await c.locator('#body').click();
  await c.keyboard.type('Jeg kan tage lillesøster på fredag.');
  const a = anna.page;
  await a.locator('label[for="kind-note"]').click();
  await a.locator('#body').click();
  await a.keyboard.type('Husk tolk til fredag.');
  await a.waitForTimeout(800);
  assert.deepEqual(frames.carl.sent, [], 'Carl said nothing');
  assert.deepEqual(frames.anna.sent, [], 'Anna said nothing');
  assert.equal(await bo.page.locator('#conv-answering').isHidden(), true, 'Bo sees nobody answering');
  await c.locator('#body').fill('');
  await a.locator('#body').fill('');
  await a.locator('label[for="kind-text"]').click();
});

test('it lapses by itself at `until`: Carl\'s clock a minute on, and no frame', async () => {
  const c = carl.page;
  await bo.page.locator('#body').click();
  await bo.page.keyboard.type('Jeg ser på det');
  await c.locator('#conv-answering', { hasText: NOTICE }).waitFor({ timeout: 2000 });
  const gotBefore = frames.carl.got.length;
  await c.clock.fastForward('01:01');
  await c.locator('#conv-answering').waitFor({ state: 'hidden', timeout: 2000 });
  await row(c).locator('.conv-answering').waitFor({ state: 'detached', timeout: 2000 });
  assert.equal(frames.carl.got.length, gotBefore, 'no frame needed');
  assert.equal(await anna.page.locator('#conv-answering').textContent(), NOTICE, 'Anna, a minute earlier than Carl, still sees it');
  await bo.page.locator('#body').fill('');
  await annaSees(false);
});

test('nothing went wrong on the pages', () => {
  for (const p of [anna, bo, carl, mette]) assert.deepEqual(p.page.problems, []);
});
