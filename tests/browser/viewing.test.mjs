// viewing.test.mjs - both clients tell the gateway which conversation is on
// the screen ({"type":"viewing","conv":N}, 0 for none), as their WebSockets
// send it: when a conversation opens, 0 when the page is hidden or shows
// another view, the conversation again when it comes back, and the current
// state again after a reconnect (a new connection views nothing).  What
// the gateway does with it (no push about the conversation on screen) is
// checked in push.test.mjs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, launch, person, staffLogin, familyEnrol, LAPTOP, PHONE } from './lib/harness.mjs';

let world;
let browser;
let anna;
let mette;

before(async () => {
  world = await startWorld();
  browser = await launch(world);
  anna = await person(browser, world, LAPTOP);
  mette = await person(browser, world, PHONE);
  await staffLogin(anna.page, world, 'anna');
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

// The viewing frames a page's WebSockets send, each with the number of its
// socket (1 for the first connection, 2 after a reconnect ...).
function recordViewing(page) {
  const sent = [];
  let sockets = 0;
  page.on('websocket', (ws) => {
    const n = ++sockets;
    ws.on('framesent', ({ payload }) => {
      try {
        const f = JSON.parse(payload);
        if (f.type === 'viewing') sent.push({ socket: n, conv: f.conv, ref: f.ref });
      } catch {
        /* not JSON */
      }
    });
  });
  return sent;
}

const convs = (sent) => sent.map((f) => f.conv);

async function until(cond, what) {
  for (let i = 0; i < 100; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out: ${what}`);
}

// A headless page is always "visible": the test says otherwise the way the
// browser would (visibilityState, then the visibilitychange event).
async function setVisible(page, visible) {
  await page.evaluate((v) => {
    Object.defineProperty(document, 'visibilityState', { value: v ? 'visible' : 'hidden', configurable: true });
    Object.defineProperty(document, 'hidden', { value: !v, configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  }, visible);
}

test('family app: the conversation on screen, 0 when hidden or in another view, again after a reconnect', async () => {
  const m = mette.page;
  const sent = recordViewing(m);
  await familyEnrol(m, world, 'mette');
  await until(() => convs(sent).includes(world.conv.A), 'viewing the family conversation after enrolment');
  assert.deepEqual(convs(sent), [world.conv.A]);
  assert.ok(sent.every((f) => f.ref === undefined), 'no ref: nothing to answer');

  await setVisible(m, false);
  await until(() => sent.length === 2, 'viewing 0 when hidden');
  await setVisible(m, true);
  await until(() => sent.length === 3, 'viewing again when visible');
  assert.deepEqual(convs(sent), [world.conv.A, 0, world.conv.A]);

  // Another view of the app ("Dine telefoner"): nothing is on screen.
  await m.getByRole('button', { name: 'Menu' }).click();
  await m.getByRole('button', { name: 'Dine telefoner' }).click();
  await until(() => sent.length === 4, 'viewing 0 in the phones view');
  await m.locator('#phones-back').click();
  await until(() => sent.length === 5, 'viewing again back in the chat');
  assert.deepEqual(convs(sent).slice(3), [0, world.conv.A]);

  // A second conversation (a restricted one for Mette): its tab shows it.
  const conv = await anna.page.evaluate(async (body) => {
    const r = await fetch('/api/conversations', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    return r.json();
  }, { family: world.fam.A, title: 'Mette og rådgiverne', members: [world.ids.mette] });
  assert.ok(conv.id > 0, 'the adviser made a conversation');
  await m.getByRole('button', { name: 'Mette og rådgiverne' }).click();
  await until(() => sent.length === 6, 'viewing the second conversation');
  assert.equal(sent.at(-1).conv, conv.id);

  // A reconnect: the new connection is told at once.
  await world.restart(300);
  await m.locator('html[data-conn="open"]').waitFor();
  await until(() => sent.some((f) => f.socket === 2), 'viewing said on the new connection');
  assert.deepEqual(sent.filter((f) => f.socket === 2).map((f) => f.conv), [conv.id]);
  assert.deepEqual(m.problems, []);
});

test('staff client: the conversation on screen, 0 in the caseload, the log and when hidden', async () => {
  const a = anna.page;
  const sent = recordViewing(a);
  await a.reload();
  await a.locator('#conn[data-state="open"]').waitFor();
  await a.goto(`${world.url}/staff/#/`);
  await a.waitForTimeout(300);
  assert.deepEqual(convs(sent), [], 'nothing on screen, nothing said (0 is where a connection starts)');
  await a.locator('#pair-list').getByRole('link', { name: /Hele familien/ }).click();
  await until(() => sent.length === 1, 'viewing the conversation');
  assert.equal(sent[0].conv, world.conv.A);
  await a.getByRole('link', { name: 'Kontaktlog' }).click();
  await until(() => sent.length === 2, 'viewing 0 in the contact log');
  await a.getByRole('link', { name: 'Samtale', exact: true }).click();
  await until(() => sent.length === 3, 'viewing again');
  await setVisible(a, false);
  await until(() => sent.length === 4, 'viewing 0 when hidden');
  await setVisible(a, true);
  await until(() => sent.length === 5, 'viewing again when visible');
  await a.goto(`${world.url}/staff/#/`);
  await until(() => sent.length === 6, 'viewing 0 in the caseload');
  assert.deepEqual(convs(sent), [world.conv.A, 0, world.conv.A, 0, world.conv.A, 0]);
  assert.deepEqual(a.problems, []);
});
