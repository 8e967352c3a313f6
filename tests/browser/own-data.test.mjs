// own-data.test.mjs - "Mine data" in the family app (issue 16: GET
// /api/me/access, GET /api/me/data; GDPR art. 15 and 20):
//
//   1. Mette writes a message with markup in it; Anna (pair) opens the
//      family's conversation and its contact log; Dora (another team) asks
//      for the family's log and is refused.
//   2. Mette opens "Mine data" from the menu: who has seen the family's data,
//      newest first, by role only ("En rådgiver", no names by default), what
//      (the conversation, the log, the phones), the refused attempt marked as
//      refused, each with when in Danish; axe.
//   3. With more than a page of the gateway's rows (200 read a page), the
//      list reads on with `next` and shows the newest first, a part at a time
//      ("Vis flere").
//   4. "Som JSON": the gateway's document saved as it came (it parses, holds
//      her message as written, and her own log rows).
//   5. "Som dokument": one HTML file made in the app in her language, with a
//      strict CSP meta and its style inline, every text escaped (her
//      `<img src=x onerror=alert(1)>` is text, not an element, opened in a
//      browser), her phones, the conversation and her log in words; axe on it.
//      "Udskriv" prints the same document from the page, alone.
//   6. Jonas in Arabic: the view right to left with the rows in Arabic, and
//      the document lang="ar" dir="rtl"; axe.
//   7. The staff's contact log says the downloads (and the printing) in words.
//   8. In Node: the document builder escapes names, titles, file names and
//      bodies, shows no text of a withdrawn message, and says the log rows in
//      words.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { request } from 'playwright-core';
import { startWorld, launch, person, staffLogin, familyEnrol, axe, shot, WEB, LAPTOP, PHONE, PASSWORDS } from './lib/harness.mjs';

const familyLang = (code) => JSON.parse(fs.readFileSync(path.join(WEB, 'family', 'lang', `${code}.json`), 'utf8'));
const DA = familyLang('da');
const AR = familyLang('ar');
const TEXT = 'Hej Anna <img src=x onerror=alert(1)> & "tak" for i går';
const escaped = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

// A string with its {placeholders} filled as the app does: in a
// right-to-left language each value isolated (FSI … PDI).
function fill(s, vars, rtl = false) {
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? (rtl ? `\u2068${vars[k]}\u2069` : vars[k]) : m));
}

let world;
let browser;
let http;
let anna;
let mette;
let jonas;
let annaToken;

before(async () => {
  world = await startWorld();
  browser = await launch(world);
  http = await request.newContext({ baseURL: world.url, ignoreHTTPSErrors: true });
  anna = await person(browser, world, LAPTOP);
  mette = await person(browser, world, { ...PHONE, acceptDownloads: true });
  jonas = await person(browser, world, { ...PHONE, locale: 'ar', acceptDownloads: true });
  await familyEnrol(mette.page, world, 'mette');
  await familyEnrol(jonas.page, world, 'jonas');
  await staffLogin(anna.page, world, 'anna');
  annaToken = await login('anna');
});

after(async () => {
  await http?.dispose();
  await browser?.close();
  await world?.stop();
});

async function login(username) {
  const r = await http.post('/api/login', { data: { username, password: PASSWORDS[username] } });
  assert.equal(r.status(), 200);
  return (await r.json()).token;
}

const bearer = (token) => ({ headers: { Authorization: `Bearer ${token}` } });

async function check(page, name) {
  await shot(page, name);
  const v = await axe(page);
  assert.deepEqual(v, [], `${name}: axe-core found serious/critical violations:\n${v.join('\n')}`);
}

const go = (page, hash) => page.evaluate((x) => {
  location.hash = x;
}, hash);

async function openMyData(page, strings) {
  await page.getByRole('button', { name: strings['menu.open'] }).click();
  await page.locator('#menu[open]').waitFor();
  await page.getByRole('button', { name: strings['mydata.open'], exact: true }).click();
  await page.locator('#mydata-view:not([hidden])').waitFor();
  assert.equal(await page.locator('#menu[open]').count(), 0, 'the menu closes');
  await page.getByRole('heading', { name: strings['mydata.access_title'] }).waitFor();
  await page.locator('#mydata-access > li').first().waitFor();
}

async function download(page, name) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name, exact: true }).click()]);
  return { name: d.suggestedFilename(), text: fs.readFileSync(await d.path(), 'utf8') };
}

// ---- 1. Reads ---------------------------------------------------------------------------------

test('Mette writes; Anna reads the conversation and the log; Dora is refused the log', async () => {
  const m = mette.page;
  await m.locator('#body').fill(TEXT);
  await m.getByRole('button', { name: 'Send' }).click();
  await m.locator('.bubble.mine:not(.pending)', { hasText: 'Hej Anna' }).locator('.state[data-state="sent"], .state[data-state="read"]').waitFor();

  const a = anna.page;
  await go(a, `#/c/${world.conv.A}`);
  await a.locator('.msg', { hasText: TEXT }).waitFor();
  await go(a, `#/f/${world.fam.A}/log`);
  await a.locator('#log-caption', { hasText: /hændelse/ }).waitFor();

  // An adviser of another team tries the family's log: refused, and logged so.
  const dora = await login('dora');
  const r = await http.get(`/api/families/${world.fam.A}/log?format=json`, bearer(dora));
  assert.ok([403, 404].includes(r.status()), `refused: ${r.status()}`);
  assert.deepEqual(a.problems, []);
});

// ---- 2. Who has seen the family's data ------------------------------------------------------------

test('"Mine data": who has seen the family\'s data, newest first, by role, a refusal marked', async () => {
  const m = mette.page;
  await openMyData(m, DA);
  await m.getByRole('heading', { name: DA['mydata.title'], level: 1 }).waitFor();
  const rows = m.locator('#mydata-access > li');
  const texts = (await rows.locator('.access-what').allTextContents()).map((s) => s.trim());
  const adviser = DA['mydata.who_adviser'];
  const said = (kind, seen) => fill(DA[kind === 'denied' ? 'mydata.row_denied' : 'mydata.row_access'], { who: adviser, what: DA[`mydata.seen_${seen}`] });
  assert.equal(said('access', 'log'), 'En rådgiver så jeres log');
  // Newest first: Dora's refused look at the log, then Anna's log, then the conversation.
  assert.equal(texts[0], said('denied', 'log'), texts.join('\n'));
  assert.match(await rows.first().getAttribute('class'), /\bdenied\b/);
  assert.equal(await rows.first().locator('.access-denied').textContent(), DA['mydata.denied']);
  const log = texts.indexOf(said('access', 'log'));
  const conv = texts.indexOf(said('access', 'conversation'));
  assert.ok(log > 0 && conv > log, `the log read after the conversation:\n${texts.join('\n')}`);
  assert.doesNotMatch(await m.locator('#mydata-access').textContent(), /Anna|Dora|Jensen|Madsen/, 'by role, not by name');
  // When, in Danish.
  const when = await rows.first().locator('time').getAttribute('datetime');
  assert.ok(Date.now() - Date.parse(when) < 600000, when);
  assert.match(await rows.first().locator('time').textContent(), /\d{4}/);
  assert.doesNotMatch(await m.locator('#mydata-view').textContent(), /undefined|null|mydata\./);
  await check(m, 'family-mydata');
  assert.deepEqual(m.problems, []);
});

test('more than a page of reads: read on with next, the newest first, "Vis flere"', async () => {
  // 230 reads by Anna, log and phones in turn (so none run together).
  for (let i = 0; i < 115; i++) {
    assert.equal((await http.get(`/api/families/${world.fam.A}/log?format=json&limit=1`, bearer(annaToken))).status(), 200);
    assert.equal((await http.get(`/api/families/${world.fam.A}/devices`, bearer(annaToken))).status(), 200);
  }
  const m = mette.page;
  const asked = [];
  m.on('request', (r) => {
    if (r.url().includes('/api/me/access')) asked.push(new URL(r.url()).searchParams.get('after'));
  });
  await m.getByRole('button', { name: DA['phones.back'] }).click();
  await m.locator('#chat-view:not([hidden])').waitFor();
  await openMyData(m, DA);
  const rows = m.locator('#mydata-access > li');
  await m.getByRole('button', { name: DA['mydata.more'] }).waitFor();
  const shown = await rows.count();
  assert.equal(shown, 20, 'a part at a time');
  assert.ok(asked.length >= 2 && asked[0] === null && asked.slice(1).every((x) => Number(x) > 0), `pages: ${asked.join(', ')}`);
  const fillDa = (seen) => fill(DA['mydata.row_access'], { who: DA['mydata.who_adviser'], what: DA[`mydata.seen_${seen}`] });
  assert.equal((await rows.first().locator('.access-what').textContent()).trim(), fillDa('phones'), 'the newest read first');
  assert.equal((await rows.nth(1).locator('.access-what').textContent()).trim(), fillDa('log'));
  await m.getByRole('button', { name: DA['mydata.more'] }).click();
  await m.locator('#mydata-access > li:nth-child(40)').waitFor();
  assert.equal(await rows.count(), 40);
  assert.deepEqual(m.problems, []);
});

// ---- 3. Her data to take away -----------------------------------------------------------------------

test('"Som JSON": the gateway\'s document, saved as it came', async () => {
  const m = mette.page;
  await m.getByRole('heading', { name: DA['mydata.download_title'] }).waitFor();
  const got = await download(m, DA['mydata.as_json']);
  assert.match(got.name, /\.json$/);
  assert.ok(got.text.startsWith('{"generated_at":'), 'the gateway\'s bytes, not re-encoded');
  const data = JSON.parse(got.text);
  assert.equal(data.member.id, world.ids.mette);
  assert.equal(data.family, 'Familien Hansen');
  assert.ok(data.messages.some((x) => x.body === TEXT), 'her message as written');
  assert.ok(data.log.some((e) => e.kind === 'message' && e.text === TEXT), 'her own log rows');
  await m.locator('#mydata-status', { hasText: DA['mydata.saved_json'] }).waitFor();
  assert.deepEqual(m.problems, []);
});

test('"Som dokument": readable, in Danish, every text escaped, nothing that runs', async () => {
  const m = mette.page;
  const got = await download(m, DA['mydata.as_document']);
  assert.match(got.name, /\.html$/);
  const html = got.text;
  assert.match(html, /^<!doctype html>\n<html lang="da" dir="ltr">/);
  assert.ok(html.includes('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">'), 'a strict CSP');
  assert.match(html, /<style>[\s\S]*\.owndata[\s\S]*<\/style>/, 'its style inline');
  assert.ok(html.includes(escaped(TEXT)), 'the message escaped');
  assert.doesNotMatch(html, /<img|<script|<link|<iframe|\ssrc="|\shref="/i, 'no element from the message, nothing loaded');
  await m.locator('#mydata-status', { hasText: DA['mydata.saved_document'] }).waitFor();

  // Opened in a browser: her text as text.
  const page = await mette.ctx.newPage();
  await page.setContent(html);
  assert.equal(await page.locator('img').count(), 0);
  assert.equal(await page.locator('h1').textContent(), fill(DA['doc.title'], { name: 'Mette Hansen' }));
  const body = await page.locator('body').innerText();
  assert.ok(body.includes(TEXT), 'the message reads as written');
  for (const k of ['doc.about', 'phones.title', 'doc.conversations', 'doc.log']) {
    await page.getByRole('heading', { name: DA[k] }).waitFor();
  }
  assert.ok(body.includes('Familien Hansen'));
  assert.ok(body.includes(DA['chat.main_conv']), 'the family\'s conversation by its name');
  assert.ok(body.includes(DA['doc.kind_message']), 'her log rows in words');
  assert.ok(body.includes(DA['sms.ch_app']), 'how she is reached');
  assert.doesNotMatch(body, /undefined|null|doc\.|mydata\./);
  await check(page, 'family-mydata-document');
  await page.close();
  assert.deepEqual(m.problems, []);
});

test('"Udskriv": the same document printed from the app, alone', async () => {
  const m = mette.page;
  await m.evaluate(() => {
    window.printed = 0;
    window.print = () => {
      window.printed += 1;
    };
  });
  await m.getByRole('button', { name: DA['mydata.print'], exact: true }).click();
  await m.waitForFunction(() => window.printed === 1);
  await m.emulateMedia({ media: 'print' });
  const holder = m.locator('#owndata-print');
  assert.equal(await holder.locator('.owndata h1').isVisible(), true);
  assert.ok((await holder.innerText()).includes(TEXT));
  assert.equal(await holder.locator('img').count(), 0);
  assert.equal(await m.locator('#mydata-view').isVisible(), false, 'nothing else on paper');
  await m.emulateMedia({ media: 'screen' });
  await m.evaluate(() => window.dispatchEvent(new Event('afterprint')));
  assert.equal(await holder.locator('.owndata').count(), 0, 'emptied after printing');
  assert.equal(await m.locator('#mydata-view').isVisible(), true);
  assert.deepEqual(m.problems, []);
});

// ---- 4. Right to left -----------------------------------------------------------------------------

test('in Arabic: the view right to left, its rows and the document in Arabic', async () => {
  const j = jonas.page;
  assert.equal(await j.getAttribute('html', 'dir'), 'rtl');
  await openMyData(j, AR);
  // The newest first: Anna's last look at the phones, in Arabic.
  const first = (await j.locator('#mydata-access .access-what').first().textContent()).trim();
  assert.equal(first, fill(AR['mydata.row_access'], { who: AR['mydata.who_adviser'], what: AR['mydata.seen_phones'] }, true));
  assert.notEqual(AR['mydata.row_access'], DA['mydata.row_access']);
  await j.getByRole('button', { name: AR['mydata.more'] }).waitFor();
  await check(j, 'family-mydata-ar');

  const got = await download(j, AR['mydata.as_document']);
  assert.match(got.text, /^<!doctype html>\n<html lang="ar" dir="rtl">/);
  assert.ok(got.text.includes(escaped(TEXT)), 'Mette\'s message, escaped');
  const page = await jonas.ctx.newPage();
  await page.setContent(got.text);
  await page.getByRole('heading', { name: AR['doc.conversations'] }).waitFor();
  assert.equal(await page.locator('img').count(), 0);
  assert.ok((await page.locator('body').innerText()).includes(TEXT));
  await check(page, 'family-mydata-document-ar');
  await page.close();
  assert.deepEqual(j.problems, []);
});

// ---- 5. The staff's log -------------------------------------------------------------------------------

test('the contact log says the downloads in words', async () => {
  const a = anna.page;
  await go(a, '#/');
  await go(a, `#/f/${world.fam.A}/log`);
  await a.getByLabel('Hændelse', { exact: true }).selectOption({ label: 'Egne data hentet' });
  // Mette's JSON, her document and her printing, Jonas's document.
  await a.locator('#log-caption', { hasText: /: 4 hændelser$/ }).waitFor();
  const rows = await a.locator('#log-body tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim())));
  assert.deepEqual(rows.map((r) => [r[1], r[2], r[4]]), [
    ['Egne data hentet', 'Mette Hansen (familie)', 'Hentede sine egne data'],
    ['Egne data hentet', 'Mette Hansen (familie)', 'Hentede sine egne data'],
    ['Egne data hentet', 'Mette Hansen (familie)', 'Hentede sine egne data'],
    ['Egne data hentet', 'Jonas Hansen (familie)', 'Hentede sine egne data'],
  ]);
  await a.getByLabel('Hændelse', { exact: true }).selectOption({ label: 'Alle hændelser' });
  assert.deepEqual(a.problems, []);
});

// ---- 6. The document builder, in Node ----------------------------------------------------------------

test('the document builder escapes every text and says the log in words', async () => {
  const { useStrings } = await import(pathToFileURL(path.join(WEB, 'shared', 'i18n.js')));
  await import(pathToFileURL(path.join(WEB, 'family', 'i18n.js'))); // the family's languages
  const { ownDocument } = await import(pathToFileURL(path.join(WEB, 'family', 'owndoc.js')));
  const evil = '<b onclick="x()">\'A&B\'</b>';
  const me = { id: 7, name: `Mette ${evil}`, role: 'family' };
  const anna = { id: 2, name: 'Anna "Jensen"', role: 'adviser' };
  const data = {
    generated_at: '2026-12-04T10:00:00.000Z', member: me, family: `Familien ${evil}`,
    sms: { phone: '+4512345678', channel: 'fallback', consent: { at: '2026-11-01T09:00:00.000Z', by: anna }, stopped_at: null },
    quiet_hours: { start: '21:00', end: '07:00' },
    phones: [{ id: 3, name: `Telefon ${evil}`, user: me, created_at: '2026-11-01T09:00:00.000Z', revoked_at: null }],
    conversations: [{ id: 1, title: `Familien ${evil}` }, { id: 2, title: `Min egen ${evil}` }],
    messages: [
      { id: 10, conv: 1, family: 1, sender: me, kind: 'text', body: `Hej ${evil}\nlinje to`, client_id: 'a', created_at: '2026-12-01T10:00:00.000Z' },
      { id: 11, conv: 1, family: 1, sender: anna, kind: 'text', body: 'Hemmelig tekst', client_id: 'b', created_at: '2026-12-01T10:05:00.000Z', withdrawn: true },
      { id: 12, conv: 2, family: 1, sender: anna, kind: 'text', body: `📎 ${evil}.pdf`, client_id: 'c', created_at: '2026-12-01T11:00:00.000Z',
        attachments: [{ id: 1, state: 'ready', kind: 'document', type: 'application/pdf', name: `${evil}.pdf`, size: 100 }] },
    ],
    log: [
      { id: 1, at: '2026-12-01T10:00:00.000Z', kind: 'message', actor: me, conv: 1, message: 10, detail: '', text: `Hej ${evil}` },
      { id: 2, at: '2026-12-02T10:00:00.000Z', kind: 'export', actor: me, conv: null, message: null, detail: 'own data' },
      { id: 3, at: '2026-12-02T11:00:00.000Z', kind: 'something_new', actor: me, conv: null, message: null, detail: `x ${evil}` },
    ],
  };
  useStrings('da', DA, DA);
  const html = ownDocument(data, { css: '.owndata { color: #111; } </style><script>x()</script>' });
  assert.doesNotMatch(html, /<b |<script|<\/b>/, 'no markup from the data or the style');
  assert.ok(html.includes('&lt;b onclick=&quot;x()&quot;&gt;&#39;A&amp;B&#39;&lt;/b&gt;'), 'escaped as text');
  assert.ok(!html.includes('Hemmelig tekst'), 'a withdrawn message without its text');
  assert.ok(html.includes(DA['chat.withdrawn']));
  assert.ok(html.includes(DA['chat.main_conv']), 'the family\'s own conversation by its name');
  assert.ok(html.includes(DA['doc.kind_message']) && html.includes(DA['doc.kind_export']) && html.includes(DA['doc.kind_other']));
  assert.ok(html.includes(DA['sms.ch_fallback']));
  assert.match(html, /<html lang="da" dir="ltr">/);
  assert.equal((html.match(/<article /g) || []).length, 1);
  useStrings('ar', AR, DA);
  const rtl = ownDocument(data, { css: '' });
  assert.match(rtl, /<html lang="ar" dir="rtl">/);
  assert.ok(rtl.includes(AR['doc.conversations']));
  useStrings('da', DA, DA);
});
