// staff-day.test.mjs - the advisers' day in the staff client (issue 15):
//
//   1. a message sent by mistake: Anna's own message has "Ret" and "Træk
//      tilbage"; "Ret" is a labelled edit mode in the reply box (her draft
//      comes back after "Annullér" and after saving); the correction shows
//      for Bo live with "Rettet"; a withdrawal shows "Trukket tilbage" for
//      him, without the text; past five minutes (her page's clock moved on)
//      the buttons are gone; a correction the gateway finds too late (the
//      message's time moved back in SQLite) says "For sent at rette
//      beskeden" and keeps her text;
//   2. @mentions: Bo's "@" in a note offers the colleagues by username (the
//      pair, then the team), Enter inserts "@anna "; Anna, elsewhere in the
//      client, gets a notice that opens the note, which is marked "Nævner
//      dig" for her only (not for Bo, the author, nor Carl);
//   3. out of office: Bo's "Jeg er væk" form saves an absence (PUT
//      /api/me/absence), the button and his caseload say "Du er væk til …";
//      Anna's caseload and the family's head say "Bo er væk til <day>" (the
//      note in the title); "Tilbage før tid" ends it (DELETE) and it is gone
//      after her reload;
//   4. escalation: the team's answer time set to one hour (indgang-admin), the
//      family's wait moved back in SQLite as e2e 91 does: Bo (the partner)
//      gets "Familien Hansen har ventet over halvdelen af svartiden" with a
//      link to the conversation, Anna nothing; then, with no leader, Anna
//      gets "… over svartiden";
//   5. templates: Anna adds a Danish and an English template in "Skabeloner",
//      changes one and deletes the other; in the reply box "Skabeloner" lists
//      the team's by language and inserts the chosen text at the caret.
// axe-core on the edit mode, the highlighted note, the dialog, the notices,
// the templates view and the picker.  In Node: what counts as a mention (the
// gateway's rule), "til mandag" and friends, the escalation's sentence, the
// contact log's details in Danish.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startWorld, launch, person, staffLogin, familyEnrol, axe, shot, WEB, staffLanguage, LAPTOP, PHONE } from './lib/harness.mjs';

const staffModule = (name) => import(pathToFileURL(path.join(WEB, 'staff', name)));
await staffLanguage('da');
const { mentionedNames, names, typedMention } = await staffModule('mentions.js');
const { untilText, awayNow } = await staffModule('away.js');
const { escalationText, targetText } = await staffModule('escalation.js');
const { logDetail } = await staffModule('log.js');

// ---- In Node: the words ----------------------------------------------------------------------

test('mentions as the gateway reads them; the "@" being typed', () => {
  assert.deepEqual(mentionedNames('@bo, kan du ringe? Skriv til anna@kommune.dk og @carl. Tak @-'), ['bo', 'carl']);
  assert.deepEqual(mentionedNames('Hej @anna.jensen og @x_y-1-.'), ['anna.jensen', 'x_y-1']);
  assert.equal(names('Spørg @Anna i morgen', 'anna'), true, 'without regard to case');
  assert.equal(names('Spørg @annabel', 'anna'), false, 'a longer name is another');
  assert.equal(names('mail anna@x.dk', 'x'), false, 'an e-mail address names nobody');
  assert.deepEqual(typedMention('Hej @an', 7), { start: 4, query: 'an' });
  assert.deepEqual(typedMention('@', 1), { start: 0, query: '' });
  assert.equal(typedMention('mail@an', 7), null);
  assert.equal(typedMention('Hej @an ', 8), null, 'a space ends it');
});

test('who is away until when, in Danish time; the escalation; the log in words', () => {
  const at = Date.parse('2026-11-23T09:00:00.000Z'); // Monday 10.00 in Copenhagen
  assert.equal(untilText('2026-11-23T15:00:00.000Z', at), 'til kl. 16.00');
  assert.equal(untilText('2026-11-24T07:00:00.000Z', at), 'til i morgen');
  assert.equal(untilText('2026-11-27T07:00:00.000Z', at), 'til fredag');
  assert.equal(untilText('2026-12-14T07:00:00.000Z', at), 'til 14. december');
  const bo = { id: 3, name: 'Bo Nielsen', role: 'adviser' };
  const convs = [{ away: [{ user: bo, from: '2026-11-23T08:00:00.000Z', to: '2026-11-25T07:00:00.000Z', note: '' }] }];
  assert.equal(awayNow(convs, at).length, 1);
  assert.equal(awayNow(convs, Date.parse('2026-11-23T07:00:00.000Z')).length, 0, 'not before its start');
  assert.equal(awayNow(convs, Date.parse('2026-11-25T07:00:00.000Z')).length, 0, 'over at its end');
  assert.equal(targetText(450), '7 t 30 min');
  assert.equal(targetText(60), '1 time');
  assert.equal(targetText(45), '45 min');
  const conv = { id: 7, title: 'Familien Hansen', family: { id: 1, name: 'Familien Hansen' } };
  assert.equal(escalationText({ level: 1, answer_minutes: 450 }, conv), 'Familien Hansen har ventet over halvdelen af svartiden (svartid: 7 t 30 min i arbejdstiden).');
  assert.equal(escalationText({ level: 2, answer_minutes: 0 }, { ...conv, title: 'Jonas' }), 'Familien Hansen har ventet over svartiden. Samtale: Jonas.');
  assert.equal(logDetail({ kind: 'message', message: 9, text: 'Hej' }), 'Hej');
  assert.equal(logDetail({ kind: 'message', message: 9 }), 'Besked nr. 9');
  assert.equal(logDetail({ kind: 'edited', message: 9, text: 'Hej igen' }), 'Rettet til: Hej igen');
  assert.equal(logDetail({ kind: 'escalated', detail: 'partner' }), 'Familien har ventet over halvdelen af svartiden: makkeren fik besked');
  assert.equal(logDetail({ kind: 'absence', detail: 'away 5.12. kl. 21.30 - 8.12. kl. 08.00' }), 'Meldt væk fra 5.12. kl. 21.30 til 8.12. kl. 08.00');
  assert.equal(logDetail({ kind: 'absence', detail: 'back' }), 'Meldt tilbage');
  assert.equal(logDetail({ kind: 'coordinator', detail: 'Carl Sundhed' }), 'Familien valgte Carl Sundhed som tovholder');
  assert.equal(logDetail({ kind: 'handled', message: 12 }), 'Familiens beskeder til og med nr. 12 kræver ikke svar');
});

let world;
let browser;
let anna;
let bo;
let carl;
let mette;

before(async () => {
  world = await startWorld();
  browser = await launch(world);
  anna = await person(browser, world, LAPTOP);
  bo = await person(browser, world, LAPTOP);
  carl = await person(browser, world, LAPTOP);
  mette = await person(browser, world, PHONE);
  await familyEnrol(mette.page, world, 'mette');
  await staffLogin(anna.page, world, 'anna');
  await staffLogin(bo.page, world, 'bo');
  await staffLogin(carl.page, world, 'carl');
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

// SQL on the world's database beside the running gateway (WAL; a short wait for its lock).
function sql(statement) {
  return execFileSync('sqlite3', ['-cmd', '.timeout 5000', world.db, statement]).toString().trim();
}

async function check(page, name) {
  await shot(page, name);
  const v = await axe(page);
  assert.deepEqual(v, [], `${name}: axe-core found serious/critical violations:\n${v.join('\n')}`);
}

async function openConv(page) {
  await page.evaluate((c) => {
    location.hash = `#/c/${c}`;
  }, world.conv.A);
  await page.locator('#panel-conv:not([hidden])').waitFor();
}

async function send(page, text, { note = false } = {}) {
  await page.locator('#body').click();
  if (note) await page.locator('label[for="kind-note"]').click();
  else await page.locator('label[for="kind-text"]').click();
  await page.locator('#body').fill(text);
  await page.locator('#body').press('Enter');
  const li = page.locator('#msgs li.msg[data-id]', { hasText: text });
  await li.waitFor();
  return Number(await li.getAttribute('data-id'));
}

async function familyWrites(text) {
  await mette.page.locator('#body').fill(text);
  await mette.page.getByRole('button', { name: 'Send' }).click();
  await mette.page.locator('.bubble', { hasText: text }).waitFor();
}

const msg = (page, id) => page.locator(`#msgs li.msg[data-id="${id}"]`);
const liveSays = (page, re) => page.waitForFunction((src) => new RegExp(src).test(document.getElementById('live').textContent), re.source);

// ---- In the browser: 1. Corrected and withdrawn ------------------------------------------------------------

test('Anna corrects and withdraws her own message; Bo sees both live', async () => {
  const a = anna.page;
  const b = bo.page;
  await openConv(a);
  await openConv(b);
  const id = await send(a, 'Mødet er tirsdag kl. 10');
  await msg(b, id).waitFor();
  const mine = msg(a, id);
  const acts = await mine.locator('.msg-act').allTextContents();
  assert.equal(acts.length, 2, 'her own message: two buttons');
  assert.match(acts[0], /^Ret beskeden fra \d\d\.\d\d$/);
  assert.match(acts[1], /^Træk tilbage beskeden fra \d\d\.\d\d$/);
  assert.equal(await msg(b, id).locator('.msg-act').count(), 0, 'Bo has no buttons on her message');

  // A draft of something else waits in the box meanwhile.
  await a.locator('#body').fill('Et udkast');
  await mine.getByRole('button', { name: /^Ret beskeden fra/ }).click();
  assert.equal(await a.locator('#body').inputValue(), 'Mødet er tirsdag kl. 10', 'the text is in the reply box');
  assert.match(await a.locator('#edit-bar-text').textContent(), /^Du retter din besked fra \d\d\.\d\d$/);
  assert.equal(await a.locator('#send').textContent(), 'Gem rettelse');
  assert.equal(await a.locator('#body-label').textContent(), 'Ret din besked');
  assert.equal(await a.locator('#kind-note').isDisabled(), true, 'a text stays a text');
  await check(a, 'staff-correct-edit-mode-laptop');
  // Cancelled: the draft comes back.
  await a.getByRole('button', { name: 'Annullér rettelsen' }).click();
  assert.equal(await a.locator('#body').inputValue(), 'Et udkast');
  assert.equal(await a.locator('#edit-bar').isHidden(), true);
  assert.equal(await a.locator('#send').textContent(), 'Send til familien');
  // Corrected.
  await mine.getByRole('button', { name: /^Ret beskeden fra/ }).click();
  await a.locator('#body').fill('Mødet er onsdag kl. 10');
  await a.locator('#body').press('Enter');
  await liveSays(a, /^Beskeden er rettet\.$/);
  assert.equal(await a.locator('#body').inputValue(), 'Et udkast', 'saved: the draft is back');
  assert.equal(await mine.locator('.msg-body').textContent(), 'Mødet er onsdag kl. 10');
  const seen = msg(b, id);
  await seen.locator('.msg-body', { hasText: 'Mødet er onsdag kl. 10' }).waitFor();
  assert.equal(await seen.locator('.msg-edited').textContent(), 'Rettet', 'Bo sees "Rettet"');
  assert.match(await seen.locator('.msg-edited').getAttribute('title'), /^Rettet \d+\. \S+ \d{4}/);
  await liveSays(b, /^Anna Jensen har rettet en besked\.$/);
  assert.equal(await b.locator('#msgs li.msg', { hasText: 'Mødet er tirsdag' }).count(), 0, 'the old text is gone from his screen');
  await a.locator('#body').fill('');

  // Withdrawn, asked once in place.
  await mine.getByRole('button', { name: /^Træk tilbage beskeden fra/ }).click();
  const yes = mine.getByRole('button', { name: 'Ja, træk tilbage' });
  assert.equal(await a.evaluate(() => document.activeElement.textContent), 'Ja, træk tilbage', 'the focus on the question');
  await yes.click();
  await mine.locator('.msg-withdrawn').waitFor();
  await seen.locator('.msg-withdrawn').waitFor();
  assert.equal(await seen.locator('.msg-withdrawn [aria-hidden="true"]').textContent(), 'Trukket tilbage');
  assert.equal(await seen.getAttribute('class').then((c) => c.includes('withdrawn')), true, 'muted');
  assert.equal(await seen.getByText('Mødet er onsdag').count(), 0, 'the text is gone');
  assert.equal(await mine.locator('.msg-act').count(), 0, 'nothing more to do with it');
  assert.deepEqual([...anna.page.problems, ...bo.page.problems], []);
});

test('past five minutes the buttons go; a correction the gateway finds late keeps the text', async () => {
  const a = anna.page;
  const id = await send(a, 'Husk madpakke i morgen');
  assert.equal(await msg(a, id).locator('.msg-act').count(), 2);
  // The gateway's clock says the message is ten minutes old; Anna's page
  // does not know yet.
  sql(`UPDATE messages SET created_at = created_at - 600000 WHERE id = ${id}`);
  await msg(a, id).getByRole('button', { name: /^Ret beskeden fra/ }).click();
  await a.locator('#body').fill('Husk madpakke og gymnastiktøj i morgen');
  await a.getByRole('button', { name: 'Gem rettelse' }).click();
  await a.locator('#send-error', { hasText: /^For sent at rette beskeden/ }).waitFor();
  assert.equal(await a.locator('#body').inputValue(), 'Husk madpakke og gymnastiktøj i morgen', 'her text stays, to send as new');
  assert.equal(await a.locator('#edit-bar').isHidden(), true, 'out of the edit mode');
  assert.equal(await msg(a, id).locator('.msg-body').textContent(), 'Husk madpakke i morgen');
  await a.locator('#body').fill('');
  // Her page's clock six minutes on: the next drawing has no buttons.
  const fresh = await send(a, 'Vi ses');
  await a.evaluate(() => {
    const real = Date.now.bind(Date);
    window.realNow = real;
    Date.now = () => real() + 6 * 60 * 1000;
  });
  await familyWrites('Tak for beskeden');
  await a.locator('#msgs li.msg', { hasText: 'Tak for beskeden' }).waitFor();
  await msg(a, fresh).locator('.msg-act').first().waitFor({ state: 'detached' });
  await a.evaluate(() => {
    Date.now = window.realNow;
  });
  assert.deepEqual(anna.page.problems, []);
});

// ---- 2. @mentions ----------------------------------------------------------------------------

test('Bo names Anna in a note: the "@" list, her notice, the note marked for her only', async () => {
  const a = anna.page;
  const b = bo.page;
  const c = carl.page;
  await a.evaluate(() => {
    location.hash = '#/';
  });
  await openConv(c);
  await b.locator('#body').click();
  await b.locator('label[for="kind-note"]').click();
  await b.locator('#body').fill('');
  await b.locator('#body').pressSequentially('Hej @an');
  const list = b.locator('#mention-list');
  await list.waitFor();
  assert.deepEqual(await list.locator('[role="option"] .mention-user').allTextContents(), ['@anna']);
  await b.locator('#body').press('Backspace');
  await b.locator('#body').press('Backspace');
  await list.locator('[role="option"]').nth(1).waitFor();
  const offered = await list.locator('[role="option"]').evaluateAll((os) => os.map((o) => o.textContent));
  assert.deepEqual(offered, ['@anna Anna Jensen (makkerpar)', '@carl Carl Sundhed (team)'], 'the pair first, then the team; not Bo himself');
  assert.equal(await b.locator('#body').getAttribute('aria-activedescendant'), await list.locator('[role="option"]').first().getAttribute('id'));
  await check(b, 'staff-mention-list-laptop');
  await b.locator('#body').press('Enter'); // inserts, does not send
  assert.equal(await b.locator('#body').inputValue(), 'Hej @anna ');
  assert.equal(await list.isHidden(), true);
  await b.locator('#body').pressSequentially('kan du ringe til skolen?');
  await b.locator('#body').press('Enter');
  const note = b.locator('#msgs li.msg.note[data-id]', { hasText: 'Hej @anna kan du ringe til skolen?' });
  await note.waitFor();
  const id = Number(await note.getAttribute('data-id'));
  assert.equal(await note.evaluate((li) => li.classList.contains('mentions-me')), false, 'not marked for its author');

  // Anna is in the caseload: a notice, with a link to the note.
  const notice = a.locator('#notices .notice', { hasText: 'Bo Nielsen nævnte dig i en intern note i Familien Hansen' });
  await notice.waitFor();
  await check(a, 'staff-mention-notice-laptop');
  await notice.getByRole('link', { name: 'Åbn noten' }).click();
  const hers = msg(a, id);
  await hers.waitFor();
  assert.equal(await hers.evaluate((li) => li.classList.contains('mentions-me')), true, 'marked for Anna');
  assert.equal(await hers.locator('.mention-tag [aria-hidden="true"]').textContent(), '@ Nævner dig');
  assert.equal(await hers.locator('.mention-tag .visually-hidden').textContent(), 'Noten nævner dig.');
  assert.equal(await a.locator('#notices .notice').count(), 0, 'the notice went with its link');
  await check(a, 'staff-mention-note-laptop');
  // Carl reads it, unmarked.
  await msg(c, id).waitFor();
  assert.equal(await msg(c, id).evaluate((li) => li.classList.contains('mentions-me')), false, 'not marked for Carl');
  assert.equal(await msg(c, id).locator('.mention-tag').count(), 0);
  // After a reload her username comes from GET /api/me/teams: still marked.
  await a.reload();
  await a.locator('#conn[data-state="open"]').waitFor();
  await msg(a, id).locator('.mention-tag').waitFor();
  await b.locator('label[for="kind-text"]').click();
  for (const p of [anna, bo, carl]) assert.deepEqual(p.page.problems, []);
});

// ---- 3. Out of office -----------------------------------------------------------------------

const cphDate = (d) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Copenhagen', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);

test('Bo is away: the form round-trips, his and Anna\'s caseload say so; back early', async () => {
  const a = anna.page;
  const b = bo.page;
  await b.evaluate(() => {
    location.hash = '#/';
  });
  const button = b.locator('#away-btn');
  assert.equal(await button.textContent(), 'Jeg er væk');
  await button.click();
  const dialog = b.getByRole('dialog', { name: 'Jeg er væk' });
  await dialog.locator('#away-current', { hasText: 'Du er ikke meldt væk.' }).waitFor();
  const back = new Date(Date.now() + 2 * 86400000);
  await dialog.getByRole('group', { name: 'Tilbage' }).getByLabel('Dato').fill(cphDate(back));
  await dialog.getByRole('group', { name: 'Tilbage' }).getByLabel('Kl.').fill('08:00');
  await dialog.getByLabel('Besked til familierne (valgfri)').fill('På kursus');
  await check(b, 'staff-away-dialog-laptop');
  const put = b.waitForResponse((r) => r.url().endsWith('/api/me/absence') && r.request().method() === 'PUT');
  await dialog.getByRole('button', { name: 'Gem fravær' }).click();
  const sent = await put;
  assert.equal(sent.status(), 200);
  const body = sent.request().postDataJSON();
  assert.equal(body.note, 'På kursus');
  assert.equal(cphDate(new Date(body.to)), cphDate(back));
  assert.equal(new Date(body.to).toLocaleTimeString('da-DK', { timeZone: 'Europe/Copenhagen', hour: '2-digit', minute: '2-digit' }), '08.00');
  const day = new Date(body.to).toLocaleDateString('da-DK', { weekday: 'long', timeZone: 'Europe/Copenhagen' });
  await dialog.locator('#away-status', { hasText: `Gemt. Du er væk til ${day}.` }).waitFor();
  assert.match(await dialog.locator('#away-current').textContent(), /^Du er væk fra .+ til .+\.Besked til familierne: «På kursus»Tilbage før tid$/);
  await dialog.getByRole('button', { name: 'Luk' }).click();
  assert.equal(await b.evaluate(() => document.activeElement.id), 'away-btn', 'the focus back on the button');
  assert.equal(await button.textContent(), `Du er væk til ${day}`);
  const own = b.locator('#pair-list .fam', { hasText: 'Familien Hansen' }).locator('.fam-away');
  await own.waitFor();
  assert.equal(await own.textContent(), `Du er væk til ${day}`);

  // Anna, after a reload (CONV.away comes with the welcome).
  await a.evaluate(() => {
    location.hash = '#/';
  });
  await a.reload();
  await a.locator('#conn[data-state="open"]').waitFor();
  const hers = a.locator('#pair-list .fam', { hasText: 'Familien Hansen' }).locator('.fam-away');
  await hers.waitFor();
  assert.equal(await hers.textContent(), `Bo er væk til ${day}`);
  assert.equal(await hers.getAttribute('title'), 'På kursus');
  await openConv(a);
  await a.locator('#fv-away', { hasText: `Bo er væk til ${day}` }).waitFor();
  const headAway = await a.locator('.fv-head').evaluate((x) => x.getBoundingClientRect().height);
  await check(a, 'staff-away-conversation-laptop');

  // Back early.
  await button.click();
  await dialog.getByRole('button', { name: 'Tilbage før tid' }).click();
  await dialog.locator('#away-status', { hasText: 'Du er tilbage.' }).waitFor();
  assert.equal(await dialog.locator('#away-current').textContent(), 'Du er ikke meldt væk.');
  await dialog.getByRole('button', { name: 'Luk' }).click();
  assert.equal(await button.textContent(), 'Jeg er væk');
  await own.waitFor({ state: 'detached' });
  const got = await b.evaluate(async () => (await fetch('/api/me/absence')).json());
  assert.deepEqual(got, { absence: null });
  await a.reload();
  await a.locator('#conn[data-state="open"]').waitFor();
  await a.locator('#fv-title', { hasText: 'Familien Hansen' }).waitFor();
  assert.equal(await a.locator('#fv-away').isHidden(), true, 'back: gone from the head');
  const head = await a.locator('.fv-head').evaluate((x) => x.getBoundingClientRect().height);
  assert.ok(headAway <= head + 0.5, `the away pill does not make the head taller (${headAway} > ${head})`);
  assert.equal(await a.locator('.fam-away').count(), 0, 'and from the caseload');
  for (const p of [anna, bo]) assert.deepEqual(p.page.problems, []);
});

// ---- 4. Escalation ---------------------------------------------------------------------------

test('a family waits past half of its answer time, then all of it: polite notices with a link', async () => {
  const a = anna.page;
  const b = bo.page;
  await openConv(a);
  await send(a, 'Hej Mette, vi vender tilbage i morgen.'); // nothing waits now
  world.admin('answer-time', 'Team Øst', '1', 'mon-sun 00:00-24:00');
  await a.evaluate(() => {
    location.hash = '#/';
  });
  await familyWrites('Er der nogen?');
  await a.locator('#pair-list .need-tag').waitFor();
  sql(`UPDATE conv_state SET waiting_since = waiting_since - ${35 * 60000}, escalate_at = 1 WHERE conv_id = ${world.conv.A}`);
  const half = b.locator('#notices .notice-escalation');
  await half.waitFor({ timeout: 15000 });
  assert.equal(await half.locator('.notice-text').textContent(),
    'Familien Hansen har ventet over halvdelen af svartiden (svartid: 1 time i arbejdstiden).');
  assert.equal(await half.getByRole('link', { name: 'Åbn samtalen' }).getAttribute('href'), `#/c/${world.conv.A}`);
  assert.equal(await b.locator('#notices [aria-live="polite"]').count(), 1, 'polite, not an alert');
  assert.equal(await a.locator('#notices .notice').count(), 0, 'level 1 is the partner\'s, not Anna\'s');
  await check(b, 'staff-escalation-notice-laptop');
  sql(`UPDATE conv_state SET waiting_since = waiting_since - ${30 * 60000}, escalate_at = 1 WHERE conv_id = ${world.conv.A}`);
  // No leader in the team: the pair is told.
  const all = a.locator('#notices .notice-escalation');
  await all.waitFor({ timeout: 15000 });
  assert.equal(await all.locator('.notice-text').textContent(), 'Familien Hansen har ventet over svartiden (svartid: 1 time i arbejdstiden).');
  await all.getByRole('link', { name: 'Åbn samtalen' }).click();
  await a.locator('#conv-state .need-tag').waitFor();
  assert.equal(await a.locator('#notices .notice').count(), 0);
  // Bo closes his by keyboard.
  await b.locator('#notices .notice-close').first().focus();
  await b.keyboard.press('Enter');
  await b.waitForFunction(() => !document.querySelector('#notices .notice-escalation.level-1'));
  world.admin('answer-time', 'Team Øst', 'none');
  for (const p of [anna, bo]) assert.deepEqual(p.page.problems, []);
});

// ---- 5. Templates ----------------------------------------------------------------------------

test('templates: added, changed and deleted in "Skabeloner", inserted from the reply box', async () => {
  const a = anna.page;
  await a.getByRole('link', { name: 'Skabeloner' }).click();
  const view = a.locator('#templates-view');
  await view.getByRole('heading', { name: 'Team: Team Øst' }).waitFor();
  await view.locator('.templates-team', { hasText: 'Ingen skabeloner endnu.' }).waitFor();
  const add = async (title, lang, text) => {
    await view.getByLabel('Titel').fill(title);
    await view.getByLabel('Sprog').selectOption({ label: lang });
    await view.getByLabel('Tekst').fill(text);
    await view.getByRole('button', { name: 'Gem skabelon' }).click();
    await view.locator('#templates-status', { hasText: `Skabelonen «${title}» er gemt.` }).waitFor();
  };
  await add('Mødetid', 'dansk', 'Vi ses torsdag kl. 10 på kontoret.');
  await add('Meeting', 'engelsk', 'See you on Thursday at 10.');
  const item = (title) => view.locator('.template', { has: a.locator('.template-title', { hasText: title }) });
  await item('Meeting').waitFor();
  assert.deepEqual(await view.locator('.template-title').allTextContents(), ['Meeting (engelsk)', 'Mødetid (dansk)']);
  await check(a, 'staff-templates-view-laptop');
  // Changed.
  await item('Mødetid').getByRole('button', { name: 'Ret skabelonen «Mødetid»' }).click();
  assert.equal(await view.getByLabel('Tekst').inputValue(), 'Vi ses torsdag kl. 10 på kontoret.');
  await view.getByLabel('Tekst').fill('Vi ses onsdag kl. 10 på kontoret.');
  await view.getByRole('button', { name: 'Gem ændring' }).click();
  await view.locator('#templates-status', { hasText: 'Skabelonen «Mødetid» er ændret.' }).waitFor();
  assert.equal(await item('Mødetid').locator('.template-body').textContent(), 'Vi ses onsdag kl. 10 på kontoret.');
  // Deleted, asked first.
  await item('Meeting').getByRole('button', { name: 'Slet skabelonen «Meeting»' }).click();
  await item('Meeting').getByRole('button', { name: 'Ja, slet' }).click();
  await view.locator('#templates-status', { hasText: 'Skabelonen «Meeting» er slettet.' }).waitFor();
  // the status comes as the list is fetched again: the item goes a moment later
  await item('Meeting').waitFor({ state: 'detached', timeout: 5000 });
  await add('Thanks', 'engelsk', 'Thank you for your message.');

  // In the reply box.
  await openConv(a);
  await a.locator('#body').click();
  await a.locator('#body').fill('Hej Mette. ');
  await a.getByRole('button', { name: 'Skabeloner' }).click();
  const panel = a.locator('#tmpl-panel');
  await panel.locator('.tmpl-pick').first().waitFor();
  assert.deepEqual(await panel.locator('.tmpl-pick-title').allTextContents(), ['Mødetid', 'Thanks']);
  await panel.getByLabel('Sprog').selectOption({ label: 'dansk' });
  assert.deepEqual(await panel.locator('.tmpl-pick-title').allTextContents(), ['Mødetid'], 'by language');
  await check(a, 'staff-templates-picker-laptop');
  await panel.locator('.tmpl-pick', { hasText: 'Mødetid' }).click();
  assert.equal(await a.locator('#body').inputValue(), 'Hej Mette. Vi ses onsdag kl. 10 på kontoret.', 'inserted at the caret');
  assert.equal(await panel.isHidden(), true);
  assert.equal(await a.evaluate(() => document.activeElement.id), 'body');
  await liveSays(a, /^Skabelonen «Mødetid» er sat ind\./);
  // Bo, of the same team, has it too.
  const b = bo.page;
  await openConv(b);
  await b.locator('#body').click();
  await b.getByRole('button', { name: 'Skabeloner' }).click();
  await b.locator('#tmpl-panel .tmpl-pick', { hasText: 'Mødetid' }).waitFor();
  await b.keyboard.press('Escape');
  assert.equal(await b.locator('#tmpl-panel').isHidden(), true, 'Escape closes the list');
  assert.equal(await b.evaluate(() => document.activeElement.id), 'tmpl-btn');
  await a.locator('#body').fill('');
  for (const p of [anna, bo, carl, mette]) assert.deepEqual(p.page.problems, []);
});
