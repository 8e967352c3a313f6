// staff-english.test.mjs - the staff client in English (issue 15): "in
// Danish and English (language chosen by the user), from the same
// translation mechanism as the family app".
//
// Anna signs in (Danish, whatever the browser's language), picks English in
// Settings; the page reloads in English and stays so after a reload.  Every
// view a day uses — the caseload, a conversation with the reply box open, the
// family page, the contact log, the meeting and the overview, the templates
// and the out-of-office dialog — is walked, and none shows a Danish word or
// a bare translation key (text, labels, placeholders, titles).  Picking
// Dansk brings Danish back.  A screenshot of each view goes to the artefacts.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, launch, person, staffLogin, familyEnrol, shot, LAPTOP, PHONE } from './lib/harness.mjs';

let world;
let browser;
let anna;
let mette;

before(async () => {
  world = await startWorld();
  browser = await launch(world);
  mette = await person(browser, world, PHONE);
  anna = await person(browser, world, { ...LAPTOP, locale: 'en-GB' });
  await familyEnrol(mette.page, world, 'mette');
  await mette.page.locator('#body').fill('Hej Anna, kan vi mødes på fredag?');
  await mette.page.getByRole('button', { name: 'Send' }).click();
  await staffLogin(anna.page, world, 'anna');
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

const go = (page, hash) => page.evaluate((x) => {
  location.hash = x;
}, hash);

// Everything a sighted or screen-reader user meets on the page now: visible
// text, and the labels, placeholders and titles of what is shown.  Names and
// messages are data (Danish here): the family's name, the members' names and
// the conversation's messages are left out by their containers.
function shown(page) {
  return page.evaluate(() => {
    const data = '.msg-body, .msg-text, .fam-name, .conv-name, .who, .name, .preview, .last, [data-data]';
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || !el.getClientRects().length || el.closest('[hidden], script, style, noscript')) continue;
      if (el.closest(data)) continue;
      const s = n.textContent.trim();
      if (s) out.push(s);
    }
    for (const el of document.querySelectorAll('[aria-label], [placeholder], [title]')) {
      if (!el.getClientRects().length || el.closest('[hidden]')) continue;
      for (const a of ['aria-label', 'placeholder', 'title']) if (el.getAttribute(a)) out.push(el.getAttribute(a));
    }
    return out;
  });
}

// Danish words the client itself says (not names): a sample broad enough
// that a view left in Danish shows one of them.
const DANISH = /\b(og|ikke|besked(er)?|samtale|familie(n)?|log ud|indstillinger|skal besvares|møde|gem|annuller|luk|send senere|vedhæft|hændelse(r)?|til og med|fra og med|væk|svar|skriv)\b|[æøå]/i;
const KEY = /^[a-z_]+\.[a-z0-9_]+$/;

async function englishOnly(page, view, allow = []) {
  await shot(page, `staff-english-${view}`);
  const texts = (await shown(page)).filter((s) => !allow.some((a) => s.includes(a)));
  const keys = texts.filter((s) => KEY.test(s));
  assert.deepEqual(keys, [], `${view}: bare translation keys on the page`);
  const danish = texts.filter((s) => DANISH.test(s));
  assert.deepEqual(danish, [], `${view}: Danish left in English`);
}

// What the world calls its people, teams and families (data, not UI).
const NAMES = ['Familien Hansen', 'Mette', 'Jonas', 'Anna', 'Bo', 'Team Øst', 'Hele familien', 'Hej Anna', 'Indgang'];

test('Danish by default, English when Anna picks it, kept after a reload', async () => {
  const a = anna.page;
  assert.equal(await a.evaluate(() => document.documentElement.lang), 'da', 'Danish though the browser is English');
  assert.ok(await a.getByRole('button', { name: 'Log ud' }).isVisible());
  await a.getByRole('button', { name: 'Indstillinger' }).click();
  await Promise.all([
    a.waitForEvent('load'),
    a.locator('#lang-select').selectOption('en'),
  ]);
  await a.locator('#conn[data-state="open"]').waitFor();
  assert.equal(await a.evaluate(() => document.documentElement.lang), 'en');
  assert.ok(await a.getByRole('button', { name: 'Sign out' }).isVisible());
  assert.match(await a.title(), /Indgang – staff$/, 'the tab title, after the unread count');
  await a.reload();
  await a.locator('#conn[data-state="open"]').waitFor();
  assert.ok(await a.getByRole('button', { name: 'Settings' }).isVisible(), 'still English after a reload');
  await englishOnly(a, 'caseload', NAMES);
});

test('every view of the day in English, no Danish, no bare keys', async () => {
  const a = anna.page;
  await go(a, `#/c/${world.conv.A}`);
  await a.locator('.msg', { hasText: 'kan vi mødes' }).waitFor();
  await a.locator('#body').click();
  await a.keyboard.type('Hi');
  await englishOnly(a, 'conversation', NAMES);
  await a.locator('#body').fill('');

  await go(a, `#/f/${world.fam.A}/family`);
  await a.locator('#panel-family:not([hidden])').waitFor();
  await englishOnly(a, 'family', NAMES);

  await go(a, `#/f/${world.fam.A}/log`);
  await a.locator('#panel-log:not([hidden]) table, #panel-log:not([hidden]) .log-empty').first().waitFor();
  await englishOnly(a, 'log', NAMES);

  await go(a, `#/f/${world.fam.A}/meeting`);
  await a.locator('#panel-meeting:not([hidden])').waitFor();
  await englishOnly(a, 'meeting', NAMES);

  await go(a, '#/meeting');
  await a.locator('.meeting-table').first().waitFor();
  await englishOnly(a, 'overview', NAMES);

  await go(a, '#/templates');
  await a.getByRole('heading', { name: /templates/i }).first().waitFor();
  await englishOnly(a, 'templates', NAMES);

  await go(a, '#/');
  await a.locator('#away-btn').click();
  await a.locator('dialog[open]').waitFor();
  await englishOnly(a, 'away', NAMES);
  await a.keyboard.press('Escape');
});

test('Dansk brings Danish back', async () => {
  const a = anna.page;
  await a.getByRole('button', { name: 'Settings' }).click();
  await Promise.all([
    a.waitForEvent('load'),
    a.locator('#lang-select').selectOption('da'),
  ]);
  await a.locator('#conn[data-state="open"]').waitFor();
  assert.ok(await a.getByRole('button', { name: 'Log ud' }).isVisible());
  assert.equal(await a.evaluate(() => document.documentElement.lang), 'da');
});
