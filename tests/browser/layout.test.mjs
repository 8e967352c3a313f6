// layout.test.mjs - the staff client on a laptop (issue 15): "usable on a
// 1366×768 laptop at 100 % zoom: at least 5 average messages visible with the
// composer (collapse it until focused), no page scroll into blank space".
//
// A conversation of 20 messages of about 120 characters (one or two lines),
// seeded through the gateway by the family (Mette, on her phone) and her
// adviser (Anna, whose page is measured: her own messages carry the extra
// delivery line, the taller case), ending with a family message so the
// "Skal besvares" line is shown too.  At 1366×768, 1280×720 and 1920×1080,
// and at 1366×635, what a 1366×768 laptop's browser leaves the page once
// the taskbar and the browser's own bars have their share:
// the reply box is one line until it is used; the page itself never scrolls
// (the message list does); at least 5 messages lie wholly inside the list's
// visible area; with the reply box focused it is expanded (the mode hint, the
// help, three lines to write in) and still at least 3; empty and left, it
// is one line again.  A screenshot of each state goes to the artefacts folder
// (staff-layout-WxH.png, staff-layout-WxH-composer.png); the counts are
// printed as test diagnostics.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, launch, person, staffLogin, familyEnrol, shot, axe, PHONE } from './lib/harness.mjs';

const SIZES = [
  { width: 1366, height: 768 },
  // The same laptop's screen less what Windows and the browser take: the
  // taskbar (48 px on Windows 11) and Chrome's or Edge's tab strip and
  // toolbar (85 px): the page gets 1366×635.
  { width: 1366, height: 635 },
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
];

// What the family and the adviser write: everyday messages of 117-125
// characters (their average is checked below, so the seed stays honest).
const FAMILY = [
  'Hej Anna. Jonas har haft en svær uge i skolen, og lærerne har ringet to gange. Kan vi tale om det, før mødet på fredag?',
  'Tak for svaret. Vi kan godt komme fredag, men Jonas har fodbold til kl. 15. Kan vi mødes lidt senere, måske kl. 15.30?',
  'Jeg har fået et brev fra kommunen om boligstøtten, og jeg forstår ikke, hvad de mener. Må jeg tage det med på fredag?',
  'Ja, tolken er en god idé. Min mand forstår det meste, men han vil gerne have det hele på arabisk, når det er noget vigtigt.',
  'Skolen siger, at Jonas skal til en samtale med psykologen. Skal vi sige ja til det, eller skal vi vente til efter mødet?',
  'Det lyder fint. Jonas er lidt nervøs for det, men jeg har sagt til ham, at du også er der. Han kan godt lide at tale med dig.',
  'Undskyld jeg skriver igen. Jeg kan ikke finde brevet fra boligkontoret nu. Kan du måske få en kopi af det til os før fredag?',
  'Mange tak for hjælpen, Anna. Vi ses på fredag kl. 15.30. Jeg tager Jonas med, og min mand kommer direkte fra arbejdet.',
  'Jeg glemte at sige, at lillesøster også skal med, fordi der ikke er nogen til at passe hende. Er det i orden, at hun er med?',
  'Hej igen. Psykologen har ringet og tilbudt en tid på tirsdag kl. 9. Jeg har sagt ja, men kan du også være med den dag?',
];
const ADVISER = [
  'Hej Mette og Jonas. Velkommen til Indgang. Her kan I skrive til Bo og mig, når I har brug for det, også om små ting.',
  'Hej Mette. Tak fordi du skriver. Ja, lad os tage det på fredag. Jeg ringer også til klasselæreren i morgen og hører nærmere.',
  'Kl. 15.30 passer fint. Jeg booker lokalet på Sundhedshuset. Skal vi have en tolk med, så din mand også kan følge med?',
  'Ja, tag det endelig med. Boligstøtten kan vi godt finde ud af sammen, og jeg kan ringe til borgerservice, mens I er der.',
  'Jeg har bestilt en arabisk tolk til fredag. Hun hedder Samira og kommer ti minutter før, så hun kan hilse på jer først.',
  'Jeg synes, I skal sige ja. Psykologen er god til børn på Jonas alder, og det er frivilligt. Vi kan tale mere om det fredag.',
  'Det er dejligt at høre. Sig til Jonas, at vi bare skal snakke om, hvordan skolen kan hjælpe ham. Ingen skal skælde ham ud.',
  'Jeg har skrevet til boligkontoret og bedt om en kopi. De sender den til mig, og så tager jeg den med til mødet på fredag.',
  'Godt. Husk sygesikringskortet til Jonas, hvis psykologen vil have det. Ellers skal I ikke have andet med end brevene.',
  'Selvfølgelig må hun være med. Vi har legetøj i mødelokalet, og Carl fra teamet kan lege med hende, mens vi taler sammen.',
];

let world;
let browser;
let anna;
let mette;

before(async () => {
  world = await startWorld();
  browser = await launch(world);
  mette = await person(browser, world, PHONE);
  anna = await person(browser, world, { viewport: SIZES[0] });
  await familyEnrol(mette.page, world, 'mette');
  await staffLogin(anna.page, world, 'anna');
  // Through the gateway, as each of them: a WebSocket of their own beside
  // the app's, signed in by the page's cookie.  Adviser first, the family
  // last (so the conversation waits for an answer).
  await Promise.all([opened(mette.page), opened(anna.page)]);
  for (let i = 0; i < ADVISER.length; i++) {
    await say(anna.page, ADVISER[i], `a${i}`);
    await say(mette.page, FAMILY[i], `f${i}`);
  }
});

after(async () => {
  await browser?.close();
  await world?.stop();
});

async function opened(page) {
  await page.evaluate(() => new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://${location.host}/ws`, 'indgang.v1');
    const waiting = new Map();
    window.seedSocket = { ws, waiting };
    ws.addEventListener('message', (e) => {
      const f = JSON.parse(e.data);
      if (f.type === 'welcome') resolve();
      const w = f.ref && waiting.get(f.ref);
      if (w) {
        waiting.delete(f.ref);
        w(f);
      }
    });
    ws.addEventListener('error', () => reject(new Error('seed socket failed')));
  }));
}

async function say(page, body, id) {
  const f = await page.evaluate(({ conv, body, id }) => new Promise((resolve) => {
    const { ws, waiting } = window.seedSocket;
    waiting.set(`seed-${id}`, resolve);
    ws.send(JSON.stringify({ type: 'send', ref: `seed-${id}`, conv, client_id: `seed-${id}`, body, kind: 'text' }));
  }), { conv: world.conv.A, body, id });
  assert.equal(f.type, 'ack', `seeded message ${id}: ${JSON.stringify(f)}`);
}

test('the seed: 20 messages of about 120 characters', () => {
  const all = [...FAMILY, ...ADVISER];
  assert.equal(all.length, 20);
  const avg = all.reduce((n, s) => n + [...s].length, 0) / all.length;
  assert.ok(avg >= 115 && avg <= 125, `average length ${avg}`);
});

// The page's layout as numbers: how many messages lie wholly inside the
// message list's visible area, whether the page scrolls, the reply box.
function measure(page) {
  return page.evaluate(() => {
    const sc = document.getElementById('scroller');
    const r = sc.getBoundingClientRect();
    const top = r.top + sc.clientTop;
    const bottom = top + sc.clientHeight;
    const msgs = [...document.querySelectorAll('#msgs .msg')];
    const inside = msgs.filter((m) => {
      const b = m.getBoundingClientRect();
      return b.height > 0 && b.top >= top - 0.5 && b.bottom <= bottom + 0.5;
    });
    const body = document.getElementById('body');
    const se = document.scrollingElement;
    return {
      visible: inside.length,
      total: msgs.length,
      listHeight: Math.round(sc.clientHeight),
      atBottom: sc.scrollHeight - sc.scrollTop - sc.clientHeight < 2,
      pageScroll: se.scrollHeight - innerHeight,
      pageScrollX: se.scrollWidth - innerWidth,
      composer: Math.round(document.getElementById('composer').getBoundingClientRect().height),
      bodyHeight: Math.round(body.getBoundingClientRect().height),
      collapsed: document.getElementById('composer').classList.contains('collapsed'),
      hintShown: document.getElementById('mode-hint').getClientRects().length > 0,
      avgHeight: Math.round(inside.reduce((n, m) => n + m.getBoundingClientRect().height, 0) / (inside.length || 1)),
    };
  });
}

for (const size of SIZES) {
  const name = `${size.width}x${size.height}`;
  test(`at ${name}: at least 5 messages with the reply box collapsed, 3 with it open, and no page scroll`, async (t) => {
    const a = anna.page;
    await a.setViewportSize(size);
    await a.evaluate(() => {
      location.hash = '#/';
    });
    const conv = a.locator('#pair-list a.fam-conv', { hasText: 'Hele familien' });
    await conv.click();
    await a.locator('.msg', { hasText: FAMILY.at(-1).slice(0, 40) }).waitFor();
    await a.locator('.msg.mine .msg-state', { hasText: /Leveret|læst/ }).first().waitFor();
    await a.locator('#conv-state .need-tag').waitFor();
    await a.waitForFunction(() => {
      const sc = document.getElementById('scroller');
      return sc.scrollHeight - sc.scrollTop - sc.clientHeight < 2;
    });

    // Arriving: the reply box is one line (the caret may wait in it).
    const closed = await measure(a);
    t.diagnostic(`${name} collapsed: ${JSON.stringify(closed)}`);
    await shot(a, `staff-layout-${name}`);
    assert.equal(closed.total, 21, 'the 20 messages and the enrolment notice');
    assert.ok(closed.collapsed, 'the reply box is collapsed');
    assert.equal(closed.hintShown, false, 'no mode hint while collapsed');
    assert.ok(closed.bodyHeight <= 48, `one line to write in (${closed.bodyHeight} px)`);
    assert.ok(closed.atBottom, 'the list shows the newest');
    assert.ok(closed.pageScroll <= 0, `the page itself does not scroll (${closed.pageScroll} px too tall)`);
    assert.ok(closed.pageScrollX <= 0, `nor sideways (${closed.pageScrollX} px too wide)`);
    assert.ok(closed.visible >= 5, `at least 5 whole messages visible, got ${closed.visible}`);

    // Focused: the whole reply box, still at least 3 messages.
    await a.locator('#body').click();
    await a.keyboard.type('Hej Mette');
    const open = await measure(a);
    t.diagnostic(`${name} composer open: ${JSON.stringify(open)}`);
    await shot(a, `staff-layout-${name}-composer`);
    assert.equal(open.collapsed, false, 'expanded when focused');
    assert.ok(open.hintShown, 'the mode hint shows');
    assert.ok(open.bodyHeight >= 60, `several lines to write in (${open.bodyHeight} px)`);
    assert.ok(open.composer > closed.composer, 'taller than collapsed');
    assert.ok(open.pageScroll <= 0, `the page itself does not scroll (${open.pageScroll} px too tall)`);
    assert.ok(open.visible >= 3, `at least 3 whole messages visible, got ${open.visible}`);
    assert.ok(await a.getByRole('button', { name: 'Vedhæft fil' }).isVisible());
    assert.ok(await a.getByRole('button', { name: 'Send senere' }).isVisible());

    // A draft keeps it open when the focus leaves; empty and left, it closes.
    await a.locator('#scroller').focus();
    assert.equal((await measure(a)).collapsed, false, 'a draft keeps it open');
    await a.locator('#body').fill('');
    await a.locator('#scroller').focus();
    await a.waitForFunction(() => document.getElementById('composer').classList.contains('collapsed'));
    const again = await measure(a);
    assert.ok(again.visible >= 5, `collapsed again: ${again.visible} messages`);
    if (size.width === 1366) {
      const v = await axe(a);
      assert.deepEqual(v, [], `axe-core found serious/critical violations:\n${v.join('\n')}`);
    }
  });
}

test('nothing went wrong on the pages', () => {
  assert.deepEqual(anna.page.problems, []);
  assert.deepEqual(mette.page.problems, []);
});
