// linkify.test.mjs - the links and phone numbers found in message bodies
// (clients/web/shared/linkify.js), in Node without a browser: web addresses
// become http(s) links and phone numbers tel: links, nothing else ever does
// (javascript:, data:, a login in the address), an address ends where a quote,
// a bracket or the sentence's punctuation begins, and the text around a link
// (Danish or Arabic) is kept exactly as it was written.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { WEB } from './lib/harness.mjs';

const { linkParts } = await import(pathToFileURL(path.join(WEB, 'shared', 'linkify.js')));

// The parts, and the check every answer must pass: nothing of the text is
// lost or added, and every link is http(s) or tel: with nothing odd in it.
function parts(text) {
  const p = linkParts(text);
  assert.equal(p.map((x) => x.text).join(''), text, `lossless: ${JSON.stringify(text)}`);
  for (const x of p) {
    if (!x.href) continue;
    assert.match(x.href, /^(https?:\/\/[^\s"'<>`\\]+|tel:\+\d{8,15})$/, `href ${x.href}`);
    assert.ok(x.kind === 'url' || x.kind === 'tel');
  }
  return p;
}
const links = (text) => parts(text).filter((x) => x.href).map((x) => [x.text, x.href]);

test('plain text has no links', () => {
  assert.deepEqual(parts('Hej Anna. Vi ses torsdag kl. 10.30.'), [{ text: 'Hej Anna. Vi ses torsdag kl. 10.30.' }]);
  assert.deepEqual(parts(''), []);
});

test('web addresses become links, the sentence around them stays text', () => {
  assert.deepEqual(parts('Læs mere på https://www.borger.dk/familie og ring.'), [
    { text: 'Læs mere på ' },
    { text: 'https://www.borger.dk/familie', href: 'https://www.borger.dk/familie', kind: 'url' },
    { text: ' og ring.' },
  ]);
  assert.deepEqual(links('http://kk.dk/a?b=1&c=2#top'), [['http://kk.dk/a?b=1&c=2#top', 'http://kk.dk/a?b=1&c=2#top']]);
  assert.deepEqual(links('HTTPS://KK.DK/Side'), [['HTTPS://KK.DK/Side', 'https://kk.dk/Side']]);
  assert.deepEqual(links('se www.borger.dk'), [['www.borger.dk', 'https://www.borger.dk/']]);
  assert.deepEqual(links('to: https://a.dk https://b.dk/x'), [['https://a.dk', 'https://a.dk/'], ['https://b.dk/x', 'https://b.dk/x']]);
  assert.deepEqual(links('https://kk.dk/søg?q=bolig'), [['https://kk.dk/søg?q=bolig', 'https://kk.dk/s%C3%B8g?q=bolig']]);
});

test('punctuation after an address is not part of it; brackets that belong to it are', () => {
  assert.deepEqual(links('Se https://kk.dk/a.'), [['https://kk.dk/a', 'https://kk.dk/a']]);
  assert.deepEqual(links('Se https://kk.dk/a, https://kk.dk/b; https://kk.dk/c!?'), [
    ['https://kk.dk/a', 'https://kk.dk/a'], ['https://kk.dk/b', 'https://kk.dk/b'], ['https://kk.dk/c', 'https://kk.dk/c'],
  ]);
  assert.deepEqual(links('(se https://kk.dk/om)'), [['https://kk.dk/om', 'https://kk.dk/om']]);
  assert.deepEqual(links('https://da.wikipedia.org/wiki/Kommune_(Danmark)'), [
    ['https://da.wikipedia.org/wiki/Kommune_(Danmark)', 'https://da.wikipedia.org/wiki/Kommune_(Danmark)'],
  ]);
  assert.deepEqual(links('«https://kk.dk/x» og "https://kk.dk/y" og ’https://kk.dk/z’…'), [
    ['https://kk.dk/x', 'https://kk.dk/x'], ['https://kk.dk/y', 'https://kk.dk/y'], ['https://kk.dk/z', 'https://kk.dk/z'],
  ]);
  assert.deepEqual(links('<https://kk.dk/x>'), [['https://kk.dk/x', 'https://kk.dk/x']]);
});

test('only http and https: javascript:, data: and the like stay text', () => {
  for (const s of [
    'javascript:alert(1)', 'JaVaScRiPt:alert(document.cookie)', 'javascript://kk.dk/%0aalert(1)',
    'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==', 'vbscript:msgbox(1)', 'file:///etc/passwd',
    'ftp://kk.dk/x', 'mailto:anna@kk.dk', 'tel:javascript:alert(1)', 'x-javascript:https',
  ]) {
    assert.deepEqual(links(s), [], s);
  }
  // An http address inside such a text is linked as itself and nothing more.
  assert.deepEqual(links('javascript:https://kk.dk/x'), [['https://kk.dk/x', 'https://kk.dk/x']]);
  assert.deepEqual(links('blob:https://kk.dk/1'), [['https://kk.dk/1', 'https://kk.dk/1']]);
  assert.deepEqual(links('foohttps://kk.dk/x'), [], 'a scheme glued to a word is not an address');
});

test('hostile addresses: a quote or bracket ends the link, a login in it or no real host gives none', () => {
  assert.deepEqual(parts('https://evil.example"onmouseover=alert(1)'), [
    { text: 'https://evil.example', href: 'https://evil.example/', kind: 'url' },
    { text: '"onmouseover=alert(1)' },
  ]);
  assert.deepEqual(links("https://evil.example/'onclick='x"), [['https://evil.example/', 'https://evil.example/']]);
  assert.deepEqual(links('https://evil.example/<script>alert(1)</script>'), [['https://evil.example/', 'https://evil.example/']]);
  assert.deepEqual(links('https://evil.example/`x`'), [['https://evil.example/', 'https://evil.example/']]);
  // "kk.dk" before an @ is a user name, and the page is evil.example: no link.
  assert.deepEqual(links('https://kk.dk@evil.example/login'), []);
  assert.deepEqual(links('https://anna:kode@kk.dk/'), []);
  for (const s of ['https://', 'https:// kk.dk', 'http://.', 'https://localhost/x', 'https://..', 'www.', 'https://-/']) {
    assert.deepEqual(links(s), [], s);
  }
  // Bidi controls and zero-width characters are never inside a link.
  assert.deepEqual(links('https://kk.dk/a\u202Egnp.exe'), [['https://kk.dk/a', 'https://kk.dk/a']]);
  assert.deepEqual(links('https://kk.dk/a\u200Bb'), [['https://kk.dk/a', 'https://kk.dk/a']]);
});

test('Arabic and Farsi around a link: the text stays, their punctuation is not in the link', () => {
  assert.deepEqual(parts('زوروا https://kk.dk/ar، شكرًا'), [
    { text: 'زوروا ' },
    { text: 'https://kk.dk/ar', href: 'https://kk.dk/ar', kind: 'url' },
    { text: '، شكرًا' },
  ]);
  assert.deepEqual(links('الرابط:https://kk.dk/x؟'), [['https://kk.dk/x', 'https://kk.dk/x']]);
  assert.deepEqual(links('لطفاً https://kk.dk/fa را ببینید.'), [['https://kk.dk/fa', 'https://kk.dk/fa']]);
  assert.deepEqual(links('https://kk.dk/a\u200F مرحبا'), [['https://kk.dk/a', 'https://kk.dk/a']]);
  assert.deepEqual(links('اتصل على 22 33 44 55 من فضلك'), [['22 33 44 55', 'tel:+4522334455']]);
});

test('Danish phone numbers: eight digits (the first 2-9), in pairs or fours, with or without +45', () => {
  assert.deepEqual(parts('Ring på 33 66 33 66.'), [
    { text: 'Ring på ' },
    { text: '33 66 33 66', href: 'tel:+4533663366', kind: 'tel' },
    { text: '.' },
  ]);
  assert.deepEqual(links('22334455'), [['22334455', 'tel:+4522334455']]);
  assert.deepEqual(links('ring 3366 3366 i dag'), [['3366 3366', 'tel:+4533663366']]);
  assert.deepEqual(links('+45 40 50 60 70'), [['+45 40 50 60 70', 'tel:+4540506070']]);
  assert.deepEqual(links('+4522334455'), [['+4522334455', 'tel:+4522334455']]);
  assert.deepEqual(links('(+45 7010 2030)'), [['+45 7010 2030', 'tel:+4570102030']]);
  assert.deepEqual(links('tlf:22334455'), [['22334455', 'tel:+4522334455']]);
  assert.deepEqual(links('22\u00a033\u00a044\u00a055'), [['22\u00a033\u00a044\u00a055', 'tel:+4522334455']]);
  assert.deepEqual(links('Anna: 40 50 60 70, Bo: 41 51 61 71'), [['40 50 60 70', 'tel:+4540506070'], ['41 51 61 71', 'tel:+4541516171']]);
});

test('international numbers: + and the country code', () => {
  assert.deepEqual(links('+46 70 123 45 67'), [['+46 70 123 45 67', 'tel:+46701234567']]);
  assert.deepEqual(links('Min bror: +90 532 123 45 67.'), [['+90 532 123 45 67', 'tel:+905321234567']]);
  assert.deepEqual(links('+252 61 1234567'), [['+252 61 1234567', 'tel:+252611234567']]);
  assert.deepEqual(links('+380 67 123 4567'), [['+380 67 123 4567', 'tel:+380671234567']]);
  assert.deepEqual(links('+98 912 345 6789'), [['+98 912 345 6789', 'tel:+989123456789']]);
});

test('numbers that are not phone numbers stay text', () => {
  for (const s of [
    '223456789', '2234567', '22 34 56 7', '01234567', '12 34 56 78', '10203040', '010190-1234', '0101901234', 'kl. 10.30',
    '42.345.678 kr.', '42345678,50 kr.', 'sag 2024-42345678', 'konto 4234 5678901234', '4 234 567 890', '+45 4050 607',
    '+45 40 50 60 70 80', '+45 1234 5678', '+1', '+12 34', '+0 42345678', '++4542345678', 'abc42345678', '42345678abc',
    'A-42345678', '#42345678', '+1234567890123456789', '+46 70 12',
  ]) {
    assert.deepEqual(links(s), [], s);
  }
  // Digits inside an address belong to the address.
  assert.deepEqual(links('https://kk.dk/sag/42345678'), [['https://kk.dk/sag/42345678', 'https://kk.dk/sag/42345678']]);
});

test('nothing but http(s) and tel: ever comes out, whatever the text', () => {
  // Random texts put together from the hostile pieces above.
  const pieces = ['https://', 'http://', 'www.', 'kk.dk', 'evil.example', '@', '"', "'", '<', '>', ')', '(', '.', ',', ' ',
    'javascript:', 'data:', 'tel:', '+45', '+', '12', '34 ', '5678', '\u202E', '\u200F', 'مرحبا', '،', '/', '?', '#', '%0a', '\n'];
  let seed = 12345;
  const rnd = (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let i = 0; i < 2000; i++) {
    let s = '';
    for (let j = 0, n = 1 + rnd(12); j < n; j++) s += pieces[rnd(pieces.length)];
    parts(s);
  }
});
