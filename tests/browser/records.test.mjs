// records.test.mjs - a family's case and its records in the web clients
// (issue 16: GET /api/families/{id}/record, POST .../close and .../reopen,
// PUT .../filed):
//
//   1. Anna (coordinator) closes Familien Hansen's case from the family page
//      ("Sag og journal": open, "Luk sagen", a confirm step that says what
//      closing means, an optional reason); the section then says closed, by
//      whom, why, and what the retention rules do next and when.  Mette's
//      phone (Danish) and Jonas's (Arabic, right to left) try to send: the
//      gateway refuses with `case_closed`, the app says so kindly in the
//      member's language above a disabled reply box, the message stays on
//      screen marked not sent and is not sent again by itself.  The staff
//      conversation says "Sagen er lukket" with its reply box disabled.
//   2. Carl (team, no leader) sees the record without buttons; Bo (pair,
//      not the coordinator) may close but not confirm filing; Carl made a
//      leader gets the buttons, and when the leadership is taken back
//      before he clicks, the server's refusal is said plainly.
//   3. Anna reopens; Mette's "Prøv igen" sends the kept text and she writes
//      on; Jonas's app opens again when her message arrives.
//   4. The contact log says "Sag lukket" and "Sag genåbnet" in words; the
//      journal export's "Bekræft journaliseret til og med …" (PUT .../filed
//      with the document's end) shows in the record section; an earlier
//      time is refused in words.
//   5. In Node: the words of the new log kinds (the retention tombstones,
//      the phones signed out at closing) and of the retention plan, Danish
//      and English.
// axe-core on the section, its confirm step, both phones and the closed
// conversation.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startWorld, launch, person, staffLogin, familyEnrol, axe, shot, staffLanguage, WEB, LAPTOP, PHONE } from './lib/harness.mjs';

const familyLang = (code) => JSON.parse(fs.readFileSync(path.join(WEB, 'family', 'lang', `${code}.json`), 'utf8'));
const DA = familyLang('da');
const AR = familyLang('ar');
const REASON = 'Forløbet er afsluttet efter planen';

let world;
let browser;
let anna;
let bo;
let carl;
let mette;
let jonas;
let metteSends;

before(async () => {
  world = await startWorld();
  browser = await launch(world);
  anna = await person(browser, world, { ...LAPTOP, acceptDownloads: true });
  bo = await person(browser, world, LAPTOP);
  carl = await person(browser, world, LAPTOP);
  mette = await person(browser, world, PHONE);
  jonas = await person(browser, world, { ...PHONE, locale: 'ar' });
  metteSends = countSends(mette.page); // before its WebSocket opens
  await familyEnrol(mette.page, world, 'mette');
  await familyEnrol(jonas.page, world, 'jonas');
  await staffLogin(anna.page, world, 'anna');
  await staffLogin(bo.page, world, 'bo');
  await staffLogin(carl.page, world, 'carl');
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

async function check(page, name) {
  await shot(page, name);
  const v = await axe(page);
  assert.deepEqual(v, [], `${name}: axe-core found serious/critical violations:\n${v.join('\n')}`);
}

const go = (page, hash) => page.evaluate((x) => {
  location.hash = x;
}, hash);

// As the pages write them (their zone is Copenhagen's), and as Node does
// (the clients' pure functions run here in the machine's zone).
const CPH = { timeZone: 'Europe/Copenhagen' };
const day = (ts, zone = CPH) => new Intl.DateTimeFormat('da-DK', { day: 'numeric', month: 'short', year: 'numeric', ...zone }).format(new Date(ts));
const dateTime = (ts, zone = CPH) => new Intl.DateTimeFormat('da-DK', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', ...zone }).format(new Date(ts));

async function record(page) {
  const r = await page.request.get(`${world.url}/api/families/${world.fam.A}/record`);
  assert.equal(r.status(), 200);
  return r.json();
}

// The `send` frames a page puts on its WebSocket.
function countSends(page) {
  const seen = { n: 0 };
  page.on('websocket', (ws) => ws.on('framesent', ({ payload }) => {
    try {
      if (JSON.parse(String(payload)).type === 'send') seen.n++;
    } catch {
      /* not JSON */
    }
  }));
  return seen;
}

async function openFamilyPage(page) {
  await go(page, `#/f/${world.fam.A}/family`);
  const box = page.locator('#record');
  await box.getByRole('heading', { name: 'Sag og journal' }).waitFor();
  await box.locator('.record-state').waitFor();
  return box;
}

// ---- 1. Closing -----------------------------------------------------------------------------

test('the pair closes the case from the family page; the confirm step says what closing means', async () => {
  const a = anna.page;
  const box = await openFamilyPage(a);
  assert.equal(await box.locator('.record-state').textContent(), 'Sagen er åben.');
  assert.match(await box.locator('.record-next').textContent(), /Intet slettes, mens sagen er åben/);
  assert.match(await box.locator('.record-filed').textContent(), /Intet er bekræftet journaliseret endnu/);
  assert.doesNotMatch(await box.textContent(), /null|undefined|record\./, 'every line in words');
  await box.getByRole('button', { name: 'Bekræft journaliseret' }).waitFor(); // Anna is the coordinator
  await check(a, 'staff-record-open');

  await box.getByRole('button', { name: 'Luk sagen' }).click();
  const ask = box.locator('.record-ask');
  await ask.waitFor();
  const said = await ask.textContent();
  assert.match(said, /Luk sagen for Familien Hansen\?/);
  assert.match(said, /familien ikke længere skrive/, 'the family can no longer write');
  assert.match(said, /telefoner bliver logget ud/, 'their phones are signed out after the grace period');
  assert.match(said, /sletning begynder at løbe/, 'the deletion clock starts');
  assert.equal(await a.evaluate(() => document.activeElement.id), 'record-reason', 'the reason first');
  await check(a, 'staff-record-close-confirm');
  // Fortryd gives up, and the focus returns to the button.
  await ask.getByRole('button', { name: 'Fortryd' }).click();
  assert.equal(await ask.count(), 0);
  assert.equal(await a.evaluate(() => document.activeElement.textContent), 'Luk sagen');

  await box.getByRole('button', { name: 'Luk sagen' }).click();
  await box.getByLabel(/Begrundelse/).fill(REASON);
  const post = a.waitForResponse((r) => r.url().endsWith(`/api/families/${world.fam.A}/close`));
  await box.getByRole('button', { name: 'Ja, luk sagen' }).click();
  const resp = await post;
  assert.equal(resp.status(), 200);
  assert.deepEqual(resp.request().postDataJSON(), { reason: REASON });
  const rec = await resp.json();
  assert.equal(rec.state, 'closed');

  await box.locator('.record-state', { hasText: 'Sagen er lukket' }).waitFor();
  assert.equal(await box.locator('.record-state').textContent(), `Sagen er lukket ${dateTime(rec.closed_at)} af Anna Jensen.`);
  assert.equal(await box.locator('.record-reason').textContent(), `Begrundelse: ${REASON}`);
  // What the rules do next (the phones, after the grace period) and the
  // content's date, waiting for the filing that has not been confirmed.
  assert.equal(rec.retention.next, 'phones');
  assert.equal(await box.locator('.record-next').textContent(),
    `Næste: Familiens telefoner logges ud ${day(rec.retention.due_at)}.`);
  const steps = await box.locator('.record-steps li').allTextContents();
  assert.ok(steps.includes(`Beskeder, noter og filer slettes tidligst ${day(rec.retention.steps.content.due_at)} – venter på bekræftet journalisering`),
    steps.join('\n'));
  await box.getByRole('button', { name: 'Genåbn sagen' }).waitFor();
  assert.equal(await box.getByRole('button', { name: 'Luk sagen' }).count(), 0);
  assert.doesNotMatch(await box.textContent(), /null|undefined|record\./, 'every line in words');
  await check(a, 'staff-record-closed');
  assert.deepEqual(a.problems, []);
});

test('the family app says the case is closed in its language and keeps the text as not sent', async () => {
  const m = mette.page;
  const text = 'Tak for hjælpen. Kan vi tale sammen igen i januar?';
  const sendsBefore = metteSends.n;
  await m.locator('#body').fill(text);
  await m.getByRole('button', { name: 'Send' }).click();
  const banner = m.locator('#closed-banner');
  await banner.waitFor();
  assert.equal(await banner.textContent(), DA['closed.banner']);
  assert.equal(DA['closed.banner'],
    'Jeres forløb er afsluttet, så der kan ikke sendes flere beskeder her. Ring til kommunen, hvis I har brug for hjælp.');
  const bubble = m.locator('.bubble.mine.failed', { hasText: text });
  await bubble.waitFor();
  assert.match(await bubble.textContent(), new RegExp(`Ikke sendt: ${DA['err.case_closed']}`));
  assert.equal(await m.locator('#body').isDisabled(), true, 'the reply box is disabled');
  assert.equal(await m.locator('#send').isDisabled(), true);
  assert.match(await m.locator('#body').getAttribute('aria-describedby'), /closed-banner/, 'with the same explanation');
  // Not left to retry for ever: still one send after the outbox's retry time.
  await m.waitForTimeout(4000);
  assert.equal(metteSends.n - sendsBefore, 1, 'the refused message was sent once');
  const kept = await m.evaluate(() => Object.entries(localStorage).filter(([k]) => k.startsWith('indgang.family.outbox.')).map(([, v]) => JSON.parse(v)).flat());
  assert.deepEqual(kept.map((x) => [x.body, x.state, x.error]), [[text, 'failed', 'case_closed']], 'kept, marked failed');
  await check(m, 'family-case-closed-da');
  // A reload keeps it so.
  await m.reload();
  await m.locator('html[data-conn="open"]').waitFor();
  await m.locator('#closed-banner').waitFor();
  await m.locator('.bubble.mine.failed', { hasText: text }).waitFor();
  assert.equal(await m.locator('#body').isDisabled(), true);
  assert.deepEqual(m.problems, []);
});

test('in Arabic the banner is Arabic and right to left', async () => {
  const j = jonas.page;
  assert.equal(await j.getAttribute('html', 'dir'), 'rtl');
  const text = 'شكراً جزيلاً على المساعدة';
  await j.locator('#body').fill(text);
  await j.locator('#send').click();
  const banner = j.locator('#closed-banner');
  await banner.waitFor();
  assert.equal(await banner.textContent(), AR['closed.banner']);
  assert.notEqual(AR['closed.banner'], DA['closed.banner']);
  await j.locator('.bubble.mine.failed', { hasText: text }).waitFor();
  assert.equal(await j.locator('#body').isDisabled(), true);
  assert.equal(await j.locator('#body').getAttribute('placeholder'), AR['closed.placeholder']);
  await check(j, 'family-case-closed-ar');
  assert.deepEqual(j.problems, []);
});

test('the closed case in the staff conversation: a notice and no reply box to write in', async () => {
  const a = anna.page;
  await go(a, `#/c/${world.conv.A}`);
  const notice = a.locator('#conv-closed');
  await notice.waitFor();
  assert.match(await notice.textContent(), /^Sagen er lukket/);
  assert.equal(await a.locator('#body').isDisabled(), true);
  assert.equal(await a.locator('#send').isDisabled(), true);
  await check(a, 'staff-conversation-closed');
  assert.deepEqual(a.problems, []);
});

// ---- 2. Who may do what ---------------------------------------------------------------------

test('a team member reads the record; the partner may reopen, not confirm filing; a refusal is said plainly', async () => {
  const c = carl.page;
  const box = await openFamilyPage(c);
  await box.locator('.record-state', { hasText: 'Sagen er lukket' }).waitFor();
  assert.equal(await box.getByRole('button').count(), 0, 'Carl is neither in the pair nor a leader: no buttons');

  const b = bo.page;
  const bbox = await openFamilyPage(b);
  await bbox.getByRole('button', { name: 'Genåbn sagen' }).waitFor();
  assert.equal(await bbox.getByRole('button', { name: 'Bekræft journaliseret' }).count(), 0, 'only the coordinator or a leader');

  // Carl made a leader: the buttons; the leadership taken back before he
  // clicks: the server's refusal, in words.
  world.admin('team-leader', 'Team Øst', 'carl', 'yes');
  await c.reload();
  await c.locator('#conn[data-state="open"]').waitFor();
  const lbox = await openFamilyPage(c);
  await lbox.getByRole('button', { name: 'Genåbn sagen' }).waitFor();
  await lbox.getByRole('button', { name: 'Bekræft journaliseret' }).waitFor();
  world.admin('team-leader', 'Team Øst', 'carl', 'no');
  const post = c.waitForResponse((r) => r.url().endsWith('/reopen'));
  await lbox.getByRole('button', { name: 'Genåbn sagen' }).click();
  assert.equal((await post).status(), 403);
  const err = lbox.locator('.record-error');
  await err.waitFor();
  assert.equal(await err.textContent(),
    'Serveren afviste det: kun familiens makkerpar og en leder af familiens team kan lukke og genåbne sagen.');
  assert.equal((await record(c)).state, 'closed');
  assert.deepEqual(c.problems, []);
  assert.deepEqual(b.problems, []);
});

// ---- 3. Reopening ---------------------------------------------------------------------------

test('the pair reopens; the family tries again and writes on', async () => {
  const a = anna.page;
  const box = await openFamilyPage(a);
  const post = a.waitForResponse((r) => r.url().endsWith(`/api/families/${world.fam.A}/reopen`));
  await box.getByRole('button', { name: 'Genåbn sagen' }).click();
  assert.equal((await post).status(), 200);
  await box.locator('.record-state', { hasText: 'Sagen er åben.' }).waitFor();
  await box.locator('.record-status', { hasText: 'Sagen er genåbnet' }).waitFor();
  await box.getByRole('button', { name: 'Luk sagen' }).waitFor();

  const m = mette.page;
  const kept = m.locator('.bubble.mine.failed');
  const text = await kept.locator('.body').textContent();
  await kept.getByRole('button', { name: DA['state.retry'] }).click();
  await m.locator('.bubble.mine:not(.failed):not(.pending)', { hasText: text }).waitFor();
  await m.locator('#closed-banner').waitFor({ state: 'hidden' });
  assert.equal(await m.locator('#body').isDisabled(), false);
  await m.locator('#body').fill('Og en ny besked bagefter.');
  await m.getByRole('button', { name: 'Send' }).click();
  await m.locator('.bubble.mine:not(.pending)', { hasText: 'Og en ny besked bagefter.' }).locator('.state[data-state="sent"], .state[data-state="read"]').waitFor();

  // Jonas's app opens again when a message from after the closing arrives;
  // his own kept text is still there to send.
  const j = jonas.page;
  await j.locator('.bubble', { hasText: 'Og en ny besked bagefter.' }).waitFor();
  await j.locator('#closed-banner').waitFor({ state: 'hidden' });
  assert.equal(await j.locator('#body').isDisabled(), false);
  await j.locator('.bubble.mine.failed').getByRole('button', { name: AR['state.retry'] }).click();
  await j.locator('.bubble.mine:not(.failed):not(.pending)', { hasText: 'شكراً جزيلاً' }).waitFor();

  // The staff conversation is open again too.
  await go(a, `#/c/${world.conv.A}`);
  await a.locator('.msg', { hasText: 'Og en ny besked bagefter.' }).waitFor();
  assert.equal(await a.locator('#conv-closed').isVisible(), false);
  assert.equal(await a.locator('#body').isDisabled(), false);
  for (const p of [a, m, j]) assert.deepEqual(p.problems, []);
});

// ---- 4. The log and the journal ---------------------------------------------------------------

test('the contact log says the closing and the reopening in words', async () => {
  const a = anna.page;
  await go(a, `#/f/${world.fam.A}/log`);
  await a.getByLabel('Hændelse', { exact: true }).selectOption({ label: 'Sag og journal' });
  await a.locator('#log-caption', { hasText: /: 2 hændelser$/ }).waitFor();
  const rows = await a.locator('#log-body tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim())));
  assert.deepEqual(rows.map((r) => [r[1], r[2], r[4]]), [
    ['Sag lukket', 'Anna Jensen (medarbejder)', `Begrundelse: ${REASON}`],
    ['Sag genåbnet', 'Anna Jensen (medarbejder)', ''],
  ]);
  await a.getByLabel('Hændelse', { exact: true }).selectOption({ label: 'Alle hændelser' });
  assert.deepEqual(a.problems, []);
});

test("the journal export's confirm-filed action updates the record section", async () => {
  const a = anna.page;
  await go(a, `#/f/${world.fam.A}/log`);
  await a.locator('#log-caption', { hasText: /hændelse/ }).waitFor();
  const made = Date.now();
  await Promise.all([a.waitForEvent('download'), a.getByRole('button', { name: 'Hent til journalen (HTML)' }).click()]);
  const confirm = a.getByRole('button', { name: /^Bekræft journaliseret til og med / });
  await confirm.waitFor();
  await check(a, 'staff-journal-confirm');
  const put = a.waitForResponse((r) => r.url().endsWith(`/api/families/${world.fam.A}/filed`));
  await confirm.click();
  const resp = await put;
  assert.equal(resp.status(), 200);
  const upto = Date.parse(resp.request().postDataJSON().upto);
  // The period ends today, so the document reaches as far as it was made.
  assert.ok(upto >= made - 60000 && upto <= Date.now(), `upto ${new Date(upto).toISOString()}`);
  const rec = await resp.json();
  assert.equal(Date.parse(rec.filed_upto), upto);
  await a.locator('#log-filed-status', { hasText: `Bekræftet: journaliseret til og med ${dateTime(upto)}.` }).waitFor();

  const box = await openFamilyPage(a);
  await box.locator('.record-filed', { hasText: `Journaliseret til og med ${dateTime(upto)}` }).waitFor();
  assert.match(await box.locator('.record-filed').textContent(), /bekræftet af Anna Jensen/);

  // The family page's own form: an earlier time than confirmed is refused in words.
  const yesterday = new Date(upto - 86400000);
  const p = (n) => String(n).padStart(2, '0');
  const cph = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Copenhagen', year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(yesterday).map((x) => [x.type, x.value]));
  assert.match(await box.getByLabel('Dato').inputValue(), /^\d{4}-\d\d-\d\d$/, 'a date, defaulting to today');
  await box.getByLabel('Dato').fill(`${cph.year}-${cph.month}-${cph.day}`);
  await box.getByLabel('Tidspunkt').fill(`${p(12)}:00`);
  const again = a.waitForResponse((r) => r.url().endsWith('/filed'));
  await box.getByRole('button', { name: 'Bekræft journaliseret' }).click();
  assert.equal((await again).status(), 409);
  await box.locator('.record-error', { hasText: `Der er allerede bekræftet journaliseret til og med ${dateTime(upto)}` }).waitFor();
  await check(a, 'staff-record-filed');

  // The log row of the filing, in words.
  await go(a, `#/f/${world.fam.A}/log`);
  await a.getByLabel('Hændelse', { exact: true }).selectOption({ label: 'Sag og journal' });
  await a.locator('#log-body tr[data-kind="filed"]', { hasText: `Journaliseret til og med ${dateTime(upto)}` }).waitFor();
  await a.getByLabel('Hændelse', { exact: true }).selectOption({ label: 'Alle hændelser' });
  assert.deepEqual(a.problems, []);
});

// ---- 5. The words, in Node ---------------------------------------------------------------------

test('the new log kinds and the retention plan in Danish and English', async () => {
  await staffLanguage('da');
  const { recordDetail, retentionLine, stepLines } = await import(pathToFileURL(path.join(WEB, 'staff', 'retention.js')));
  const closed = '2026-12-04T10:00:00.000Z';
  const content = 'step=content texts=40 notes=1 system=0 files=3 other=0 months=12 closed=2026-12-04T10:00:00.000Z filed_upto=2026-12-04T10:00:00.000Z';
  assert.equal(recordDetail({ kind: 'deleted', detail: content }),
    'Slettet efter reglerne: 40 beskeder, 1 note og 3 filer (12 måneder efter lukning)');
  assert.equal(recordDetail({ kind: 'deleted', detail: content.replace('system=0', 'system=2').replace('other=0', 'other=12').replace('texts=40', 'texts=1') }),
    'Slettet efter reglerne: 1 besked, 1 note, 2 systembeskeder, 3 filer og 12 andre oplysninger (12 måneder efter lukning)');
  assert.equal(recordDetail({ kind: 'deleted', detail: 'step=log rows=7 months=60 closed=x filed_upto=y' }),
    'Kontaktloggen slettet efter reglerne: 7 rækker (60 måneder efter lukning)');
  assert.equal(recordDetail({ kind: 'deleted', detail: 'step=access rows=1 months=60 closed=x filed_upto=y' }),
    'Loggen over opslag slettet efter reglerne: 1 række (60 måneder efter lukning)');
  assert.equal(recordDetail({ kind: 'deleted', detail: 'step=names' }), 'Navnene på familien og dens medlemmer er fjernet efter reglerne');
  assert.equal(recordDetail({ kind: 'deleted', detail: 'step=credentials tokens=3 push_subscriptions=1 invites=2 sms=4 sms_days=90' }),
    'Ryddet op efter reglerne: 3 log ind, 1 abonnement på besked, 2 invitationskoder og 4 SMS (SMS efter 90 dage)');
  assert.equal(recordDetail({ kind: 'revoke', actor: null, detail: 'case closed: 2 phones signed out' }),
    'Sagen er lukket: 2 telefoner logget ud');
  assert.equal(recordDetail({ kind: 'closed', detail: 'Flyttet' }), 'Begrundelse: Flyttet');
  assert.equal(recordDetail({ kind: 'closed', detail: '' }), '');
  assert.equal(recordDetail({ kind: 'filed', detail: `upto=${closed}` }), `Journaliseret til og med ${dateTime(closed, {})}`);
  assert.equal(recordDetail({ kind: 'hold', detail: 'Klagesag' }), 'Begrundelse: Klagesag');
  const rec = {
    state: 'closed', closed_at: closed, filed_upto: closed,
    hold: { reason: 'Klagesag', at: '2026-12-20T09:00:00.000Z', by: { id: 1, name: 'Ida Admin', role: 'admin' } },
    retention: {
      next: 'content', blocked: 'hold', due_at: '2027-12-04T10:00:00.000Z',
      steps: {
        phones: { due_at: '2026-12-18T10:00:00.000Z', done_at: '2026-12-18T10:05:00.000Z' },
        content: { due_at: '2027-12-04T10:00:00.000Z', deleted_upto: null },
        log: { due_at: '2031-12-04T10:00:00.000Z', deleted_upto: null },
        access: { due_at: '2031-12-04T10:00:00.000Z', deleted_upto: null },
        names: { due_at: '2031-12-04T10:00:00.000Z', done_at: null },
      },
    },
  };
  assert.equal(retentionLine(rec), 'Næste: Beskeder, noter og filer slettes tidligst 4. dec. 2027 – venter, så længe sletningen er stoppet.');
  assert.deepEqual(stepLines(rec), [
    'Familiens telefoner blev logget ud 18. dec. 2026',
    'Beskeder, noter og filer slettes tidligst 4. dec. 2027 – venter, så længe sletningen er stoppet',
    'Kontaktloggen slettes tidligst 4. dec. 2031 – venter, så længe sletningen er stoppet',
    'Loggen over opslag slettes tidligst 4. dec. 2031 – venter, så længe sletningen er stoppet',
    'Navnene fjernes tidligst 4. dec. 2031 – venter, så længe sletningen er stoppet',
  ]);
  assert.equal(retentionLine({ state: 'open', retention: { next: null, blocked: 'open', due_at: null, steps: {} } }),
    'Intet slettes, mens sagen er åben.');
  assert.equal(retentionLine({ ...rec, retention: { ...rec.retention, next: null, blocked: 'done', due_at: null } }),
    'Alt, hvad reglerne sletter, er slettet.');

  await staffLanguage('en');
  assert.equal(recordDetail({ kind: 'deleted', detail: content }),
    'Deleted under the rules: 40 messages, 1 note and 3 files (12 months after closing)');
  assert.equal(recordDetail({ kind: 'revoke', actor: null, detail: 'case closed: 1 phones signed out' }),
    'Case closed: 1 phone signed out');
  assert.equal(retentionLine({ ...rec, retention: { ...rec.retention, blocked: 'not_filed' } }),
    'Next: Messages, notes and files are deleted no earlier than 4 Dec 2027 – waiting for the filing to be confirmed.');
  await staffLanguage('da');
});
