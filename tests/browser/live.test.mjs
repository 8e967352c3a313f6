// live.test.mjs - an adviser (laptop) and a family member (phone) in two
// browser contexts against a real gateway: messages go live both ways (an
// address or phone number in one is a link), an internal note never reaches
// the family, delivery states (sent, delivered to the phone, read), read states and the
// coordinator (CONV.primary) after a reload, a team member reads along
// and writes notes but cannot write to the family, and the staff tab's title
// counts what is unread (with a sound only for those who switch it on).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, launch, person, staffLogin, familyEnrol, shot, LAPTOP, PHONE } from './lib/harness.mjs';

let world;
let browser;
let anna;
let mette;
let carl;

before(async () => {
  world = await startWorld();
  browser = await launch(world);
  anna = await person(browser, world, LAPTOP);
  mette = await person(browser, world, PHONE);
  carl = await person(browser, world, LAPTOP);
  await staffLogin(anna.page, world, 'anna');
  await familyEnrol(mette.page, world, 'mette');
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

const famThread = () => mette.page.locator('#msgs');
const staffThread = (p) => p.locator('#msgs');

test('adviser and family member exchange messages live, both ways', async () => {
  const a = anna.page;
  const m = mette.page;
  await a.getByRole('link', { name: /Hele familien/ }).first().click();
  await a.locator('#composer').waitFor();
  // The family writes first.
  await m.locator('#body').fill('Hej Anna og Bo. Jonas har haft en svær uge i skolen.');
  await m.getByRole('button', { name: 'Send' }).click();
  await staffThread(a).getByText('Jonas har haft en svær uge i skolen.').waitFor();
  // Saved on the phone, then read by Anna (her page is open and visible).
  const mine = famThread().locator('.bubble.mine', { hasText: 'svær uge' });
  await mine.locator('.state[data-state="read"]').waitFor();
  assert.match(await mine.locator('.state').textContent(), /Læst af Anna Jensen/);
  // The adviser answers with Enter.
  await a.locator('#body').fill('Hej Mette. Tak fordi du skriver – det tager vi op torsdag.');
  await a.locator('#body').press('Enter');
  await famThread().getByText('det tager vi op torsdag').waitFor();
  const reply = famThread().locator('.bubble.theirs', { hasText: 'torsdag' });
  assert.equal(await reply.locator('.who').textContent(), 'Anna Jensen');
  // Anna's copy: delivered to Mette's phone and read by her (Jonas has no phone).
  const annaMsg = staffThread(a).locator('.msg.mine', { hasText: 'torsdag' });
  await annaMsg.getByText(/^Leveret til Mettes browser \d\d\.\d\d · læst \d\d\.\d\d; endnu ikke leveret til Jonas$/).waitFor();
  // An address and a phone number in a message are links, on the phone and the laptop.
  await a.locator('#body').fill('Se https://www.borger.dk/familie, eller ring 33 66 33 66.');
  await a.locator('#body').press('Enter');
  const link = famThread().locator('.bubble.theirs a', { hasText: 'borger.dk' });
  await link.waitFor();
  assert.deepEqual(await link.evaluate((x) => [x.getAttribute('href'), x.target, x.rel, x.textContent]),
    ['https://www.borger.dk/familie', '_blank', 'noopener noreferrer', 'https://www.borger.dk/familie']);
  assert.equal(await famThread().locator('.bubble.theirs a[href="tel:+4533663366"]').textContent(), '33 66 33 66');
  assert.equal(await staffThread(a).locator('.msg.mine a[href="https://www.borger.dk/familie"]').count(), 1);
  // A date separator heads the day.
  assert.equal(await staffThread(a).locator('.day-sep').first().textContent(), 'I dag');
  assert.equal(await famThread().locator('.day-sep').first().textContent(), 'I dag');
  // No duplicates anywhere.
  assert.equal(await staffThread(a).locator('.msg', { hasText: 'svær uge' }).count(), 1);
  assert.equal(await famThread().locator('.bubble', { hasText: 'torsdag' }).count(), 1);
  assert.deepEqual(a.problems, []);
  assert.deepEqual(m.problems, []);
});

test('an internal note never reaches the family, live or after a reload', async () => {
  const a = anna.page;
  const m = mette.page;
  const secret = 'INTERN: skolen har ringet om fravær – tag det op med BUF.';
  await a.locator('label[for="kind-note"]').click();
  assert.equal(await a.locator('#send').textContent(), 'Gem intern note');
  assert.ok(await a.locator('#composer.note-mode').isVisible(), 'the composer looks different in note mode');
  await a.locator('#body').fill(secret);
  await a.locator('#body').press('Enter');
  const note = staffThread(a).locator('.msg.note', { hasText: secret });
  await note.waitFor();
  assert.match(await note.textContent(), /Intern note/);
  // Then an ordinary message, so we know the family is up to date.
  await a.locator('label[for="kind-text"]').click();
  await a.locator('#body').fill('Vi ses torsdag kl. 10.');
  await a.locator('#body').press('Enter');
  await famThread().getByText('Vi ses torsdag kl. 10.').waitFor();
  assert.equal(await m.getByText('skolen har ringet').count(), 0, 'note not shown live');
  await m.reload();
  await m.locator('html[data-conn="open"]').waitFor();
  await famThread().getByText('Vi ses torsdag kl. 10.').waitFor();
  assert.equal(await m.getByText('skolen har ringet').count(), 0, 'note not in history after reload');
  assert.equal((await m.content()).includes('skolen har ringet'), false);
  await shot(a, 'staff-conversation-laptop');
  await shot(m, 'family-chat-phone');
});

// Frames the page's WebSocket receives from now on (parsed).
function recordFrames(page) {
  const frames = [];
  page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => {
    try {
      frames.push(JSON.parse(payload));
    } catch {
      /* not JSON */
    }
  }));
  return frames;
}

test('after a reload: who has read (CONV.reads, no live receipt needed) and the coordinator', async () => {
  const a = anna.page;
  const m = mette.page;
  // The phone.
  const phoneFrames = recordFrames(m);
  await m.reload();
  await m.locator('html[data-conn="open"]').waitFor();
  const mine = famThread().locator('.bubble.mine', { hasText: 'svær uge' });
  await mine.locator('.state[data-state="read"]').waitFor();
  assert.match(await mine.locator('.state').textContent(), /^✓✓ Læst af Anna Jensen$/);
  const welcome = phoneFrames.find((f) => f.type === 'welcome');
  assert.ok(welcome, 'a welcome came');
  assert.ok(welcome.conversations[0].reads.some((r) => r.user.id === world.ids.anna), 'CONV.reads lists Anna');
  assert.deepEqual(phoneFrames.filter((f) => f.type === 'receipt' && f.user.id !== world.ids.mette), [], 'no receipt from the advisers since the reload');
  // The coordinator, also after a reload (the saved outline must not hide it).
  assert.equal(await m.locator('#advisers').textContent(), 'Anna Jensen og Bo Nielsen');
  assert.equal(await m.locator('#primary-adviser').textContent(), 'Tovholder: Anna Jensen');
  await shot(m, 'family-read-after-reload-phone');
  // The adviser's laptop.
  const staffFrames = recordFrames(a);
  await a.reload();
  await a.locator('#conn[data-state="open"]').waitFor();
  const annaMsg = staffThread(a).locator('.msg.mine', { hasText: 'det tager vi op torsdag' });
  await annaMsg.getByText(/Leveret til Mettes browser \d\d\.\d\d · læst \d\d\.\d\d/).waitFor();
  assert.deepEqual(staffFrames.filter((f) => f.type === 'receipt' && f.user.id !== world.ids.anna), [], 'no receipt from the family since the reload');
  assert.equal(await a.locator('#fv-sub').textContent(), 'Makkerpar: Anna Jensen (tovholder) og Bo Nielsen');
});

test('a team member reads along, writes notes, and has no family reply box', async () => {
  const c = carl.page;
  await staffLogin(c, world, 'carl');
  assert.equal(await c.locator('#pair-list .fam').count(), 0);
  await c.locator('#team-list').getByRole('link', { name: /Hele familien/ }).click();
  await staffThread(c).getByText('Vi ses torsdag kl. 10.').waitFor();
  await staffThread(c).getByText('skolen har ringet').waitFor(); // team sees notes
  assert.equal(await c.locator('#mode').isVisible(), false, 'no toggle: notes only');
  assert.equal(await c.locator('#send').textContent(), 'Gem intern note');
  await c.locator('#body').fill('Sundhedsplejen har besøgt familien – alt fint med den lille.');
  await c.locator('#send').click();
  await staffThread(c).locator('.msg.note', { hasText: 'Sundhedsplejen' }).waitFor();
  // Anna sees Carl's note live, marked as a note from the team.
  const seen = staffThread(anna.page).locator('.msg.note', { hasText: 'Sundhedsplejen' });
  await seen.waitFor();
  assert.match(await seen.locator('.msg-role').textContent(), /team/);
  await mette.page.waitForTimeout(300);
  assert.equal(await mette.page.getByText('Sundhedsplejen').count(), 0);
  await shot(c, 'staff-team-member-laptop');
  // The family page: no phone list for the team (the gateway answers 403), and no asking.
  const asked = [];
  c.on('request', (r) => r.url().includes('/devices') && asked.push(r.url()));
  await c.getByRole('link', { name: 'Familie', exact: true }).click();
  await c.getByText('Du ser familien som medlem af teamet.').waitFor();
  assert.equal(await c.locator('#revoke').isVisible(), false);
  assert.deepEqual(asked, []);
  assert.deepEqual(c.problems, []);
});

test('the reply box counts characters near the 4,000 limit', async () => {
  const a = anna.page;
  await a.locator('#body').fill('x'.repeat(3600));
  assert.match(await a.locator('#counter').textContent(), /3\.600 \/ 4\.000 tegn/);
  await a.locator('#body').fill('æ'.repeat(4001));
  assert.ok(await a.locator('#counter.over').isVisible());
  assert.ok(await a.locator('#send').isDisabled());
  await a.locator('#body').fill('');
  assert.equal(await a.locator('#counter').textContent(), '');
});

test('the caseload updates live: unread counts and newest activity first', async () => {
  const a = anna.page;
  await a.goto(`${world.url}/staff/#/`); // nothing open: messages count as unread
  await a.locator('#conn[data-state="open"]').waitFor();
  await mette.page.locator('#body').fill('Er mødet stadig kl. 10?');
  await mette.page.getByRole('button', { name: 'Send' }).click();
  const link = a.locator('#pair-list').getByRole('link', { name: /Hele familien/ });
  await link.locator('.badge').waitFor();
  assert.match(await link.textContent(), /1\s*ulæst/);
  await a.getByLabel('Søg efter familie').fill('ali');
  assert.equal(await a.locator('#pair-list .fam').count(), 0, 'search filters families by name');
  await a.getByLabel('Søg efter familie').fill('hans');
  assert.equal(await a.locator('#pair-list .fam').count(), 1);
  await shot(a, 'staff-caseload-laptop');
});

test('the tab title counts unread messages live and reading clears it; a sound only when switched on', async () => {
  const a = anna.page;
  // Count the tones the page plays (WebAudio oscillators), from the next load on.
  await anna.ctx.addInitScript(() => {
    window.tones = 0;
    const make = AudioContext.prototype.createOscillator;
    AudioContext.prototype.createOscillator = function createOscillator() {
      window.tones += 1;
      return make.call(this);
    };
  });
  await a.reload();
  await a.locator('#conn[data-state="open"]').waitFor();
  // Mette's question from the test before is still unread: one, in the title.
  await a.waitForFunction(() => document.title === '(1) Indgang – medarbejder');
  const sound = a.getByRole('checkbox', { name: 'Lyd ved ny besked' });
  assert.equal(await sound.isChecked(), false, 'no sound unless asked for');
  await mette.page.locator('#body').fill('Skal Jonas også med til mødet?');
  await mette.page.getByRole('button', { name: 'Send' }).click();
  await a.waitForFunction(() => document.title === '(2) Indgang – medarbejder');
  assert.equal(await a.evaluate(() => window.tones), 0, 'silent by default');
  // Sound on: kept on this computer, and a family message plays a tone.
  await sound.check();
  assert.equal(await a.evaluate(() => localStorage.getItem('indgang.staff.sound')), 'on');
  const before = await a.evaluate(() => window.tones);
  await mette.page.locator('#body').fill('Og kan vi tage bussen?');
  await mette.page.getByRole('button', { name: 'Send' }).click();
  await a.waitForFunction(() => document.title === '(3) Indgang – medarbejder');
  await a.waitForFunction((n) => window.tones > n, before);
  // Reading the conversation clears the count.
  await a.locator('#pair-list').getByRole('link', { name: /Hele familien/ }).click();
  await a.locator('.msg', { hasText: 'tage bussen' }).waitFor();
  await a.waitForFunction(() => document.title === 'Indgang – medarbejder');
  // The choice survives a reload; switched off, nothing is kept.
  await a.reload();
  await a.locator('#conn[data-state="open"]').waitFor();
  assert.equal(await sound.isChecked(), true);
  await sound.uncheck();
  assert.equal(await a.evaluate(() => localStorage.getItem('indgang.staff.sound')), null);
  assert.deepEqual(a.problems, []);
});
