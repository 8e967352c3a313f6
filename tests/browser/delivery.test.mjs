// delivery.test.mjs - how far a message got, as both sides see it.
//
// The adviser's own message says, in plain Danish, how far it reached each
// family member: "Sendt" while nothing is known, "Leveret til Mettes
// Android-telefon 20.11" once the phone's app has it (its `delivered`
// frame), "· læst 20.15" once she has read it; the other member (Jonas,
// no phone) is named as not reached yet.  The state survives a reload
// (CONV.deliveries, no live frame needed).  Both apps send `delivered`, at
// most one a second per conversation, with the highest id.  The family's own
// messages say "Sendt" once stored and "Læst af …" once an adviser has read
// them, in Danish and in English.  The Danish sentences for every case
// (notified by Web Push, read without a delivery, several members) are
// checked without a browser.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startWorld, launch, person, staffLogin, familyEnrol, shot, WEB, staffLanguage, LAPTOP, PHONE } from './lib/harness.mjs';

const { reachText } = await import(pathToFileURL(path.join(WEB, 'staff', 'delivery.js')));
await staffLanguage('da');

// A phone that says it is an Android phone: the app names it "Android-telefon" at enrolment.
const ANDROID = {
  ...PHONE,
  userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36',
};

let world;
let browser;
let anna;
let mette;
let annaSent; // the delivered frames of Anna's page

before(async () => {
  world = await startWorld();
  browser = await launch(world);
  anna = await person(browser, world, LAPTOP);
  mette = await person(browser, world, ANDROID);
  annaSent = recordDelivered(anna.page);
  await staffLogin(anna.page, world, 'anna');
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

// The `delivered` frames a page's WebSockets send, with when (ms).
function recordDelivered(page) {
  const sent = [];
  page.on('websocket', (ws) => ws.on('framesent', ({ payload }) => {
    try {
      const f = JSON.parse(payload);
      if (f.type === 'delivered') sent.push({ ...f, t: Date.now() });
    } catch {
      /* not JSON */
    }
  }));
  return sent;
}

function recordReceived(page) {
  const got = [];
  page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => {
    try {
      got.push(JSON.parse(payload));
    } catch {
      /* not JSON */
    }
  }));
  return got;
}

async function until(cond, what, ms = 10000) {
  for (let i = 0; i < ms / 100; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out: ${what}`);
}

// A headless page is always "visible": say otherwise the way the browser would.
async function setVisible(page, visible) {
  await page.evaluate((v) => {
    Object.defineProperty(document, 'visibilityState', { value: v ? 'visible' : 'hidden', configurable: true });
    Object.defineProperty(document, 'hidden', { value: !v, configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  }, visible);
}

const T = '\\d\\d\\.\\d\\d';
const staffMsg = (page, text) => page.locator('#msgs .msg.mine', { hasText: text });
const stateOf = async (loc) => (await loc.locator('.msg-state').textContent()).trim();

test("the adviser's message: Sendt, then delivered to Mette's phone, then read", async () => {
  const a = anna.page;
  await a.getByRole('link', { name: /Hele familien/ }).first().click();
  await a.locator('#composer').waitFor();
  // Mette has no phone yet: the message is sent, nothing more.
  await a.locator('#body').fill('Hej Mette. Vi ses torsdag kl. 10 på jobcentret.');
  await a.locator('#body').press('Enter');
  const first = staffMsg(a, 'Vi ses torsdag');
  await first.locator('.msg-state', { hasText: 'Sendt' }).waitFor();
  await a.waitForTimeout(1200);
  assert.equal(await stateOf(first), 'Sendt');
  const id = Number(await first.getAttribute('data-id'));

  // Her phone opens the app: it has the message (delivered) and shows it (read).
  const phoneSent = recordDelivered(mette.page);
  await familyEnrol(mette.page, world, 'mette');
  await mette.page.locator('.bubble.theirs', { hasText: 'Vi ses torsdag' }).waitFor();
  await until(() => phoneSent.some((f) => f.conv === world.conv.A && f.upto >= id), 'the phone says delivered');
  assert.ok(phoneSent.every((f) => typeof f.ref === 'string'), 'each with a ref: the answer confirms it');
  await first.locator('.msg-state', { hasText: 'læst' }).waitFor();
  assert.match(await stateOf(first), new RegExp(`^Leveret til Mettes Android-telefon ${T} · læst ${T}; endnu ikke leveret til Jonas$`));

  // The app in the background: delivered, not read.
  await setVisible(mette.page, false);
  await a.locator('#body').fill('Husk at tage lønsedlerne med.');
  await a.locator('#body').press('Enter');
  const second = staffMsg(a, 'lønsedlerne');
  await second.locator('.msg-state', { hasText: 'Leveret' }).waitFor();
  assert.match(await stateOf(second), new RegExp(`^Leveret til Mettes Android-telefon ${T}; endnu ikke leveret til Jonas$`));
  await a.waitForTimeout(800);
  assert.doesNotMatch(await stateOf(second), /læst/, 'not read while the app is hidden');
  await shot(a, 'staff-delivery-laptop');
  // She opens the app again: read.
  await setVisible(mette.page, true);
  await second.locator('.msg-state', { hasText: 'læst' }).waitFor();
  assert.match(await stateOf(second), new RegExp(`^Leveret til Mettes Android-telefon ${T} · læst ${T}; endnu ikke leveret til Jonas$`));

  // A burst of three: at most one `delivered` a second per conversation, the last with the highest id.
  await setVisible(mette.page, false);
  const before = phoneSent.length;
  for (const w of ['Et.', 'To.', 'Tre – det var det.']) {
    await a.locator('#body').fill(w);
    await a.locator('#body').press('Enter');
  }
  const third = staffMsg(a, 'Tre – det var det.');
  await third.locator('.msg-state', { hasText: 'Leveret' }).waitFor();
  const lastId = Number(await third.getAttribute('data-id'));
  await until(() => phoneSent.at(-1).upto === lastId, 'the highest id is said');
  const burst = phoneSent.slice(before).filter((f) => f.conv === world.conv.A);
  for (let i = 1; i < burst.length; i++) assert.ok(burst[i].t - burst[i - 1].t >= 900, `a second apart: ${burst.map((f) => f.t - burst[0].t)}`);
  assert.ok(burst.length <= 3);
  await setVisible(mette.page, true);
  await third.locator('.msg-state', { hasText: 'læst' }).waitFor();

  // The adviser's page says `delivered` too, when the family writes.
  await mette.page.locator('#body').fill('Tak, det gør jeg.');
  await mette.page.getByRole('button', { name: 'Send' }).click();
  const fromMette = a.locator('#msgs .msg.from-family', { hasText: 'det gør jeg' });
  await fromMette.waitFor();
  const hers = Number(await fromMette.getAttribute('data-id'));
  await until(() => annaSent.some((f) => f.conv === world.conv.A && f.upto >= hers), "the adviser's page says delivered");

  // After a reload: the same, from CONV.deliveries (no live delivery frame since).
  const got = recordReceived(a);
  await a.reload();
  await a.locator('#conn[data-state="open"]').waitFor();
  await staffMsg(a, 'lønsedlerne').locator('.msg-state', { hasText: 'læst' }).waitFor();
  assert.match(await stateOf(staffMsg(a, 'Vi ses torsdag')), new RegExp(`^Leveret til Mettes Android-telefon ${T} · læst ${T}; endnu ikke leveret til Jonas$`));
  const welcome = got.find((f) => f.type === 'welcome');
  assert.ok(welcome.conversations.find((c) => c.id === world.conv.A).deliveries.some((d) => d.user.id === world.ids.mette));
  assert.deepEqual(got.filter((f) => f.type === 'delivery' && !f.ref), [], 'no delivery frame was needed (only answers to this page\'s own)');
  assert.deepEqual(a.problems, []);
  assert.deepEqual(mette.page.problems, []);
});

test("the family's own messages: Sendt, then Læst af …, in Danish and in English", async () => {
  const a = anna.page;
  const m = mette.page;
  await a.goto(`${world.url}/staff/#/`); // Anna is not reading the conversation
  await a.locator('#conn[data-state="open"]').waitFor();
  await m.locator('#body').fill('Kan vi flytte mødet til fredag?');
  await m.getByRole('button', { name: 'Send' }).click();
  const mine = m.locator('.bubble.mine', { hasText: 'flytte mødet' });
  await mine.locator('.state[data-state="sent"]').waitFor();
  assert.equal(await mine.locator('.state').textContent(), '✓ Sendt');
  await m.waitForTimeout(800);
  assert.equal(await mine.locator('.state').textContent(), '✓ Sendt', 'still only sent: nobody has read it');
  // (in the messages: the app's menus may say what is "gemt" elsewhere)
  assert.equal(await m.locator('.bubble').getByText('Gemt').count(), 0, 'no "Gemt" (reads like a draft)');
  await shot(m, 'family-sent-phone');
  // Anna opens the conversation: read.
  await a.locator('#pair-list').getByRole('link', { name: /Hele familien/ }).click();
  await mine.locator('.state[data-state="read"]').waitFor();
  assert.equal(await mine.locator('.state').textContent(), '✓✓ Læst af Anna Jensen');

  // In English.
  await a.goto(`${world.url}/staff/#/`);
  await a.locator('#conn[data-state="open"]').waitFor();
  await m.getByRole('button', { name: 'Menu' }).click();
  await m.getByRole('button', { name: 'English' }).click();
  await m.locator('html[lang="en"]').waitFor();
  await m.keyboard.press('Escape');
  assert.equal(await mine.locator('.state').textContent(), '✓✓ Read by Anna Jensen');
  await m.locator('#body').fill('One more thing: Jonas is ill today.');
  await m.getByRole('button', { name: 'Send' }).click();
  const en = m.locator('.bubble.mine', { hasText: 'Jonas is ill' });
  await en.locator('.state[data-state="sent"]').waitFor();
  assert.equal(await en.locator('.state').textContent(), '✓ Sent');
  await a.locator('#pair-list').getByRole('link', { name: /Hele familien/ }).click();
  await en.locator('.state[data-state="read"]').waitFor();
  assert.equal(await en.locator('.state').textContent(), '✓✓ Read by Anna Jensen');
  await m.getByRole('button', { name: 'Menu' }).click();
  await m.getByRole('button', { name: 'Dansk' }).click();
  await m.locator('html[lang="da"]').waitFor();
  await m.keyboard.press('Escape');
  assert.deepEqual(m.problems, []);
});

test('the Danish sentences, case by case (no browser)', () => {
  const METTE = { id: 5, name: 'Mette Hansen', role: 'family' };
  const JONAS = { id: 6, name: 'Jonas Hansen', role: 'family' };
  const at = (hm) => `2026-11-23T${hm}:00.000Z`;
  const when = (ts) => ts.slice(11, 16).replace(':', '.'); // the test's clock: UTC as written
  const r = (user, { delivered = null, notified = null, read = null } = {}) => ({ user, delivered, notified, read });
  assert.equal(reachText([r(METTE)], when), 'Sendt');
  assert.equal(reachText([], when), 'Sendt');
  assert.equal(reachText([r(METTE, { notified: { at: at('20:11') } })], when), 'Mette fik besked 20.11');
  assert.equal(reachText([r(METTE, { delivered: { at: at('20:11'), device: 'Mettes telefon' } })], when), 'Leveret til Mettes telefon 20.11');
  assert.equal(reachText([r(METTE, { delivered: { at: at('20:11'), device: 'iPhone' }, read: { at: at('20:15') } })], when),
    'Leveret til Mettes iPhone 20.11 · læst 20.15');
  assert.equal(reachText([r(METTE, { delivered: { at: at('20:11'), device: 'Browser' } })], when), 'Leveret til Mettes browser 20.11');
  assert.equal(reachText([r(METTE, { delivered: { at: at('20:11'), device: null } })], when), 'Leveret til Mette 20.11');
  assert.equal(reachText([r(METTE, { notified: { at: at('20:11') }, read: { at: at('20:15') } })], when), 'Læst af Mette 20.15');
  assert.equal(reachText([r(JONAS, { delivered: { at: at('08:00'), device: 'Android-telefon' } })], when), "Leveret til Jonas' Android-telefon 08.00");
  // Several members: each briefly, in the conversation's order.
  assert.equal(reachText([r(METTE, { delivered: { at: at('20:11'), device: 'Android-telefon' } }), r(JONAS, { notified: { at: at('20:12') } })], when),
    'Leveret til Mettes Android-telefon 20.11; Jonas fik besked 20.12');
  assert.equal(reachText([r(METTE, { read: { at: at('20:15') } }), r(JONAS)], when), 'Læst af Mette 20.15; endnu ikke leveret til Jonas');
  assert.equal(reachText([r(METTE), r(JONAS)], when), 'Sendt');
  // Two members with the same first name: full names.
  const METTE2 = { id: 7, name: 'Mette Olsen', role: 'family' };
  assert.equal(reachText([r(METTE, { notified: { at: at('20:11') } }), r(METTE2)], when),
    'Mette Hansen fik besked 20.11; endnu ikke leveret til Mette Olsen');
});
