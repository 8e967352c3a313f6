// journal.test.mjs - the contact log's export for the case file (issue 15):
// "its export for the case file (journal) is a readable document per period
// (PDF or printable HTML, with the CSV of the hardening issue)".
//
// Mette writes (one message with markup in it), Anna answers and writes a
// note.  In the family's contact log Anna downloads the period as an HTML
// document: one file with its style inline, a policy that lets nothing load
// or run, the family, the period, the selection, who made it and when, every
// row of the log as the view shows it with the messages' text (the markup as
// text), opened from disk it shows the same rows and makes no request.  The
// kind filter narrows the document as it narrows the view.  "Udskriv til
// journalen" prints the document alone on A4 (the page's print sheet hides
// the app; a PDF is made of it).  A period longer than the journal's limit
// is refused rather than cut short (readAll, run here in Node).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startWorld, launch, person, staffLogin, familyEnrol, shot, WEB, staffLanguage, LAPTOP, PHONE } from './lib/harness.mjs';

await staffLanguage('da');
const { readAll, JOURNAL_MAX } = await import(pathToFileURL(path.join(WEB, 'staff', 'journal.js')));

let world;
let browser;
let anna;
let mette;
const MARKUP = 'Se <b>brevet</b> & <script>alert(1)</script> fra kommunen';

before(async () => {
  world = await startWorld();
  browser = await launch(world);
  mette = await person(browser, world, PHONE);
  anna = await person(browser, world, { ...LAPTOP, acceptDownloads: true });
  await familyEnrol(mette.page, world, 'mette');
  for (const text of ['Hej Anna, kan vi mødes på fredag?', MARKUP]) {
    await mette.page.locator('#body').fill(text);
    await mette.page.getByRole('button', { name: 'Send' }).click();
    await mette.page.locator('.bubble.mine:not(.pending)', { hasText: text.slice(0, 20) }).waitFor();
  }
  await staffLogin(anna.page, world, 'anna');
  const a = anna.page;
  await a.evaluate((c) => {
    location.hash = `#/c/${c}`;
  }, world.conv.A);
  await a.locator('.msg', { hasText: 'kan vi mødes' }).waitFor();
  await a.locator('#body').fill('Ja, fredag kl. 10 passer fint.');
  await a.locator('#body').press('Enter');
  await a.locator('.msg.mine', { hasText: 'fredag kl. 10' }).waitFor();
  await a.getByRole('radio', { name: /Intern note/ }).check();
  await a.locator('#body').fill('Husk tolk til fredag.');
  await a.locator('#body').press('Enter');
  await a.locator('.msg', { hasText: 'Husk tolk' }).waitFor();
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

async function openLog(a) {
  await a.evaluate((f) => {
    location.hash = `#/f/${f}/log`;
  }, world.fam.A);
  await a.locator('#log-body tr').first().waitFor();
  await a.locator('#log-caption', { hasText: /hændelse/ }).waitFor();
}

async function download(a) {
  const [dl] = await Promise.all([
    a.waitForEvent('download'),
    a.getByRole('button', { name: 'Hent til journalen (HTML)' }).click(),
  ]);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'journal-')), dl.suggestedFilename());
  await dl.saveAs(file);
  return { name: dl.suggestedFilename(), file, html: fs.readFileSync(file, 'utf8') };
}

const viewRows = (a) => a.locator('#log-body tr').evaluateAll((trs) =>
  trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim())));

// The log as the view shows it after the export: every row the document
// has, then the document's own read ("Opslag": reading the log is logged,
// and a read never lists itself).
async function viewAfter(a) {
  await a.getByRole('button', { name: 'Vis log' }).click();
  await a.locator('#log-caption', { hasText: /hændelse/ }).waitFor();
  const rows = await viewRows(a);
  const own = rows.pop();
  assert.deepEqual([own[1], own[4]], ['Opslag', 'åbnede kontaktloggen'], 'the last row is the export itself');
  return rows;
}

test('the HTML document: the whole period, its rows as the view shows them, nothing that runs', async () => {
  const a = anna.page;
  await openLog(a);
  const { name, file, html } = await download(a);
  const shown = await viewAfter(a);
  assert.match(name, /^kontaktlog-Familien-Hansen-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.html$/);
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">/);
  assert.ok(!/<script/i.test(html.replace(/&lt;script&gt;/g, '')), 'no script element in the file');
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), "the family's markup is text");
  assert.ok(!/<link|src=|@import|url\(/i.test(html), 'nothing to load');
  assert.ok(html.includes('.journal-meta'), 'its style is inline');

  // Opened from disk, as the journal system or a colleague would.
  const doc = await browser.newPage();
  const requests = [];
  doc.on('request', (r) => requests.push(r.url()));
  await doc.goto(pathToFileURL(file).href);
  assert.equal(await doc.locator('h1').textContent(), 'Kontaktlog for Familien Hansen');
  const meta = await doc.locator('.journal-meta').textContent();
  assert.match(meta, /Periode.*til og med/);
  assert.match(meta, /Alle hændelser, om familien/);
  assert.match(meta, /Dannet.* af Anna Jensen/);
  assert.match(meta, new RegExp(`Hændelser${shown.length} hændelser`));
  const rows = await doc.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim())));
  assert.deepEqual(rows, shown, 'the same rows, cell for cell, as the log view');
  const texts = rows.map((r) => r[4]);
  for (const t of ['Hej Anna, kan vi mødes på fredag?', MARKUP, 'Ja, fredag kl. 10 passer fint.', 'Husk tolk til fredag.']) {
    assert.ok(texts.includes(t), `the text "${t}" is in the document`);
  }
  assert.ok(rows.some((r) => r[1] === 'Intern note'), 'the note, for the pair');
  assert.ok(texts.some((t) => /^Kode til Mette Hansen, gyldig til \d/.test(t)), 'the invitation in words');
  assert.ok(texts.some((t) => /^Telefon: Browser \(kode fra /.test(t)), 'the phone enrolled in words');
  assert.deepEqual(requests.filter((u) => !u.startsWith('file:')), [], 'the document loads nothing');
  await shot(doc, 'journal-html');
  await doc.close();
});

test('the kind filter narrows the document as it narrows the view', async () => {
  const a = anna.page;
  await openLog(a);
  await a.locator('#log-kind').selectOption({ label: 'Beskeder og noter' });
  await a.locator('#log-caption', { hasText: '4 hændelser' }).waitFor();
  const { html } = await download(a);
  const doc = await browser.newPage();
  await doc.setContent(html);
  const kinds = await doc.locator('tbody tr td:nth-child(2)').allTextContents();
  assert.deepEqual(kinds.sort(), ['Besked', 'Besked', 'Besked', 'Intern note']);
  assert.match(await doc.locator('.journal-meta').textContent(), /Beskeder og noter/);
  await doc.close();
  await a.locator('#log-kind').selectOption('');
});

test('printed: the document alone, on A4', async () => {
  const a = anna.page;
  await openLog(a);
  await a.evaluate(() => {
    window.print = () => {
      window.printed = (window.printed || 0) + 1;
    };
  });
  await a.getByRole('button', { name: 'Udskriv til journalen' }).click();
  await a.waitForFunction(() => window.printed === 1);
  assert.ok(await a.evaluate(() => document.body.classList.contains('print-journal')));
  await a.emulateMedia({ media: 'print' });
  const seen = await a.evaluate(() => ({
    app: getComputedStyle(document.getElementById('app-view')).display,
    journal: document.querySelector('#journal-print .journal').getBoundingClientRect().height,
    rows: document.querySelectorAll('#journal-print tbody tr').length,
  }));
  assert.equal(seen.app, 'none', 'the app is not printed');
  assert.ok(seen.journal > 100, 'the document is');
  const pdf = await a.pdf({ format: 'A4', preferCSSPageSize: true });
  assert.ok(pdf.length > 5000 && pdf.subarray(0, 5).toString() === '%PDF-', 'a PDF of it');
  fs.writeFileSync(path.join(process.env.INDGANG_ARTEFACTS || '.', 'journal-print.pdf'), pdf);
  await a.emulateMedia({ media: 'screen' });
  await a.evaluate(() => window.dispatchEvent(new Event('afterprint')));
  assert.equal(await a.evaluate(() => document.body.classList.contains('print-journal')), false, 'the page is itself again');
  assert.equal(await a.locator('#journal-print *').count(), 0);
  assert.equal(seen.rows, (await viewAfter(a)).length, 'every row of the period was printed');
});

test('a period past the limit is refused, not cut short', async () => {
  const page = (n) => ({ entries: Array.from({ length: n }, (_, i) => ({ id: i })) });
  let asked = 0;
  const all = await readAll(async (after) => {
    asked++;
    return after ? page(3) : { ...page(1000), next: 1000 };
  });
  assert.equal(all.length, 1003);
  assert.equal(asked, 2);
  await assert.rejects(readAll(async (after) => ({ ...page(1000), next: (after || 0) + 1000 })),
    (e) => e.code === 'too_many');
  assert.equal(JOURNAL_MAX, 10000);
});
