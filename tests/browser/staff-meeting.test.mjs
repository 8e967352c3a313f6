// staff-meeting.test.mjs - the team's side of issue 15 in the staff client:
//
//   6. handover: a team member who is no leader (Bo) has no "Overdrag
//      familien"; Carl, made a leader with indgang-admin, chooses Anna as
//      coordinator and himself as partner, is asked once more, and the
//      family is handed over (PUT /api/families/{id}/pair): Anna's open
//      conversation shows the system message and the new pair in its head,
//      Mette's app the message "Din nye rådgiver er Carl Sundhed.";
//   7. the contact log: the family's own log by default (scope=family, no
//      sign-ins), a message row with its text, the kind filter (kind=), the
//      staff's sign-ins when asked for; the handover in Danish words with
//      names;
//   8. the meeting: a family's "Møde" tab shows the last 14 days (no meeting
//      yet): what is unanswered now, the messages and notes with their text,
//      the new phone, the handover; "Marker mødet holdt" (POST
//      /api/families/{id}/meeting) starts the period now, also after a
//      reload (CONV.met_at); the overview "Teammøde" lists the team's three
//      families, and printed (emulateMedia print, page.pdf A4) shows the
//      table of all of them on one page without the app around it.
// axe-core on the handover, the log, the meeting tab and the overview.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, launch, person, staffLogin, familyEnrol, axe, shot, LAPTOP, PHONE } from './lib/harness.mjs';

let world;
let browser;
let anna;
let bo;
let carl;
let mette;

before(async () => {
  world = await startWorld();
  // Two more families of Team Øst, for the meeting's overview.
  world.admin('add-family', 'Familien Berg', '--team', 'Team Øst', '--primary', 'bo', '--secondary', 'carl');
  world.admin('add-family', 'Familien Dahl', '--team', 'Team Øst', '--primary', 'anna', '--secondary', 'bo');
  browser = await launch(world);
  anna = await person(browser, world, LAPTOP);
  bo = await person(browser, world, LAPTOP);
  mette = await person(browser, world, PHONE);
  await familyEnrol(mette.page, world, 'mette');
  await staffLogin(anna.page, world, 'anna');
  await staffLogin(bo.page, world, 'bo');
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

async function familyWrites(text) {
  await mette.page.locator('#body').fill(text);
  await mette.page.getByRole('button', { name: 'Send' }).click();
  await mette.page.locator('.bubble', { hasText: text }).waitFor();
}

async function send(page, text, { note = false } = {}) {
  await page.locator('#body').click();
  await page.locator(`label[for="${note ? 'kind-note' : 'kind-text'}"]`).click();
  await page.locator('#body').fill(text);
  await page.locator('#body').press('Enter');
  await page.locator('#msgs li.msg[data-id]', { hasText: text }).waitFor();
}

const rows = (page) => page.locator('#log-body tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent.trim())));

// ---- 7. The contact log ------------------------------------------------------------------------

test("the contact log: the family's own by default, messages with their text, filtered by kind", async () => {
  const a = anna.page;
  await familyWrites('Kan vi tale om skolen?');
  await go(a, `#/c/${world.conv.A}`);
  await send(a, 'Ja, lad os ringe i morgen kl. 9.');
  await send(a, 'Husk tolk til mødet', { note: true });
  const asked = a.waitForRequest((r) => /\/api\/families\/\d+\/log\?/.test(r.url()));
  await a.getByRole('link', { name: 'Kontaktlog', exact: true }).click();
  const first = new URL((await asked).url()).searchParams;
  assert.equal(first.get('scope'), 'family', 'the family\'s own log by default');
  assert.equal(first.get('kind'), null);
  await a.locator('#log-body tr[data-kind="note"]').waitFor();
  let r = await rows(a);
  assert.ok(!r.some((x) => x[1] === 'Logget ind'), `no staff sign-ins: ${JSON.stringify(r)}`);
  assert.ok(r.some((x) => x[1] === 'Besked' && x[2] === 'Mette Hansen (familie)' && x[4] === 'Kan vi tale om skolen?'), 'a message row with its text');
  assert.ok(r.some((x) => x[1] === 'Intern note' && x[4] === 'Husk tolk til mødet'), 'a note row with its text');
  assert.ok(r.some((x) => x[1] === 'Telefon tilmeldt'), 'the enrolment');
  // One kind.
  const filtered = a.waitForRequest((q) => /\/api\/families\/\d+\/log\?/.test(q.url()));
  await a.getByLabel('Hændelse', { exact: true }).selectOption({ label: 'Besked' });
  const second = new URL((await filtered).url()).searchParams;
  assert.equal(second.get('kind'), 'message');
  assert.equal(second.get('scope'), 'family');
  await a.locator('#log-caption', { hasText: /^Kontaktlog for Familien Hansen: 2 hændelser$/ }).waitFor();
  r = await rows(a);
  assert.deepEqual(r.map((x) => [x[1], x[4]]), [['Besked', 'Kan vi tale om skolen?'], ['Besked', 'Ja, lad os ringe i morgen kl. 9.']]);
  await check(a, 'staff-log-filtered-laptop');
  // Everything, with the staff's sign-ins.
  await a.getByLabel('Hændelse', { exact: true }).selectOption({ label: 'Alle hændelser' });
  const all = a.waitForRequest((q) => /\/api\/families\/\d+\/log\?/.test(q.url()) && !new URL(q.url()).searchParams.has('scope'));
  await a.getByLabel('Vis også medarbejdernes log ind og ud').check();
  await all;
  await a.locator('#log-body .log-kind', { hasText: 'Logget ind' }).first().waitFor();
  await a.getByLabel('Vis også medarbejdernes log ind og ud').uncheck();
  // The CSV stays the whole log of the period, for the case file.
  assert.doesNotMatch(await a.locator('#log-csv').getAttribute('href'), /scope=|kind=/);
  assert.deepEqual(a.problems, []);
});

// ---- 6. Handover ---------------------------------------------------------------------------------

test('a leader hands the family over; the family and the adviser see it', async () => {
  const a = anna.page;
  const b = bo.page;
  await go(b, `#/f/${world.fam.A}/family`);
  await b.locator('#member-list li').first().waitFor();
  await b.waitForTimeout(300); // the teams are asked once per sign-in
  assert.equal(await b.locator('#handover').isHidden(), true, 'Bo leads no team: no handover');
  world.admin('team-leader', 'Team Øst', 'carl', 'yes');
  carl = await person(browser, world, LAPTOP);
  const c = carl.page;
  await staffLogin(c, world, 'carl');
  await go(a, `#/c/${world.conv.A}`);
  await a.locator('#msgs li.msg').first().waitFor();
  await go(c, `#/f/${world.fam.A}/family`);
  const box = c.locator('#handover');
  await box.getByRole('heading', { name: 'Overdrag familien' }).waitFor();
  assert.equal(await box.locator('.handover-now').textContent(), 'Nu: Anna Jensen (tovholder) og Bo Nielsen.');
  assert.deepEqual(await box.getByLabel('Tovholder (primær rådgiver)').locator('option').allTextContents(),
    ['Anna Jensen', 'Bo Nielsen', 'Carl Sundhed'], "the team's advisers");
  // The same adviser twice, and the pair as it is, are refused here.
  await box.getByLabel('Makker (sekundær rådgiver)').selectOption({ label: 'Anna Jensen' });
  await box.getByRole('button', { name: 'Overdrag' }).click();
  await box.locator('.error-box', { hasText: 'Vælg to forskellige rådgivere.' }).waitFor();
  await box.getByLabel('Makker (sekundær rådgiver)').selectOption({ label: 'Carl Sundhed' });
  await box.getByRole('button', { name: 'Overdrag' }).click();
  const question = box.locator('#handover-question');
  assert.equal(await question.textContent(), 'Overdrag Familien Hansen til Anna Jensen (tovholder) og Carl Sundhed?');
  assert.equal(await c.evaluate(() => document.activeElement.id), 'handover-yes');
  await check(c, 'staff-handover-confirm-laptop');
  const put = c.waitForResponse((r) => /\/api\/families\/\d+\/pair$/.test(r.url()));
  await box.getByRole('button', { name: 'Ja, overdrag' }).click();
  const resp = await put;
  assert.equal(resp.status(), 204);
  assert.deepEqual(resp.request().postDataJSON(), { primary: world.ids.anna, secondary: world.ids.carl });
  await box.locator('#handover-status', { hasText: 'Familien Hansen er overdraget til Anna Jensen (tovholder) og Carl Sundhed. Familien har fået besked.' }).waitFor();
  // Anna's open conversation: the system message, and the new pair in the head.
  await a.locator('#msgs li.msg.system', { hasText: 'Din nye rådgiver er Carl Sundhed.' }).waitFor();
  await a.locator('#fv-sub', { hasText: 'Makkerpar: Anna Jensen (tovholder) og Carl Sundhed' }).waitFor();
  // The family.
  await mette.page.locator('.bubble.system', { hasText: 'Din nye rådgiver er Carl Sundhed.' }).waitFor();
  // The contact log says it in words, with names.
  await go(a, `#/f/${world.fam.A}/log`);
  await a.getByLabel('Hændelse', { exact: true }).selectOption({ label: 'Overdragelse' });
  await a.locator('#log-caption', { hasText: /^Kontaktlog for Familien Hansen: 1 hændelse$/ }).waitFor();
  const r = await rows(a);
  assert.deepEqual(r.map((x) => [x[1], x[2], x[4]]), [[
    'Overdragelse', 'Carl Sundhed (medarbejder)',
    'Makkerpar før: Anna Jensen (tovholder) og Bo Nielsen; nu: Anna Jensen (tovholder) og Carl Sundhed',
  ]]);
  await a.getByLabel('Hændelse', { exact: true }).selectOption({ label: 'Alle hændelser' });
  for (const p of [anna, bo, carl]) assert.deepEqual(p.page.problems, []);
});

// ---- 8. The meeting ---------------------------------------------------------------------------------

test('the meeting: since the last one, marked held; the overview of the team\'s families, printed on A4', async () => {
  const a = anna.page;
  await familyWrites('Hvornår er mødet?');
  await a.getByRole('link', { name: 'Møde', exact: true }).click();
  const p = a.locator('#panel-meeting');
  await p.getByRole('heading', { name: 'Teammøde: Familien Hansen' }).waitFor();
  assert.match(await p.locator('.meeting-since').textContent(), /^De seneste 14 dage \(siden .+\) – teamet har ikke markeret et møde endnu$/);
  await p.locator('#meeting-unanswered li', { hasText: /^Hele familien: venter .+ \(siden \d\d\.\d\d\)$/ }).waitFor();
  const msgs = p.locator('#meeting-messages .meeting-msg-body');
  await msgs.first().waitFor();
  assert.deepEqual(await msgs.allTextContents(),
    ['Kan vi tale om skolen?', 'Ja, lad os ringe i morgen kl. 9.', 'Husk tolk til mødet', 'Hvornår er mødet?']);
  assert.equal(await p.locator('#meeting-messages .meeting-msg.note .note-badge').textContent(), 'Intern note');
  assert.match(await p.locator('#meeting-phones li').first().textContent(), /Telefon tilmeldt: Telefon: /);
  assert.match(await p.locator('#meeting-handovers li').textContent(), /Overdragelse: Makkerpar før: Anna Jensen \(tovholder\) og Bo Nielsen; nu: Anna Jensen \(tovholder\) og Carl Sundhed – Carl Sundhed$/);
  assert.equal(await p.locator('#meeting-absences .hint').textContent(), 'Intet fravær.');
  await check(a, 'staff-meeting-family-laptop');
  // Held.
  const post = a.waitForResponse((r) => /\/api\/families\/\d+\/meeting$/.test(r.url()));
  await p.getByRole('button', { name: 'Marker mødet holdt' }).click();
  assert.equal((await post).status(), 200);
  await p.locator('#meeting-status', { hasText: /^Mødet er markeret holdt .+\. Siden viser nu det, der er sket siden\.$/ }).waitFor();
  assert.match(await p.locator('.meeting-since').textContent(), /^Siden sidste teammøde \d+\. \S+ \d{4}/);
  await p.locator('#meeting-messages .hint', { hasText: 'Ingen beskeder eller noter i perioden.' }).waitFor();
  assert.equal(await p.locator('#meeting-unanswered li').count(), 1, 'what waits still waits');
  assert.equal(await a.evaluate(() => document.activeElement.id), 'meeting-mark');
  // The gateway's CONV.met_at after a reload.
  await a.reload();
  await a.locator('#conn[data-state="open"]').waitFor();
  await p.locator('.meeting-since', { hasText: /^Siden sidste teammøde/ }).waitFor();

  // The overview of the team's families.
  await a.getByRole('link', { name: 'Teammøde' }).click();
  const view = a.locator('#meeting-view');
  await view.getByRole('heading', { name: 'Teammøde', level: 1 }).waitFor();
  const table = view.locator('table.meeting-table');
  assert.equal(await table.locator('caption').textContent(), 'Teammøde – Team Øst');
  await a.waitForFunction(() => ![...document.querySelectorAll('#meeting-view td')].some((td) => td.textContent === 'Henter …'));
  const cells = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent.trim())));
  assert.deepEqual(cells.map((x) => x[0]), ['Familien Berg', 'Familien Dahl', 'Familien Hansen']);
  assert.deepEqual(cells.map((x) => x[1]), ['Bo og Carl', 'Anna og Bo', 'Anna og Carl'], 'the pair, the coordinator first');
  assert.deepEqual(cells.map((x) => x[2] === 'aldrig'), [true, true, false], 'the last meeting');
  assert.match(cells[2][5], /^Ja, venter /);
  assert.deepEqual(cells[0].slice(3), ['–', '–', '–', '–', '–', '–']);
  await check(a, 'staff-meeting-overview-laptop');
  // Printed: the table of every family, nothing of the app around it.
  await a.emulateMedia({ media: 'print' });
  for (const sel of ['.topbar', '#caseload', '.tools', '.meeting-print', '.meeting-intro']) {
    assert.equal(await a.locator(sel).first().isVisible(), false, `${sel} is not printed`);
  }
  assert.equal(await table.isVisible(), true);
  assert.equal(await table.locator('tbody tr').count(), 3);
  assert.match(await view.locator('.meeting-printed').textContent(), /^Udskrevet \d+\. \S+ \d{4}/);
  const width = await table.evaluate((t) => t.getBoundingClientRect().width);
  const pdf = await a.pdf({ format: 'A4', printBackground: true });
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page\b/g) || []).length;
  assert.equal(pages, 1, 'the overview of three families fits one A4 page');
  await shot(a, 'staff-meeting-overview-print');
  await a.emulateMedia({ media: 'screen' });
  assert.ok(width > 0);
  for (const x of [anna, bo, carl, mette]) assert.deepEqual(x.page.problems, []);
});
