// staff.test.mjs - the pair adviser's tools and the staff client's layouts:
// invite code as text and QR (and the link in it enrols a phone), a
// restricted conversation (appears live for the youth and the other adviser,
// never for the parent), the family's phones listed and one revoked from the
// list, the contact log with date filter and CSV download, keyboard-only use,
// and the tablet layout.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { startWorld, launch, person, staffLogin, familyEnrol, shot, LAPTOP, PHONE, TABLET, PASSWORDS } from './lib/harness.mjs';

const require = createRequire(import.meta.url);
const { encode } = await import(require.resolve('uqr'));

let world;
let browser;
let anna;
let mette;
let jonas;

before(async () => {
  world = await startWorld();
  browser = await launch(world);
  anna = await person(browser, world, LAPTOP);
  mette = await person(browser, world, PHONE);
  await staffLogin(anna.page, world, 'anna');
  await familyEnrol(mette.page, world, 'mette');
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

test('invite: code as text and QR; the QR holds the link, and the link enrols a phone', async () => {
  const a = anna.page;
  await a.goto(`${world.url}/staff/#/f/${world.fam.A}/family`);
  await a.locator('#conn[data-state="open"]').waitFor();
  await a.getByRole('button', { name: 'Lav invitationskode til Jonas Hansen' }).click();
  const box = a.locator('#invite-result');
  await box.locator('svg').waitFor();
  const code = (await box.locator('.invite-code').textContent()).trim();
  assert.match(code, /^[A-Z0-9]{5}-[A-Z0-9]{5}$/);
  const link = (await box.locator('.invite-link').textContent()).trim();
  assert.equal(link, `${world.url}/family/#code=${code}`);
  // The QR code's dark modules are exactly those of the link, encoded.
  const d = await box.locator('svg path').getAttribute('d');
  const dark = new Set([...d.matchAll(/M(\d+) (\d+)/g)].map((m) => `${m[1]},${m[2]}`));
  const qr = encode(link, { ecc: 'M', border: 4 });
  const want = new Set();
  qr.data.forEach((row, y) => row.forEach((on, x) => on && want.add(`${x},${y}`)));
  assert.equal(dark.size, want.size);
  for (const k of want) assert.ok(dark.has(k), `module ${k}`);
  await shot(a, 'staff-invite-qr-laptop');
  // Jonas opens the link on his phone.
  jonas = await person(browser, world, PHONE);
  await jonas.page.goto(link);
  await jonas.page.locator('#enrol-view:not([hidden])').waitFor(); // the app boots after 'load'
  assert.equal(await jonas.page.locator('#code').inputValue(), code);
  await jonas.page.locator('#enrol-submit').click();
  await jonas.page.locator('html[data-conn="open"]').waitFor();
  assert.equal(new URL(jonas.page.url()).hash, '', 'the spent code is gone from the address bar');
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

const liveSays = (page, re) => page.waitForFunction((src) => new RegExp(src).test(document.getElementById('live').textContent), re.source);

test('a restricted conversation appears live for the youth and the other adviser, never for the parent', async () => {
  const a = anna.page;
  // Mette's phone and Bo's laptop connect afresh, so every frame is seen.
  const metteFrames = recordFrames(mette.page);
  await mette.page.reload();
  await mette.page.locator('html[data-conn="open"]').waitFor();
  const bo = await person(browser, world, LAPTOP);
  await staffLogin(bo.page, world, 'bo');
  const j = jonas.page;
  assert.equal(await j.locator('#conv-tabs').isVisible(), false, 'one conversation so far');
  await a.getByLabel('Navn på samtalen').fill('Jonas – egen tråd');
  await a.locator('#new-conv-members').getByLabel('Jonas Hansen').check();
  await a.getByRole('button', { name: 'Opret samtale' }).click();
  await a.locator('#panel-conv:not([hidden])').waitFor();
  assert.match(await a.locator('#conv-picker').textContent(), /Jonas – egen tråd.*begrænset/);
  await liveSays(a, /^Samtalen Jonas – egen tråd er oprettet\.$/);
  // Jonas: the new conversation is there at once, before anyone writes in it,
  // marked new, and said to a screen reader; his open conversation stays.
  const tab = j.locator('#conv-tabs').getByRole('button', { name: /Jonas – egen tråd/ });
  await tab.waitFor();
  assert.equal(await tab.locator('.badge.new').textContent(), 'Ny');
  await liveSays(j, /^Ny samtale med dine rådgivere: Jonas – egen tråd$/);
  assert.equal(await j.locator('#conv-tabs [aria-current="true"]').textContent(), 'Hele familien');
  await shot(j, 'family-new-conversation-phone');
  // Bo (the other adviser of the pair): in his caseload at once, and said.
  await bo.page.locator('#pair-list').getByRole('link', { name: /Jonas – egen tråd/ }).waitFor();
  await liveSays(bo.page, /^Ny samtale i Familien Hansen: Jonas – egen tråd$/);
  // Now a message in it.
  await a.locator('#body').fill('Hej Jonas, det her er kun mellem dig og os to.');
  await a.locator('#body').press('Enter');
  await a.locator('.msg.mine', { hasText: 'kun mellem dig' }).locator('.msg-state').waitFor();
  await tab.click();
  await j.locator('.bubble', { hasText: 'kun mellem dig' }).waitFor();
  assert.equal(await tab.locator('.badge').count(), 0, 'opened: no longer new');
  await shot(j, 'family-two-conversations-phone');
  // Mette: not live (no frame at all about it), and not after a reload.
  await bo.page.locator('#pair-list').getByRole('link', { name: /Jonas – egen tråd/ }).locator('.badge').waitFor();
  await mette.page.waitForTimeout(300);
  assert.deepEqual(metteFrames.filter((f) => f.type === 'conversation'), []);
  assert.equal(await mette.page.locator('#conv-tabs').isVisible(), false);
  assert.equal(await mette.page.evaluate(() => document.getElementById('live').textContent.includes('egen tråd')), false);
  await mette.page.reload();
  await mette.page.locator('html[data-conn="open"]').waitFor();
  assert.equal(await mette.page.locator('#conv-tabs').isVisible(), false);
  assert.equal(await mette.page.getByText('kun mellem dig').count(), 0);
  assert.deepEqual(j.problems, []);
  assert.deepEqual(bo.page.problems, []);
  await bo.ctx.close();
});

test('the contact log: date filter and CSV download', async () => {
  const a = anna.page;
  await a.getByRole('link', { name: 'Kontaktlog' }).click();
  const caption = a.locator('#log-caption');
  await a.waitForFunction(() => /hændelse/.test(document.querySelector('#log-caption').textContent));
  assert.match(await caption.textContent(), /Kontaktlog for Familien Hansen: \d+ hændelser/);
  const kinds = await a.locator('#log-body .log-kind').allTextContents();
  for (const k of ['Telefon tilmeldt', 'Samtale oprettet', 'Invitationskode lavet', 'Besked']) {
    assert.ok(kinds.includes(k), `log shows ${k}: ${kinds.join(', ')}`);
  }
  await shot(a, 'staff-contact-log-laptop');
  // CSV of the same period.
  const [dl] = await Promise.all([a.waitForEvent('download'), a.getByRole('link', { name: 'Download CSV' }).click()]);
  const csv = fs.readFileSync(await dl.path(), 'utf8');
  // For a spreadsheet as Danish staff open it: BOM, ';', Danish headings (e2e 41 checks the rest).
  assert.equal(csv.split('\r\n')[0],
    '\ufeff"Id";"Tidspunkt (dansk tid)";"Tidspunkt (UTC)";"Hændelse";"Aktør-id";"Aktør";"Samtale";"Besked";"Detaljer"');
  assert.ok(csv.includes('enrol'), 'CSV has the enrolments');
  assert.match(dl.suggestedFilename(), /\.csv$/);
  // A period in the past has nothing.
  await a.getByLabel('Fra og med').fill('2020-01-01');
  await a.getByLabel('Til og med').fill('2020-01-31');
  await a.getByRole('button', { name: 'Vis log' }).click();
  await a.waitForFunction(() => /0 hændelser/.test(document.querySelector('#log-caption').textContent));
  // Local days (Copenhagen, UTC+1 in winter) as UTC instants; "to" is exclusive.
  assert.equal(
    await a.locator('#log-csv').getAttribute('href'),
    `/api/families/${world.fam.A}/log?from=2019-12-31T23%3A00%3A00.000Z&to=2020-01-31T23%3A00%3A00.000Z&format=csv`,
  );
});

test('the contact log pages: "Vis flere hændelser" asks for the next page', async () => {
  const a = anna.page;
  // Cut the first page short, as the gateway does for a log of more than 500 entries.
  const asked = [];
  await a.route(/\/api\/families\/\d+\/log\?/, async (route) => {
    const url = new URL(route.request().url());
    asked.push(url.search);
    const resp = await route.fetch();
    const body = await resp.json();
    if (!url.searchParams.get('after') && body.entries.length > 2) {
      body.entries = body.entries.slice(0, 2);
      body.next = body.entries[1].id;
    }
    await route.fulfill({ response: resp, json: body });
  });
  const day = (d) => new Date(Date.now() + d * 86400000).toISOString().slice(0, 10);
  await a.getByLabel('Fra og med').fill(day(-3));
  await a.getByLabel('Til og med').fill(day(1));
  await a.getByRole('button', { name: 'Vis log' }).click();
  await a.waitForFunction(() => /: 2 hændelser – der er flere$/.test(document.querySelector('#log-caption').textContent));
  assert.equal(await a.locator('#log-body tr').count(), 2);
  const first = new URLSearchParams(asked.at(-1));
  await a.getByRole('button', { name: 'Vis flere hændelser' }).click();
  await a.waitForFunction(() => /: \d+ hændelser$/.test(document.querySelector('#log-caption').textContent));
  const more = new URLSearchParams(asked.at(-1));
  assert.ok(Number(more.get('after')) > 0, `the second page is asked for after the first: ${asked.at(-1)}`);
  assert.equal(more.get('from'), first.get('from'));
  const n = Number((await a.locator('#log-caption').textContent()).match(/: (\d+) hændelser/)[1]);
  assert.ok(n > 2, `the second page adds to the first: ${n}`);
  assert.equal(await a.locator('#log-body tr').count(), n);
  assert.equal(await a.locator('#log-more').isVisible(), false);
  await a.unroute(/\/api\/families\/\d+\/log\?/);
});

test("the family's phones: listed, and one revoked from the list (keyboard only) signs that phone out", async () => {
  const a = anna.page;
  const m = mette.page;
  await m.getByRole('button', { name: 'Menu' }).click();
  const info = await m.locator('#device-info').textContent();
  const id = info.match(/Nummer (\d+)/)[1];
  await shot(m, 'family-menu-phone');
  await m.keyboard.press('Escape');
  await a.getByRole('link', { name: 'Familie', exact: true }).click();
  const rows = a.locator('#device-body tr');
  await rows.nth(1).waitFor(); // Mette's phone and Jonas's
  const table = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent.trim())));
  const today = new Intl.DateTimeFormat('da-DK', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'Europe/Copenhagen' }).format(new Date());
  const metteRow = table.find((r) => r[1] === 'Mette Hansen');
  const jonasRow = table.find((r) => r[1] === 'Jonas Hansen');
  assert.ok(metteRow && jonasRow, JSON.stringify(table));
  assert.equal(metteRow[0], `Browsernr. ${id}`); // the name the phone gave itself, and its number
  assert.ok(metteRow[2].startsWith(today), `enrolled today: ${metteRow[2]}`);
  assert.equal(metteRow[3], 'Aktiv');
  assert.equal(jonasRow[3], 'Aktiv');
  assert.match(await a.locator('#devices-note').textContent(), /^2 aktive telefoner\.$/);
  const revoke = a.getByRole('button', { name: `Tilbagekald Browser (nr. ${id}) fra Mette Hansen` });
  await revoke.scrollIntoViewIfNeeded();
  await shot(a, 'staff-devices-laptop');
  // Keyboard only: the button, the confirm step (Escape backs out), yes.
  await revoke.focus();
  await a.keyboard.press('Enter');
  await a.locator('#revoke-yes:focus').waitFor();
  assert.match(await a.locator('#revoke-question').textContent(), new RegExp(`tilbagekalde Browser \\(nr\\. ${id}\\) fra Mette Hansen`));
  assert.equal(await revoke.getAttribute('aria-expanded'), 'true');
  await a.keyboard.press('Escape');
  assert.equal(await a.locator('#revoke-confirm').isVisible(), false);
  assert.equal(await a.evaluate(() => document.activeElement.dataset.device), id, 'focus back on the same button');
  await a.keyboard.press('Enter');
  await a.locator('#revoke-yes:focus').waitFor();
  await a.keyboard.press('Tab');
  assert.equal(await a.evaluate(() => document.activeElement.id), 'revoke-no');
  await a.keyboard.press('Shift+Tab');
  await a.keyboard.press('Enter');
  await a.getByText(`Browser (nr. ${id}) fra Mette Hansen er tilbagekaldt og logget ud.`).waitFor();
  await a.waitForFunction(() => document.activeElement && document.activeElement.id === 'revoke-title', null, { timeout: 5000 });
  assert.equal(await a.evaluate(() => document.activeElement.id), 'revoke-title', 'focus on the list heading');
  // The phone is signed out at once.
  await m.locator('#enrol-view:not([hidden])').waitFor();
  assert.match(await m.locator('#signedout').textContent(), /logget ud/);
  // The list: Mette's phone revoked (no button), Jonas's still active.
  const after = a.locator(`#device-body tr[data-device="${id}"]`);
  assert.match(await after.textContent(), new RegExp(`Tilbagekaldt ${today}`));
  assert.equal(await after.getByRole('button').count(), 0);
  assert.equal(await a.locator('#device-body tr', { hasText: 'Jonas Hansen' }).getByRole('button', { name: /^Tilbagekald/ }).count(), 1);
  assert.match(await a.locator('#devices-note').textContent(), /^1 aktiv telefon, 1 tilbagekaldt\.$/);
  await shot(a, 'staff-devices-revoked-laptop');
  assert.deepEqual(a.problems, []);
});

test('keyboard only: sign in, open a conversation, send with Enter', async () => {
  const { page: k } = await person(browser, world, LAPTOP);
  await k.goto(`${world.url}/staff/`);
  await k.locator('#username:focus').waitFor(); // focus starts in the form
  await k.keyboard.type('bo');
  await k.keyboard.press('Tab');
  await k.keyboard.type(PASSWORDS.bo);
  await k.keyboard.press('Enter');
  await k.locator('#conn[data-state="open"]').waitFor();
  let found = false;
  for (let i = 0; i < 25 && !found; i++) {
    await k.keyboard.press('Tab');
    found = await k.evaluate(() => document.activeElement?.matches('a.fam-conv') && /Hele familien/.test(document.activeElement.textContent));
  }
  assert.ok(found, 'the conversation link is reachable with Tab');
  await k.keyboard.press('Enter');
  await k.locator('#body:focus').waitFor(); // focus moved on to the reply box
  await k.keyboard.type('Hej, det er Bo. Jeg kan også godt torsdag.');
  await k.keyboard.press('Shift+Enter');
  await k.keyboard.type('Mvh Bo');
  await k.keyboard.press('Enter');
  const sent = k.locator('.msg.mine', { hasText: 'Jeg kan også godt torsdag.' });
  await sent.waitFor();
  assert.equal(await sent.locator('.msg-body').textContent(), 'Hej, det er Bo. Jeg kan også godt torsdag.\nMvh Bo');
  // A visible focus indicator on the focused control.
  const outline = await k.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none');
  // Signing out ends the session for good: a reload shows the login form.
  await k.getByRole('button', { name: 'Log ud' }).click();
  await k.getByText('Du er logget ud.').waitFor();
  await k.reload();
  await k.locator('#login-view:not([hidden])').waitFor();
});

test('history pages backwards: the newest 50 first, older on request', async () => {
  const a = anna.page;
  await a.goto(`${world.url}/staff/#/c/${world.conv.A}`);
  await a.locator('#conn[data-state="open"]').waitFor();
  // 60 numbered messages through a second connection of Anna's (the cookie
  // authenticates it), so this page only learns of them by history.
  await a.evaluate(async () => {
    const ws = new WebSocket(`wss://${location.host}/ws`, 'indgang.v1');
    await new Promise((res) => ws.addEventListener('message', res, { once: true })); // welcome
    const conv = Number(location.hash.split('/')[2]);
    let acks = 0;
    const done = new Promise((res) => ws.addEventListener('message', (e) => JSON.parse(e.data).type === 'ack' && ++acks === 60 && res()));
    for (let i = 1; i <= 60; i++) ws.send(JSON.stringify({ type: 'send', conv, client_id: `page-${i}`, body: `Nummer ${i}` }));
    await done;
    ws.close();
  });
  await a.reload();
  await a.locator('.msg', { hasText: 'Nummer 60' }).waitFor();
  assert.equal(await a.locator('.msg', { hasText: /^.*Nummer 10$/ }).count(), 0, 'not loaded yet');
  const older = a.getByRole('button', { name: 'Vis ældre beskeder' });
  await older.click();
  await a.locator('.msg-body', { hasText: /^Nummer 1$/ }).waitFor();
  const nums = (await a.locator('.msg-body').allTextContents()).filter((t) => /^Nummer \d+$/.test(t)).map((t) => Number(t.slice(7)));
  assert.deepEqual(nums, Array.from({ length: 60 }, (_, i) => i + 1), 'all 60, in order, once');
});

test('tablet: one pane at a time, with a way back', async () => {
  const { page: t } = await person(browser, world, TABLET);
  await staffLogin(t, world, 'anna');
  assert.ok(await t.locator('#caseload').isVisible());
  assert.equal(await t.locator('#main').isVisible(), false);
  await shot(t, 'staff-caseload-tablet');
  await t.locator('#pair-list').getByRole('link', { name: /Hele familien/ }).click();
  await t.locator('#panel-conv:not([hidden])').waitFor();
  assert.equal(await t.locator('#caseload').isVisible(), false);
  assert.ok(await t.getByRole('link', { name: '← Sagsliste' }).isVisible());
  await t.locator('.msg').first().waitFor();
  await shot(t, 'staff-conversation-tablet');
  await t.getByRole('link', { name: '← Sagsliste' }).click();
  await t.locator('#caseload').waitFor();
});
