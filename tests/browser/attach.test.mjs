// attach.test.mjs - a photo from the family's phone (issue 14), the path a
// parent on a cheap phone with a patchy connection takes:
//   - the photo is picked while the phone is offline: it waits in the outbox
//     with its preview, shrunk on the phone (at most 1600 px on the long
//     side, JPEG), the file itself kept in IndexedDB, also over a reload
//     while still offline;
//   - back online it is uploaded once, sent once with the upload's id, and
//     the outbox and its file store are empty afterwards;
//   - it is "being checked" until the gateway's checker (a private clamd,
//     lib/clamd.mjs, and indgang-image) says ready; then both ends show the
//     thumbnail (fetched with the session cookie into a blob: URL);
//   - the adviser opens the viewer (the full picture), Escape closes it and
//     the focus returns to the thumbnail;
//   - a file with malware is shown rejected, in the family's language
//     (Danish, English, Arabic right to left);
//   - axe-core on the chat with attachments, on the phone and the laptop.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, launch, person, staffLogin, familyEnrol, axe, shot, LAPTOP, PHONE } from './lib/harness.mjs';
import { startClamd, PDF } from './lib/clamd.mjs';

const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

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

// A photo as a phone camera makes one: 2400 x 1800, JPEG, left half red and
// right half blue (so the picture that arrives can be told apart).
async function cameraPhoto(page) {
  const b64 = await page.evaluate(async () => {
    const c = new OffscreenCanvas(2400, 1800);
    const g = c.getContext('2d');
    g.fillStyle = '#d22';
    g.fillRect(0, 0, 1200, 1800);
    g.fillStyle = '#22d';
    g.fillRect(1200, 0, 1200, 1800);
    g.fillStyle = '#fff';
    g.font = '200px sans-serif';
    g.fillText('Skolen', 300, 900);
    const blob = await c.convertToBlob({ type: 'image/jpeg', quality: 0.95 });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  });
  return Buffer.from(b64, 'base64');
}

// Every message of a conversation, from the gateway itself.
async function stored(page, conv) {
  const r = await page.request.get(`${world.url}/api/conversations/${conv}/messages?limit=500`);
  assert.equal(r.status(), 200);
  return (await r.json()).messages;
}

// The records kept in the family app's outbox file store (IndexedDB).
const keptFiles = (page) =>
  page.evaluate(
    () =>
      new Promise((resolve) => {
        const r = indexedDB.open('indgang-family-outbox');
        r.onupgradeneeded = () => r.result.createObjectStore('files'); // none yet
        r.onerror = () => resolve(-1);
        r.onsuccess = () => {
          const db = r.result;
          if (!db.objectStoreNames.contains('files')) {
            db.close();
            resolve(0);
            return;
          }
          const q = db.transaction('files').objectStore('files').count();
          q.onsuccess = () => {
            db.close();
            resolve(q.result);
          };
          q.onerror = () => resolve(-1);
        };
      }),
  );

test('a photo picked offline waits with its preview, survives a reload, then is uploaded and sent once', async (t) => {
  if (skip) return t.skip(skip);
  const m = mette.page;
  const a = anna.page;
  // Controlled by the service worker, so the app opens offline.
  await m.evaluate(() => navigator.serviceWorker.ready);
  await m.reload();
  await m.locator('html[data-conn="open"]').waitFor();
  const photo = await cameraPhoto(m);

  const uploads = [];
  m.on('request', (r) => {
    if (r.method() === 'POST' && r.url().includes('/api/uploads')) uploads.push(r.url());
  });

  await mette.ctx.setOffline(true);
  await m.locator('html[data-conn="offline"]').waitFor();
  assert.ok(await m.getByRole('button', { name: 'Vedhæft billede eller fil' }).isVisible(), 'the attach button shows');
  await m.locator('#attach-file').setInputFiles({ name: 'IMG_2041.jpg', mimeType: 'image/jpeg', buffer: photo });
  const tray = m.locator('#attach-tray');
  await tray.locator('.tray-item', { hasText: 'IMG_2041' }).waitFor();
  await m.locator('#body').fill('Her er brevet fra skolen');
  await m.getByRole('button', { name: 'Send' }).click();
  await tray.locator('.tray-item').first().waitFor({ state: 'detached' });

  const bubble = m.locator('.bubble.mine.pending', { hasText: 'Her er brevet fra skolen' });
  await bubble.locator('.state[data-state="waiting"]').waitFor();
  const preview = bubble.locator('img.att-img');
  await preview.waitFor();
  await m.waitForFunction((img) => img.complete && img.naturalWidth > 0, await preview.elementHandle());
  // Shrunk on the phone before it is kept: at most 1600 px on the long side.
  const dims = await preview.evaluate((img) => [img.naturalWidth, img.naturalHeight]);
  assert.deepEqual(dims, [1600, 1200], 'the preview is the shrunk photo');
  assert.equal(await keptFiles(m), 1, 'the photo is kept in IndexedDB');
  const meta = await m.evaluate(() => JSON.parse(Object.entries(localStorage).find(([k]) => k.includes('outbox'))[1]));
  assert.equal(meta.length, 1);
  assert.equal(meta[0].files.length, 1);
  assert.equal(meta[0].files[0].type, 'image/jpeg');
  assert.ok(meta[0].files[0].size < photo.length, `shrunk: ${meta[0].files[0].size} < ${photo.length} bytes`);
  assert.ok(!meta[0].files[0].upload, 'not uploaded yet');
  await shot(m, 'attach-family-offline-phone');

  // Closing and opening the app offline: the message and its photo are still there.
  await m.reload();
  await m.locator('#chat-view:not([hidden])').waitFor();
  await bubble.locator('.state[data-state="waiting"]').waitFor();
  await m.waitForFunction(
    () => [...document.querySelectorAll('.bubble.pending img.att-img')].some((i) => i.complete && i.naturalWidth === 1600),
  );
  assert.equal(uploads.length, 0, 'nothing uploaded while offline');

  await mette.ctx.setOffline(false);
  const sent = m.locator('.bubble.mine:not(.pending)', { hasText: 'Her er brevet fra skolen' });
  await sent.waitFor();
  await sent.locator('.state[data-state="sent"], .state[data-state="read"]').waitFor();
  assert.equal(uploads.length, 1, 'uploaded once');
  assert.equal(await keptFiles(m), 0, 'the file store is emptied once the message is stored');
  assert.equal(await m.evaluate(() => Object.keys(localStorage).filter((k) => k.includes('outbox')).length), 0, 'outbox emptied');

  const msgs = (await stored(a, world.conv.A)).filter((x) => x.body === 'Her er brevet fra skolen');
  assert.equal(msgs.length, 1, 'stored once');
  assert.equal(msgs[0].attachments.length, 1);
  const att = msgs[0].attachments[0];
  assert.equal(att.kind, 'image');

  // Ready: the sender's own bubble shows the thumbnail.
  const mine = sent.locator('.att[data-state="ready"] img.att-img');
  await mine.waitFor({ timeout: 20000 });
  await m.waitForFunction((img) => img.complete && img.naturalWidth > 0 && img.src.startsWith('blob:'), await mine.elementHandle());
  await shot(m, 'attach-family-sent-phone');
});

test('the adviser sees the thumbnail, opens the full picture and closes it with Escape', async (t) => {
  if (skip) return t.skip(skip);
  const a = anna.page;
  const msg = a.locator('.msg', { hasText: 'Her er brevet fra skolen' });
  await msg.waitFor();
  const thumb = msg.locator('.att[data-state="ready"] img.att-img');
  await thumb.waitFor({ timeout: 20000 });
  await a.waitForFunction((img) => img.complete && img.naturalWidth > 0 && img.src.startsWith('blob:'), await thumb.elementHandle());
  const tw = await thumb.evaluate((img) => Math.max(img.naturalWidth, img.naturalHeight));
  assert.ok(tw <= 320, `the thumbnail is the small one (${tw} px)`);
  // The picture that arrived is the photo: left red, right blue.
  const colours = await thumb.evaluate((img) => {
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const px = (x, y) => Array.from(g.getImageData(x, y, 1, 1).data.slice(0, 3));
    return [px(5, 5), px(c.width - 5, 5)];
  });
  assert.ok(colours[0][0] > 150 && colours[0][2] < 100, `left is red: ${colours[0]}`);
  assert.ok(colours[1][2] > 150 && colours[1][0] < 100, `right is blue: ${colours[1]}`);
  await shot(a, 'attach-staff-thumbnail-laptop');

  const open = msg.getByRole('button', { name: /IMG_2041/ });
  await open.click();
  const viewer = a.locator('dialog.att-viewer[open]');
  await viewer.waitFor();
  const full = viewer.locator('img.att-full');
  await a.waitForFunction((img) => img.complete && img.naturalWidth > 0, await full.elementHandle());
  assert.deepEqual(await full.evaluate((img) => [img.naturalWidth, img.naturalHeight]), [1600, 1200], 'the full picture');
  assert.deepEqual(await axe(a), [], 'axe-core: the viewer');
  await shot(a, 'attach-staff-viewer-laptop');
  await a.keyboard.press('Escape');
  await viewer.waitFor({ state: 'detached' });
  assert.ok(await open.evaluate((b) => b === document.activeElement), 'the focus is back on the thumbnail');
  assert.equal(await a.evaluate(() => document.querySelectorAll('dialog.att-viewer').length), 0, 'the viewer is gone');
});

test('a file with malware is rejected, and the family is told in its language', async (t) => {
  if (skip) return t.skip(skip);
  const m = mette.page;
  const a = anna.page;
  const bad = Buffer.concat([PDF.subarray(0, 40), Buffer.from(EICAR), PDF.subarray(40)]);
  await m.locator('#attach-file').setInputFiles({ name: 'regning.pdf', mimeType: 'application/pdf', buffer: bad });
  await m.locator('#attach-tray .tray-item', { hasText: 'regning.pdf' }).waitFor();
  await m.getByRole('button', { name: 'Send' }).click();
  const att = m.locator('.bubble.mine:not(.pending) .att', { hasText: 'regning.pdf' });
  await att.waitFor();
  await m.locator('.bubble.mine:not(.pending) .att[data-state="rejected"]', { hasText: 'regning.pdf' }).waitFor({ timeout: 20000 });
  assert.match(await att.innerText(), /Afvist.*virus/i);
  // The adviser sees it rejected too, with nothing to open.
  const sa = a.locator('.msg .att[data-state="rejected"]', { hasText: 'regning.pdf' });
  await sa.waitFor({ timeout: 20000 });
  assert.match(await sa.innerText(), /afvist/i);
  assert.equal(await sa.locator('a, button').count(), 0);
  // In English.
  await m.getByRole('button', { name: 'Menu' }).click();
  await m.locator('#menu').getByRole('button', { name: 'English' }).click();
  await m.locator('#menu-close').click();
  await m.locator('.bubble.mine .att[data-state="rejected"]', { hasText: /Rejected/ }).waitFor();
  assert.deepEqual(await axe(m), [], 'axe-core: the phone chat with a photo and a rejected file');
  await shot(m, 'attach-family-rejected-en-phone');
  assert.deepEqual(await axe(a), [], 'axe-core: the conversation with attachments');
  // Right to left, in Arabic.
  await m.locator('#menu-btn').click();
  await m.locator('#menu').getByRole('button', { name: 'العربية' }).click();
  await m.locator('#menu-close').click();
  await m.locator('html[dir="rtl"]').waitFor();
  await m.locator('.bubble.mine .att[data-state="rejected"]', { hasText: 'مرفوض' }).waitFor();
  assert.deepEqual(await axe(m), [], 'axe-core: the phone chat with attachments, in Arabic');
  await shot(m, 'attach-family-ar-phone');
  await m.locator('#menu-btn').click();
  await m.locator('#menu').getByRole('button', { name: 'Dansk' }).click();
  await m.locator('#menu-close').click();
  assert.deepEqual(m.problems, []);
  assert.deepEqual(a.problems, []);
});
