// a11y.test.mjs - every main screen through axe-core (WCAG 2.1 A/AA and best
// practice: zero serious or critical violations), languages (Danish by
// default, the phone's language when we have it, Arabic and Farsi
// right-to-left, a manual switch that sticks), no request to any other
// origin, and a screenshot of each screen for a person to look at.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, launch, person, staffLogin, familyEnrol, axe, shot, LAPTOP, PHONE } from './lib/harness.mjs';

let world;
let browser;
const foreign = [];

before(async () => {
  world = await startWorld();
  browser = await launch(world);
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

async function open(opts, locale = 'da-DK') {
  const p = await person(browser, world, { ...opts, locale });
  p.page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(world.url) && !u.startsWith('data:') && !u.startsWith('wss://127.0.0.1')) foreign.push(u);
  });
  return p;
}

async function check(page, name) {
  await shot(page, name);
  const v = await axe(page);
  assert.deepEqual(v, [], `${name}: axe-core found serious/critical violations:\n${v.join('\n')}`);
}

let staff;
let fam;

test('landing page', async () => {
  const { page } = await open(LAPTOP);
  await page.goto(`${world.url}/`);
  await check(page, 'landing-laptop');
  await page.getByRole('link', { name: /Familie/ }).waitFor();
  await page.getByRole('link', { name: /Medarbejder/ }).waitFor();
});

test('staff: login, caseload, conversation with a note, contact log, family tools', async () => {
  staff = await open(LAPTOP);
  const s = staff.page;
  await s.goto(`${world.url}/staff/`);
  await s.locator('#login-view:not([hidden])').waitFor();
  await check(s, 'a11y-staff-login');
  // Wrong password: a human message, not a stack trace.
  await s.getByLabel('Brugernavn').fill('anna');
  await s.getByLabel('Adgangskode', { exact: true }).fill('forkert');
  await s.getByRole('button', { name: 'Log ind' }).click();
  await s.getByText('Forkert brugernavn eller adgangskode.').waitFor();
  await staffLogin(s, world, 'anna');
  await check(s, 'a11y-staff-caseload');
  fam = await open(PHONE);
  await familyEnrol(fam.page, world, 'mette');
  await fam.page.locator('#body').fill('Hej, hvornår er næste møde?');
  await fam.page.getByRole('button', { name: 'Send' }).click();
  await s.getByRole('link', { name: /Hele familien/ }).first().click();
  await s.locator('.msg', { hasText: 'næste møde' }).waitFor();
  await s.locator('#body').fill('Torsdag kl. 10 hos jer.');
  await s.locator('#body').press('Enter');
  await s.locator('label[for="kind-note"]').click();
  await s.locator('#body').fill('Husk tolk til mødet.');
  await s.locator('#body').press('Enter');
  await s.locator('.msg.note').waitFor();
  await s.locator('.msg.mine .msg-state').first().waitFor();
  await check(s, 'a11y-staff-conversation');
  await s.getByRole('link', { name: 'Kontaktlog' }).click();
  await s.waitForFunction(() => /hændelse/.test(document.querySelector('#log-caption').textContent));
  await check(s, 'a11y-staff-contact-log');
  await s.getByRole('link', { name: 'Familie', exact: true }).click();
  await s.getByRole('button', { name: 'Lav invitationskode til Jonas Hansen' }).click();
  await s.locator('#invite-result svg').waitFor();
  await s.locator('#device-body tr').first().waitFor(); // Mette's phone
  await check(s, 'a11y-staff-family-tools');
  // The family's phones, with the confirm step open.
  await s.getByRole('button', { name: /^Tilbagekald .* fra Mette Hansen$/ }).click();
  await s.locator('#revoke-yes:focus').waitFor();
  await s.locator('#revoke').scrollIntoViewIfNeeded();
  await check(s, 'a11y-staff-devices-confirm');
  await s.getByRole('button', { name: 'Fortryd' }).click();
  assert.equal(await s.locator('#revoke-confirm').isVisible(), false);
});

test('family: enrolment, chat and menu in Danish (the default)', async () => {
  const { page } = await open(PHONE, 'de-DE'); // a language we do not have: Danish
  await page.goto(`${world.url}/family/`);
  await page.locator('#enrol-view:not([hidden])').waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'da');
  // A wrong code: a human message.
  await page.getByLabel('Din kode').fill('AAAAA-BBBBB');
  await page.getByRole('button', { name: 'Kom i gang' }).click();
  await page.getByText('Den kode kender vi ikke').waitFor();
  await check(page, 'a11y-family-enrol');
  // The right code, typed carelessly (lower case, spaces): it still works.
  await page.getByLabel('Din kode').fill(` ${world.invites.amina.toLowerCase().replace('-', ' - ')} `);
  await page.getByRole('button', { name: 'Kom i gang' }).click();
  await page.locator('html[data-conn="open"]').waitFor();
  assert.equal(await page.locator('#advisers').textContent(), 'Dora Madsen og Erik Holm');
  // The coordinator (CONV.primary), in words.
  assert.equal(await page.locator('#primary-adviser').textContent(), 'Tovholder: Dora Madsen');
  // When to expect an answer: the team's target (CONV.answer_minutes, one working day).
  assert.equal(await page.locator('#answer-time').textContent(), 'Dine rådgivere svarer normalt inden for en arbejdsdag.');
  const m = fam.page;
  await m.locator('.bubble.theirs', { hasText: 'Torsdag kl. 10' }).waitFor();
  await check(m, 'a11y-family-chat');
  await m.getByRole('button', { name: 'Menu' }).click();
  await m.locator('#menu[open]').waitFor();
  await check(m, 'a11y-family-menu');
  // The member's own phones (one: this phone, marked, nothing to remove).
  await m.getByRole('button', { name: 'Dine telefoner', exact: true }).click();
  await m.locator('#phones-list .phone.this').waitFor();
  await check(m, 'a11y-family-phones');
  await m.getByRole('button', { name: 'Tilbage' }).click();
  await m.locator('#chat-view:not([hidden])').waitFor();
});

test('the phone language is used: English, Somali, Turkish, Ukrainian (axe-core on each new one)', async () => {
  for (const [locale, code, title] of [
    ['en-GB', 'en', 'Welcome to Indgang'],
    ['so-SO', 'so', 'Ku soo dhawoow Indgang'],
    ['tr-TR', 'tr', 'Indgang’a hoş geldiniz'],
    ['uk-UA', 'uk', 'Ласкаво просимо до Indgang'],
  ]) {
    const { page, ctx } = await open(PHONE, locale);
    await page.goto(`${world.url}/family/`);
    await page.getByRole('heading', { name: title }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), code);
    assert.equal(await page.getAttribute('html', 'dir'), 'ltr');
    if (code !== 'en') await check(page, `a11y-family-enrol-${code}`);
    await ctx.close();
  }
});

test('Arabic renders right-to-left, enrolment and chat', async () => {
  const { page } = await open(PHONE, 'ar');
  await page.goto(`${world.url}/family/#code=${world.invites.jonas}`);
  await page.locator('#enrol-view:not([hidden])').waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'ar');
  assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).direction), 'rtl');
  assert.equal(await page.locator('#enrol-view h1').textContent(), 'مرحبًا بك في Indgang');
  await check(page, 'a11y-family-enrol-ar');
  await page.locator('#enrol-submit').click();
  await page.locator('html[data-conn="open"]').waitFor();
  await page.locator('#body').fill('مرحبًا، أحتاج إلى مساعدة في المدرسة.');
  await page.locator('#send').click();
  const mine = page.locator('.bubble.mine').first();
  await mine.locator('.state[data-state="sent"], .state[data-state="read"]').waitFor();
  // In RTL my own messages sit on the left, the header reads from the right.
  const x = await page.evaluate(() => document.querySelector('.bubble.mine').getBoundingClientRect().x);
  assert.ok(x < 60, `own message on the left in RTL (x=${x})`);
  assert.equal(await page.locator('#chat-title').textContent(), 'مستشاراك');
  // The coordinator in Arabic, the Latin name isolated (FSI … PDI).
  assert.equal(await page.locator('#primary-adviser').textContent(), 'جهة الاتصال الرئيسية: \u2068Anna Jensen\u2069');
  await check(page, 'a11y-family-chat-ar');
});

test('Farsi renders right-to-left: enrolment, chat and menu pass axe-core', async () => {
  // A second phone for Jonas, with a code from his adviser.
  const code = await staff.page.evaluate(async (member) => {
    const r = await fetch('/api/invites', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ member }) });
    return (await r.json()).code;
  }, world.ids.jonas);
  const { page } = await open(PHONE, 'fa-IR');
  await page.goto(`${world.url}/family/#code=${code}`);
  await page.locator('#enrol-view:not([hidden])').waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'fa');
  assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).direction), 'rtl');
  assert.equal(await page.locator('#enrol-view h1').textContent(), 'به Indgang خوش آمدید');
  assert.equal(await page.locator('#enrol-view .lang-buttons [aria-pressed="true"]').textContent(), 'فارسی');
  await check(page, 'a11y-family-enrol-fa');
  await page.locator('#enrol-submit').click();
  await page.locator('html[data-conn="open"]').waitFor();
  await page.locator('#body').fill('سلام. شماره من 22 33 44 55 است.');
  await page.locator('#send').click();
  const mine = page.locator('.bubble.mine', { hasText: 'شماره من' });
  await mine.locator('.state[data-state="sent"], .state[data-state="read"]').waitFor();
  // My own message on the left; the number in it is a tel: link, kept left-to-right.
  const x = await mine.evaluate((b) => b.getBoundingClientRect().x);
  assert.ok(x < 60, `own message on the left in RTL (x=${x})`);
  const tel = mine.locator('a[href="tel:+4522334455"]');
  assert.equal(await tel.textContent(), '22 33 44 55');
  assert.equal(await tel.getAttribute('dir'), 'ltr');
  assert.equal(await page.locator('#chat-title').textContent(), 'مشاوران شما');
  assert.equal(await page.locator('#primary-adviser').textContent(), 'رابط اصلی شما: \u2068Anna Jensen\u2069');
  assert.equal(await page.locator('.day-sep').first().textContent(), 'امروز');
  await check(page, 'a11y-family-chat-fa');
  await page.getByRole('button', { name: 'منو' }).click();
  await page.locator('#menu[open]').waitFor();
  await check(page, 'a11y-family-menu-fa');
  assert.deepEqual(page.problems, []);
});

test('a manual language switch sticks across a reload', async () => {
  const m = fam.page;
  await m.getByRole('button', { name: 'Menu' }).click();
  await m.getByRole('button', { name: 'English' }).click();
  await m.locator('html[lang="en"][dir="ltr"]').waitFor();
  await m.keyboard.press('Escape');
  assert.equal(await m.locator('#chat-title').textContent(), 'Your advisers');
  assert.equal(await m.locator('#primary-adviser').textContent(), 'Coordinator: Anna Jensen');
  assert.equal(await m.locator('#answer-time').textContent(), 'Your advisers usually answer within one working day.');
  await m.reload();
  await m.locator('html[data-conn="open"]').waitFor();
  assert.equal(await m.getAttribute('html', 'lang'), 'en');
  await m.getByRole('button', { name: 'Menu' }).click();
  await m.getByRole('button', { name: 'Dansk' }).click();
  await m.locator('html[lang="da"]').waitFor();
});

test('no request ever leaves the gateway origin', () => {
  assert.deepEqual(foreign, []);
});
