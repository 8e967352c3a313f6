// attach-staff.test.mjs - documents and photos from the staff client (issue 14):
//   - the adviser drops a PDF onto the conversation: it shows in the reply
//     box's tray, goes with the message, is "bliver kontrolleret" until the
//     checker says ready, and the family's phone shows a chip with its name
//     that downloads the very file;
//   - the file picker: a photo attached to an internal note shows as a
//     thumbnail for the adviser and never reaches the family;
//   - a file of a type the gateway does not take is refused before upload;
//   - axe-core on the conversation with attachments and the tray, on the
//     laptop and the phone.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startWorld, launch, person, staffLogin, familyEnrol, axe, shot, LAPTOP, PHONE } from './lib/harness.mjs';
import { startClamd, PDF } from './lib/clamd.mjs';

let clamd;
let world;
let browser;
let anna;
let mette;
let skip = '';

before(async () => {
  clamd = await startClamd();
  if (!clamd) {
    skip = 'ClamAV is not installed (gateway/install-deps.sh): uploads never become ready';
    return;
  }
  world = await startWorld({ args: clamd.args });
  browser = await launch(world);
  anna = await person(browser, world, LAPTOP);
  mette = await person(browser, world, PHONE);
  await staffLogin(anna.page, world, 'anna');
  await familyEnrol(mette.page, world, 'mette');
  await anna.page.getByRole('link', { name: /Hele familien/ }).first().click();
  await anna.page.locator('#composer').waitFor();
});

after(async () => {
  await browser?.close();
  await world?.stop();
  await clamd?.stop();
});

// Drops files onto a target as the desktop does: dragenter, dragover, drop
// with a DataTransfer holding them.
async function drop(page, selector, files) {
  const dt = await page.evaluateHandle((list) => {
    const d = new DataTransfer();
    for (const f of list) d.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
    return d;
  }, files.map((f) => ({ name: f.name, type: f.type, b64: f.bytes.toString('base64') })));
  for (const type of ['dragenter', 'dragover']) await page.dispatchEvent(selector, type, { dataTransfer: dt });
  assert.ok(await page.locator(`${selector}.drop-over`).count(), 'the conversation shows where to drop');
  await page.dispatchEvent(selector, 'drop', { dataTransfer: dt });
}

test('a PDF dropped onto the conversation reaches the family as a chip that downloads it', async (t) => {
  if (skip) return t.skip(skip);
  const a = anna.page;
  const m = mette.page;
  await drop(a, '#panel-conv', [{ name: 'Mødeindkaldelse.pdf', type: 'application/pdf', bytes: PDF }]);
  const tray = a.locator('#attach-tray');
  await tray.locator('.tray-item', { hasText: 'Mødeindkaldelse.pdf' }).waitFor();
  assert.ok(await tray.getByRole('button', { name: 'Fjern Mødeindkaldelse.pdf' }).isVisible());
  assert.deepEqual(await axe(a), [], 'axe-core: the reply box with a file in the tray');
  await a.locator('#body').fill('Her er indkaldelsen til mødet på torsdag.');
  await a.locator('#send').click();
  await tray.locator('.tray-item').first().waitFor({ state: 'detached' });

  const msg = a.locator('.msg.mine:not(.pending)', { hasText: 'Her er indkaldelsen' });
  await msg.waitFor();
  const chip = msg.locator('.att[data-state="ready"] a.att-chip', { hasText: 'Mødeindkaldelse.pdf' });
  await chip.waitFor({ timeout: 20000 });

  const bubble = m.locator('.bubble.theirs', { hasText: 'Her er indkaldelsen' });
  await bubble.waitFor();
  const fchip = bubble.locator('.att[data-state="ready"] a.att-chip', { hasText: 'Mødeindkaldelse.pdf' });
  await fchip.waitFor({ timeout: 20000 });
  await shot(m, 'attach-family-pdf-chip-phone');
  const [dl] = await Promise.all([m.waitForEvent('download'), fchip.click()]);
  assert.equal(dl.suggestedFilename(), 'Mødeindkaldelse.pdf');
  const file = await dl.path();
  assert.deepEqual(fs.readFileSync(file), PDF, 'the family downloads the very file');
  assert.deepEqual(await axe(m), [], 'axe-core: the phone chat with a PDF');
});

test('a photo on an internal note (file picker) shows as a thumbnail for staff and never reaches the family', async (t) => {
  if (skip) return t.skip(skip);
  const a = anna.page;
  const m = mette.page;
  const png = await a.evaluate(async () => {
    const c = new OffscreenCanvas(800, 600);
    const g = c.getContext('2d');
    g.fillStyle = '#2a2';
    g.fillRect(0, 0, 800, 600);
    const b = await c.convertToBlob({ type: 'image/png' });
    const bytes = new Uint8Array(await b.arrayBuffer());
    let s = '';
    for (const x of bytes) s += String.fromCharCode(x);
    return btoa(s);
  });
  await a.locator('label[for="kind-note"]').click();
  assert.ok(await a.getByRole('button', { name: 'Vedhæft fil' }).isVisible());
  await a.locator('#attach-file').setInputFiles({ name: 'tegning.png', mimeType: 'image/png', buffer: Buffer.from(png, 'base64') });
  await a.locator('#attach-tray .tray-item', { hasText: 'tegning.png' }).waitFor();
  await a.locator('#body').fill('Jonas tegnede den her til mødet.');
  await a.locator('#send').click();
  const note = a.locator('.msg.note:not(.pending)', { hasText: 'Jonas tegnede' });
  await note.waitFor();
  const thumb = note.locator('.att[data-state="ready"] img.att-img');
  await thumb.waitFor({ timeout: 20000 });
  await a.waitForFunction((img) => img.complete && img.naturalWidth > 0, await thumb.elementHandle());
  await shot(a, 'attach-staff-note-laptop');
  assert.deepEqual(await axe(a), [], 'axe-core: the conversation with a PDF and a note with a photo');
  await m.waitForTimeout(500);
  assert.equal(await m.locator('.bubble', { hasText: 'Jonas tegnede' }).count(), 0, 'the note never reaches the family');
  assert.equal(await m.locator('.att', { hasText: 'tegning' }).count(), 0);
  await a.locator('label[for="kind-text"]').click();
});

test('a file the gateway does not take is refused before it is uploaded', async (t) => {
  if (skip) return t.skip(skip);
  const a = anna.page;
  await a.locator('#attach-file').setInputFiles({ name: 'notat.docx', mimeType: 'application/msword', buffer: Buffer.from('PK\u0003\u0004 not a pdf') });
  const err = a.locator('#send-error');
  await err.waitFor();
  assert.match(await err.innerText(), /notat\.docx.*(billeder|PDF)/);
  assert.equal(await a.locator('#attach-tray .tray-item').count(), 0);
  assert.deepEqual(a.problems, []);
  assert.deepEqual(mette.page.problems, []);
});
