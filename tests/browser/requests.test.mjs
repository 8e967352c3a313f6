// requests.test.mjs - a family member's requests for erasure and restriction
// on the staff's family page (issue 16: GET/POST /api/families/{id}/requests,
// PUT /api/requests/{id}; GDPR art. 17 and 18):
//
//   1. The section ("Anmodninger om sletning og begrænsning", right under
//      "Sag og journal") is empty; Anna (pair) records Mette's request for
//      erasure: the member from the family's members, erasure or restriction,
//      when it was received in Danish time (now by default; a time in the
//      future is refused in words before anything is sent), a note.
//   2. Granting it before the journal export is confirmed filed: the
//      gateway's 409, said plainly ("Bekræft journaliseret først"), the
//      request still unanswered and the answer kept.  After "Bekræft
//      journaliseret" in the record section the same answer is saved, and a
//      moment later the request says the erasure is carried out, with what
//      was deleted (the page asks again by itself); her message is gone.
//   3. A restriction granted for Jonas: the legal hold in the record section,
//      its reason in words.
//   4. Carl (team, not a leader) sees the list without a control; made a
//      leader he gets them, and with the leadership taken back before he
//      saves, the gateway's refusal is said plainly.
//   5. The contact log says the requests, the answers and the erasure's
//      tombstone in words (the hold a restriction sets is said by its
//      answer's row).
//   6. In Node: the new log rows in Danish and English.
// axe-core on the section, its forms, an error and the answered requests.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startWorld, launch, person, staffLogin, familyEnrol, axe, shot, staffLanguage, WEB, LAPTOP, PHONE } from './lib/harness.mjs';

const TEXT = 'Jeg vil gerne have denne besked slettet igen.';
const NOT_FILED = 'Serveren afviste svaret: en sletning kan først besluttes, når journalen er bekræftet journaliseret. '
  + 'Bekræft journaliseret først under Sag og journal, og gem så svaret igen.';
const FORBIDDEN = 'Serveren afviste det: kun familiens makkerpar og en leder af familiens team kan registrere og besvare anmodninger.';

let hasSqlite = true;
try {
  execFileSync('sqlite3', ['-version'], { stdio: 'ignore' });
} catch {
  hasSqlite = false;
}

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
  await familyEnrol(mette.page, world, 'mette');
  await staffLogin(anna.page, world, 'anna');
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

const CPH = { timeZone: 'Europe/Copenhagen' };
const dateTime = (ts) => new Intl.DateTimeFormat('da-DK', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', ...CPH }).format(new Date(ts));
const cphDate = (ts) => {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: '2-digit', day: '2-digit', ...CPH })
    .formatToParts(new Date(ts)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}`;
};

async function openFamilyPage(page) {
  await go(page, '#/');
  await go(page, `#/f/${world.fam.A}/family`);
  const box = page.locator('#requests');
  await box.getByRole('heading', { name: 'Anmodninger om sletning og begrænsning' }).waitFor();
  await box.locator('.requests-list, .requests-none').first().waitFor();
  return box;
}

async function requests(page) {
  const r = await page.request.get(`${world.url}/api/families/${world.fam.A}/requests`);
  assert.equal(r.status(), 200);
  return (await r.json()).requests;
}

// ---- 1. Recording -------------------------------------------------------------------------------

test('the section is empty; Mette writes a message she will want erased', async () => {
  const m = mette.page;
  await m.locator('#body').fill(TEXT);
  await m.getByRole('button', { name: 'Send' }).click();
  await m.locator('.bubble.mine:not(.pending)', { hasText: TEXT }).locator('.state[data-state="sent"], .state[data-state="read"]').waitFor();
  // Her messages a few minutes old, so that a filing confirmed "now" (to
  // the minute) reaches them.
  if (hasSqlite) {
    execFileSync('sqlite3', ['-cmd', '.timeout 5000', world.db,
      `UPDATE messages SET created_at = created_at - 180000 WHERE sender_id = ${world.ids.mette}`]);
  }

  const a = anna.page;
  const box = await openFamilyPage(a);
  // Right under "Sag og journal".
  assert.equal(await a.evaluate(() => document.getElementById('record').nextElementSibling.id), 'requests');
  assert.equal(await box.locator('.requests-none').textContent(), 'Ingen anmodninger.');
  await box.getByRole('button', { name: 'Registrér anmodning' }).waitFor();
  assert.doesNotMatch(await box.textContent(), /null|undefined|requests\./);
  await check(a, 'staff-requests-empty');
  assert.deepEqual(a.problems, []);
});

test('the pair records a request for erasure: who, what, when received, a note', async () => {
  const a = anna.page;
  const box = a.locator('#requests');
  const open = box.getByRole('button', { name: 'Registrér anmodning' });
  await open.click();
  assert.equal(await open.getAttribute('aria-expanded'), 'true');
  const form = box.locator('form.requests-new');
  await form.waitFor();
  assert.equal(await a.evaluate(() => document.activeElement.id), 'request-member', 'the member first');
  const members = await form.getByLabel('Familiemedlem').locator('option').allTextContents();
  assert.deepEqual(members, ['Mette Hansen', 'Jonas Hansen']);
  await form.getByLabel('Familiemedlem').selectOption({ label: 'Mette Hansen' });
  await form.getByLabel('Sletning af egne oplysninger (art. 17)').check();
  const today = cphDate(Date.now());
  assert.equal(await form.getByLabel('Dato').inputValue(), today, 'received today by default');
  assert.match(await form.getByLabel('Tidspunkt').inputValue(), /^\d\d:\d\d$/);
  await form.getByLabel(/^Note/).fill('Sagt på mødet i dag');
  await check(a, 'staff-requests-form');

  // A time in the future: said in words, nothing sent.
  let posted = 0;
  const count = (r) => {
    if (r.method() === 'POST' && r.url().endsWith('/requests')) posted++;
  };
  a.on('request', count);
  await form.getByLabel('Dato').fill(cphDate(Date.now() + 2 * 86400000));
  await form.getByRole('button', { name: 'Registrér', exact: true }).click();
  await box.locator('.requests-error', { hasText: 'Tidspunktet ligger i fremtiden' }).waitFor();
  assert.equal(posted, 0);
  a.off('request', count);
  await form.getByLabel('Dato').fill(today);

  const post = a.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/api/families/${world.fam.A}/requests`));
  await form.getByRole('button', { name: 'Registrér', exact: true }).click();
  const resp = await post;
  assert.equal(resp.status(), 201);
  const sent = resp.request().postDataJSON();
  assert.equal(sent.member, world.ids.mette);
  assert.equal(sent.kind, 'erasure');
  assert.equal(sent.note, 'Sagt på mødet i dag');
  assert.ok(Date.parse(sent.received_at) <= Date.now() && Date.now() - Date.parse(sent.received_at) < 120000, sent.received_at);
  const req = await resp.json();

  const item = box.locator(`.request[data-id="${req.id}"]`);
  await item.waitFor();
  assert.equal(await form.count(), 0, 'the form closes');
  await box.locator('.requests-status', { hasText: 'Anmodningen er registreret.' }).waitFor();
  assert.equal(await item.locator('.request-head').textContent(), 'Sletning af egne oplysninger (art. 17) – Mette Hansen');
  const received = await item.locator('.request-received').textContent();
  assert.match(received, new RegExp(`^Modtaget ${dateTime(req.received_at).replace(/\./g, '\\.')}, svarfrist `));
  assert.match(received, /Registreret af Anna Jensen/);
  assert.equal(await item.locator('.request-note').textContent(), 'Note: Sagt på mødet i dag');
  assert.equal(await item.locator('.request-state').textContent(), 'Ikke besvaret endnu.');
  await item.getByRole('button', { name: `Besvar anmodning nr. ${req.id} fra Mette Hansen` }).waitFor();
  assert.doesNotMatch(await box.textContent(), /null|undefined|requests\./);
  await check(a, 'staff-requests-recorded');
  assert.deepEqual(a.problems, []);
});

// ---- 2. Answering ----------------------------------------------------------------------------------

test('granting the erasure before the journal is confirmed filed: the gateway\'s explanation, plainly', async () => {
  const a = anna.page;
  const box = a.locator('#requests');
  const [req] = await requests(a);
  const item = box.locator(`.request[data-id="${req.id}"]`);
  await item.getByRole('button', { name: /^Besvar/ }).click();
  const form = item.locator('form.request-answer');
  await form.waitFor();
  await form.getByLabel('Imødekommet', { exact: true }).check();
  // The answer is required: said before anything is sent.
  await form.getByRole('button', { name: 'Gem svar' }).click();
  await box.locator('.requests-error', { hasText: 'Skriv svaret til familiemedlemmet.' }).waitFor();

  const answer = 'Dine egne beskeder slettes, så langt sagen er journaliseret.';
  await form.getByLabel(/^Svar til familiemedlemmet/).fill(answer);
  const put = a.waitForResponse((r) => r.url().endsWith(`/api/requests/${req.id}`));
  await form.getByRole('button', { name: 'Gem svar' }).click();
  assert.equal((await put).status(), 409);
  await box.locator('.requests-error', { hasText: NOT_FILED }).waitFor();
  assert.equal(await form.getByLabel(/^Svar til familiemedlemmet/).inputValue(), answer, 'the answer is kept');
  assert.equal(await item.locator('.request-state').textContent(), 'Ikke besvaret endnu.');
  assert.equal((await requests(a))[0].decision, null);
  await check(a, 'staff-requests-not-filed');
  assert.deepEqual(a.problems, []);
});

test('after "Bekræft journaliseret" the answer is saved and the erasure is carried out', async () => {
  const a = anna.page;
  const record = a.locator('#record');
  const filed = a.waitForResponse((r) => r.url().endsWith(`/api/families/${world.fam.A}/filed`));
  await record.getByRole('button', { name: 'Bekræft journaliseret' }).click();
  assert.equal((await filed).status(), 200);
  await record.locator('.record-filed', { hasText: 'Journaliseret til og med' }).waitFor();

  const box = a.locator('#requests');
  const [req] = await requests(a);
  const item = box.locator(`.request[data-id="${req.id}"]`);
  const put = a.waitForResponse((r) => r.url().endsWith(`/api/requests/${req.id}`));
  await item.getByRole('button', { name: 'Gem svar' }).click();
  const resp = await put;
  assert.equal(resp.status(), 200);
  assert.deepEqual(resp.request().postDataJSON(), { decision: 'granted', answer: 'Dine egne beskeder slettes, så langt sagen er journaliseret.' });
  const answered = await resp.json();
  await item.locator('.request-state', { hasText: 'Besvaret' }).waitFor();
  assert.equal(await item.locator('.request-state').textContent(),
    `Besvaret ${dateTime(answered.answered_at)} af Anna Jensen: imødekommet.`);
  assert.equal(await item.locator('.request-answer').textContent(), 'Svar: Dine egne beskeder slettes, så langt sagen er journaliseret.');
  assert.equal(await item.getByRole('button').count(), 0, 'answered: nothing more to do');
  assert.equal(await box.locator('.requests-error').isVisible(), false, 'the error is gone');

  // The gateway deletes in the background: the page asks again by itself.
  const done = item.locator('.request-erasure', { hasText: /^Sletningen er gennemført/ });
  await done.waitFor({ timeout: 30000 });
  const now = (await requests(a)).find((x) => x.id === req.id);
  assert.ok(now.erasure && now.erasure.done_at, JSON.stringify(now.erasure));
  const n = now.erasure.texts;
  const words = n === 1 ? '1 besked' : `${n} beskeder`;
  assert.equal(await done.textContent(),
    `Sletningen er gennemført ${dateTime(now.erasure.done_at)}: ${n ? words : 'intet'} slettet (til og med ${dateTime(now.erasure.upto)}).`);
  if (hasSqlite) {
    assert.ok(n >= 1, 'her message was deleted');
    const msgs = await (await a.request.get(`${world.url}/api/conversations/${world.conv.A}/messages?limit=50`)).json();
    assert.ok(!msgs.messages.some((x) => x.body === TEXT), 'gone from the conversation');
  }
  await check(a, 'staff-requests-erased');
  assert.deepEqual(a.problems, []);
});

test('a restriction granted: the legal hold in the record section', async () => {
  const a = anna.page;
  const box = a.locator('#requests');
  await box.getByRole('button', { name: 'Registrér anmodning' }).click();
  const form = box.locator('form.requests-new');
  await form.getByLabel('Familiemedlem').selectOption({ label: 'Jonas Hansen' });
  await form.getByLabel('Begrænsning af behandlingen (art. 18)').check();
  const post = a.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/requests'));
  await form.getByRole('button', { name: 'Registrér', exact: true }).click();
  const req = await (await post).json();
  const item = box.locator(`.request[data-id="${req.id}"]`);
  await item.waitFor();
  assert.equal(await box.locator('.request').first().getAttribute('data-id'), String(req.id), 'newest first');
  assert.equal(await item.locator('.request-head').textContent(), 'Begrænsning af behandlingen (art. 18) – Jonas Hansen');

  await item.getByRole('button', { name: /^Besvar/ }).click();
  const answer = item.locator('form.request-answer');
  await answer.getByLabel('Imødekommet', { exact: true }).check();
  await answer.getByLabel(/^Svar til familiemedlemmet/).fill('Vi gemmer alt, indtil klagen er afgjort.');
  await check(a, 'staff-requests-answer-form');
  const put = a.waitForResponse((r) => r.url().endsWith(`/api/requests/${req.id}`));
  await answer.getByRole('button', { name: 'Gem svar' }).click();
  assert.equal((await put).status(), 200);
  await item.locator('.request-restricted').waitFor();
  assert.match(await item.locator('.request-restricted').textContent(), /^Begrænsningen gælder/);

  const hold = a.locator('#record .record-hold');
  await hold.waitFor();
  assert.match(await hold.textContent(),
    new RegExp(`^Sletning er stoppet af Anna Jensen .+: Begrænsning efter anmodning nr\\. ${req.id} \\(GDPR art\\. 18\\)\\.`));
  await check(a, 'staff-requests-restricted');
  assert.deepEqual(a.problems, []);
});

// ---- 3. Who may ------------------------------------------------------------------------------------

test('a team member sees the list without controls; a leadership taken back is refused plainly', async () => {
  const c = carl.page;
  let box = await openFamilyPage(c);
  await box.locator('.request').nth(1).waitFor();
  assert.equal(await box.locator('.request').count(), 2);
  assert.equal(await box.getByRole('button').count(), 0, 'Carl is neither in the pair nor a leader');
  await check(c, 'staff-requests-team');

  world.admin('team-leader', 'Team Øst', 'carl', 'yes');
  await c.reload();
  await c.locator('#conn[data-state="open"]').waitFor();
  box = await openFamilyPage(c);
  await box.getByRole('button', { name: 'Registrér anmodning' }).click();
  const form = box.locator('form.requests-new');
  await form.getByLabel('Familiemedlem').selectOption({ label: 'Mette Hansen' });
  world.admin('team-leader', 'Team Øst', 'carl', 'no');
  const post = c.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/requests'));
  await form.getByRole('button', { name: 'Registrér', exact: true }).click();
  assert.equal((await post).status(), 403);
  await box.locator('.requests-error', { hasText: FORBIDDEN }).waitFor();
  assert.equal((await requests(c)).length, 2, 'nothing recorded');
  assert.deepEqual(c.problems, []);
});

// ---- 4. The log ------------------------------------------------------------------------------------

test('the contact log says the requests, the answers and the erasure in words', async () => {
  const a = anna.page;
  const reqs = await requests(a);
  const erasure = reqs.find((x) => x.kind === 'erasure');
  const restriction = reqs.find((x) => x.kind === 'restriction');
  await go(a, `#/f/${world.fam.A}/log`);
  await a.getByLabel('Hændelse', { exact: true }).selectOption({ label: 'Sag og journal' });
  await a.locator('#log-body tr[data-kind="request"]').nth(1).waitFor();
  await a.locator('#log-body tr[data-kind="deleted"]').waitFor();
  const rows = await a.locator('#log-body tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim())));
  const seen = rows.map((r) => [r[1], r[2], r[4]]);
  const n = erasure.erasure.texts;
  const has = (row) => assert.ok(seen.some((x) => JSON.stringify(x) === JSON.stringify(row)), `${JSON.stringify(row)} in\n${seen.map((x) => JSON.stringify(x)).join('\n')}`);
  has(['Anmodning registreret', 'Anna Jensen (medarbejder)', `Anmodning nr. ${erasure.id} om sletning fra Mette Hansen`]);
  has(['Anmodning besvaret', 'Anna Jensen (medarbejder)', `Anmodning nr. ${erasure.id} om sletning: imødekommet`]);
  has(['Slettet efter reglerne', 'Indgang',
    `Slettet efter anmodning nr. ${erasure.id} fra Mette Hansen: ${n === 1 ? '1 besked' : n ? `${n} beskeder` : 'intet'}`]);
  has(['Anmodning registreret', 'Anna Jensen (medarbejder)', `Anmodning nr. ${restriction.id} om begrænsning fra Jonas Hansen`]);
  has(['Anmodning besvaret', 'Anna Jensen (medarbejder)', `Anmodning nr. ${restriction.id} om begrænsning: imødekommet`]);
  await a.getByLabel('Hændelse', { exact: true }).selectOption({ label: 'Alle hændelser' });
  assert.deepEqual(a.problems, []);
});

// ---- 5. The words, in Node ---------------------------------------------------------------------------

test('the new log rows in Danish and English', async () => {
  await staffLanguage('da');
  const { recordDetail, holdText } = await import(pathToFileURL(path.join(WEB, 'staff', 'retention.js')));
  const names = { member: (id) => (id === 8 ? 'Mette Hansen' : null) };
  assert.equal(recordDetail({ kind: 'request', detail: 'request=3 kind=erasure member=8' }, names),
    'Anmodning nr. 3 om sletning fra Mette Hansen');
  assert.equal(recordDetail({ kind: 'request', detail: 'request=4 kind=restriction member=9' }, names),
    'Anmodning nr. 4 om begrænsning fra familiemedlem nr. 9');
  assert.equal(recordDetail({ kind: 'request_answered', detail: 'request=3 kind=erasure decision=partly' }, names),
    'Anmodning nr. 3 om sletning: delvist imødekommet');
  assert.equal(recordDetail({ kind: 'request_answered', detail: 'request=4 kind=restriction decision=refused' }),
    'Anmodning nr. 4 om begrænsning: afvist');
  assert.equal(recordDetail({ kind: 'export', detail: 'own data' }), 'Hentede sine egne data');
  assert.equal(recordDetail({ kind: 'deleted', detail: 'step=erasure request=3 member=8 texts=12 files=1' }, names),
    'Slettet efter anmodning nr. 3 fra Mette Hansen: 12 beskeder og 1 fil');
  assert.equal(recordDetail({ kind: 'deleted', detail: 'step=erasure request=3 member=8 texts=0 files=0' }, names),
    'Slettet efter anmodning nr. 3 fra Mette Hansen: intet');
  assert.equal(recordDetail({ kind: 'hold', detail: 'GDPR art. 18: restriction, request 4' }),
    'Begrundelse: Begrænsning efter anmodning nr. 4 (GDPR art. 18)');
  assert.equal(holdText({ hold: { reason: 'GDPR art. 18: restriction, request 4', at: '2026-12-20T09:00:00.000Z', by: { name: 'Anna Jensen' } } }),
    `Sletning er stoppet af Anna Jensen ${new Intl.DateTimeFormat('da-DK', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(new Date('2026-12-20T09:00:00.000Z'))}: Begrænsning efter anmodning nr. 4 (GDPR art. 18). Intet slettes, så længe stoppet gælder.`);
  // The rows before issue 16's requests are said as before.
  assert.equal(recordDetail({ kind: 'hold', detail: 'Klagesag' }), 'Begrundelse: Klagesag');

  await staffLanguage('en');
  assert.equal(recordDetail({ kind: 'request', detail: 'request=3 kind=erasure member=8' }, names),
    'Request no. 3 for erasure from Mette Hansen');
  assert.equal(recordDetail({ kind: 'request_answered', detail: 'request=3 kind=erasure decision=granted' }),
    'Request no. 3 for erasure: granted');
  assert.equal(recordDetail({ kind: 'export', detail: 'own data' }), 'Downloaded their own data');
  assert.equal(recordDetail({ kind: 'deleted', detail: 'step=erasure request=3 member=8 texts=1 files=2' }, names),
    'Deleted on request no. 3 from Mette Hansen: 1 message and 2 files');
  assert.equal(recordDetail({ kind: 'hold', detail: 'GDPR art. 18: restriction, request 4' }),
    'Reason: Restriction on request no. 4 (GDPR art. 18)');
  await staffLanguage('da');
});
