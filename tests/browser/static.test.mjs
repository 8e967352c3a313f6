// static.test.mjs - checks on the files of clients/web that need no browser:
// the vendored QR encoder is byte for byte the npm package pinned here; the
// pages obey the gateway's Content-Security-Policy (no inline script or
// style, no eval); nothing refers to another origin; every file has a type
// the gateway serves; every language file has the keys and placeholders of
// da.json and is wired into the picker and the offline shell; the offline
// shell holds every module; and the gateway serves the pages with its
// security headers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { WEB, startWorld } from './lib/harness.mjs';

const require = createRequire(import.meta.url);

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? walk(p) : [p];
  });
}
const files = walk(WEB);
const rel = (f) => path.relative(WEB, f);
const ours = files.filter((f) => !rel(f).startsWith('vendor'));

test('the vendored uqr is the npm package, unchanged, with its licence', () => {
  const pkg = path.join(path.dirname(require.resolve('uqr')), '..'); // .../node_modules/uqr
  const version = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')).version;
  assert.ok(fs.readFileSync(path.join(WEB, 'vendor', 'uqr', 'README.txt'), 'utf8').startsWith(`uqr ${version} `));
  assert.ok(fs.readFileSync(path.join(pkg, 'dist', 'index.mjs')).equals(fs.readFileSync(path.join(WEB, 'vendor', 'uqr', 'uqr.mjs'))));
  assert.match(fs.readFileSync(path.join(WEB, 'vendor', 'uqr', 'LICENSE.txt'), 'utf8'), /MIT License/);
});

test('every file has a type the gateway serves, and no name starts with a dot', () => {
  const served = /\.(html|js|mjs|css|json|webmanifest|svg|png|ico|woff2|txt)$/;
  for (const f of files) {
    if (path.basename(f) === 'README.md') continue; // documentation, not served
    assert.match(rel(f), served, rel(f));
    assert.ok(!rel(f).split(path.sep).some((s) => s.startsWith('.')), rel(f));
  }
});

test('no inline script, inline style or eval: the CSP holds', () => {
  for (const f of ours.filter((x) => x.endsWith('.html'))) {
    const s = fs.readFileSync(f, 'utf8');
    for (const m of s.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
      assert.match(m[1], /\bsrc=/, `${rel(f)}: inline <script>`);
      assert.equal(m[2].trim(), '', `${rel(f)}: script with content`);
    }
    assert.doesNotMatch(s, /<style\b/, `${rel(f)}: <style> block`);
    assert.doesNotMatch(s, /\sstyle=/, `${rel(f)}: style attribute`);
    assert.doesNotMatch(s, /\son[a-z]+=/, `${rel(f)}: inline event handler`);
  }
  for (const f of ours.filter((x) => /\.(m?js)$/.test(x))) {
    const s = fs.readFileSync(f, 'utf8');
    assert.doesNotMatch(s, /\beval\(|new Function\(|\.innerHTML\s*=|insertAdjacentHTML|setAttribute\('style'/, rel(f));
  }
});

// A lost brace does not fail loudly: the browser drops every rule after it
// (a merge once left the staff client unstyled that way).
test('every style sheet closes each block it opens', () => {
  for (const f of ours.filter((x) => x.endsWith('.css'))) {
    const s = fs.readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/"[^"\n]*"|'[^'\n]*'/g, '""');
    let depth = 0;
    for (const [i, c] of [...s].entries()) {
      if (c === '{') depth += 1;
      else if (c === '}') depth -= 1;
      assert.ok(depth >= 0, `${rel(f)}: a } without its { (near character ${i})`);
      // Rules nest only inside @media/@supports/@layer blocks here: never three deep.
      assert.ok(depth <= 2, `${rel(f)}: blocks three deep: a } is missing before character ${i}`);
    }
    assert.equal(depth, 0, `${rel(f)}: a { is never closed`);
  }
});

test('nothing is loaded from another origin', () => {
  for (const f of files.filter((x) => /\.(html|m?js|css|json|webmanifest|svg)$/.test(x))) {
    const s = fs.readFileSync(f, 'utf8');
    for (const m of s.matchAll(/(?:src|href|url)\s*[=(]\s*["']?((?:https?:)?\/\/[^"')\s]+)/g)) {
      if (m[1].startsWith('http://www.w3.org/')) continue; // XML namespaces, not loads
      assert.fail(`${rel(f)} refers to ${m[1]}`);
    }
    for (const m of s.matchAll(/(?:import|fetch)\s*\(?\s*["'`]((?:https?:)?\/\/[^"'`]+)/g)) assert.fail(`${rel(f)} loads ${m[1]}`);
  }
});

// The language files are read from the folder, so a new language is checked
// the moment its file exists.
const LANG_DIR = path.join(WEB, 'family', 'lang');
const langFiles = fs.readdirSync(LANG_DIR).filter((f) => f.endsWith('.json')).sort();
const { LANGUAGES } = await import(pathToFileURL(path.join(WEB, 'family', 'i18n.js')));

test('every language has every string', () => {
  const langs = Object.fromEntries(langFiles.map((f) => [f, JSON.parse(fs.readFileSync(path.join(LANG_DIR, f), 'utf8'))]));
  const da = langs['da.json'];
  const keys = Object.keys(da).sort();
  const holes = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const [f, d] of Object.entries(langs)) {
    assert.deepEqual(Object.keys(d).sort(), keys, f);
    for (const [k, v] of Object.entries(d)) {
      assert.ok(typeof v === 'string' && v.trim(), `${f}: ${k} is empty`);
      // {name}, {n} … stay as they are: a translated placeholder is never filled in.
      assert.deepEqual(holes(v), holes(da[k]), `${f}: ${k} has other placeholders than da.json`);
    }
  }
  // Every key the code asks for exists.
  const used = new Set();
  const family = fs.readdirSync(path.join(WEB, 'family')).filter((f) => /\.(js|html)$/.test(f)).map((f) => `family/${f}`);
  for (const f of family) {
    const s = fs.readFileSync(path.join(WEB, f), 'utf8');
    for (const m of s.matchAll(/\bt\('([a-z_]+\.[a-z_]+)'/g)) used.add(m[1]);
    for (const m of s.matchAll(/data-i18n(?:-placeholder|-aria-label)?="([a-z_.]+)"/g)) used.add(m[1]);
  }
  assert.ok(used.size > 50, `found only ${used.size} keys in use`);
  for (const k of used) assert.ok(keys.includes(k), `missing string ${k}`);
});

test('the family app offers Danish, English, Arabic, Somali, Turkish, Ukrainian and Farsi', () => {
  assert.deepEqual(LANGUAGES.map((l) => l.code), ['da', 'en', 'ar', 'so', 'tr', 'uk', 'fa']);
});

test('every language file is wired: in the picker, in the offline shell, right-to-left when its script is', () => {
  const codes = langFiles.map((f) => f.replace(/\.json$/, ''));
  assert.deepEqual(LANGUAGES.map((l) => l.code).sort(), codes, 'LANGUAGES in family/i18n.js lists every file in family/lang/');
  const sw = fs.readFileSync(path.join(WEB, 'family', 'sw.js'), 'utf8');
  const shell = [...sw.matchAll(/'(\/family\/lang\/[^']+)'/g)].map((m) => m[1]).sort();
  assert.deepEqual(shell, codes.map((c) => `/family/lang/${c}.json`).sort(), 'SHELL in family/sw.js keeps every language for offline use');
  for (const l of LANGUAGES) {
    const strings = JSON.parse(fs.readFileSync(path.join(LANG_DIR, `${l.code}.json`), 'utf8'));
    assert.equal(strings._language, l.name, `${l.code}: the picker's name is the file's _language`);
    const rtlScript = /[\p{Script=Arabic}\p{Script=Hebrew}]/u.test(strings['chat.title']);
    assert.equal(l.dir, rtlScript ? 'rtl' : 'ltr', `${l.code}: dir`);
    assert.doesNotThrow(() => new Intl.DateTimeFormat(l.locale), `${l.code}: locale ${l.locale}`);
  }
});

// The staff client: Danish and English from the same mechanism (issue 15).
const STAFF_LANG = path.join(WEB, 'staff', 'lang');
const staffLang = (code) => JSON.parse(fs.readFileSync(path.join(STAFF_LANG, `${code}.json`), 'utf8'));
const staffFiles = fs.readdirSync(path.join(WEB, 'staff')).filter((f) => /\.(js|html)$/.test(f));
const staffSource = (f) => fs.readFileSync(path.join(WEB, 'staff', f), 'utf8');

test('the staff client has every string in Danish and English', async () => {
  const { LANGUAGES: STAFF } = await import(pathToFileURL(path.join(WEB, 'staff', 'i18n.js')));
  assert.deepEqual(STAFF.map((l) => l.code), ['da', 'en']);
  assert.deepEqual(fs.readdirSync(STAFF_LANG).filter((f) => f.endsWith('.json')).sort(), ['da.json', 'en.json']);
  const da = staffLang('da');
  const en = staffLang('en');
  assert.deepEqual(Object.keys(en).sort(), Object.keys(da).sort(), 'en.json has the keys of da.json, no more');
  const holes = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const [k, v] of Object.entries(da)) {
    for (const [code, d] of [['da', da], ['en', en]]) {
      assert.ok(typeof d[k] === 'string' && d[k].trim(), `${code}: ${k} is empty`);
    }
    assert.deepEqual(holes(en[k]), holes(v), `en: ${k} has other placeholders than da.json`);
  }
  for (const l of STAFF) assert.equal(staffLang(l.code)._language, l.name, `${l.code}: the picker's name`);
  // Every key the code asks for exists (keys made at run time, t(`log.kind_${k}`),
  // are checked by the browser tests that show them).
  const used = new Set();
  for (const f of staffFiles) {
    const s = staffSource(f);
    for (const m of s.matchAll(/\bt\('([a-z0-9_]+\.[a-z0-9_]+)'/g)) used.add(m[1]);
    for (const m of s.matchAll(/data-i18n(?:-placeholder|-aria-label|-title)?="([a-z0-9_.]+)"/g)) used.add(m[1]);
  }
  assert.ok(used.size > 300, `found only ${used.size} keys in use`);
  for (const k of used) assert.ok(k in da, `missing string ${k} (used in the staff client)`);
});

test('the staff client writes no Danish of its own outside its language files', () => {
  // Comments may be Danish; string literals and template literals may not.
  const danish = /[æøåÆØÅ]/;
  for (const f of staffFiles.filter((x) => x.endsWith('.js'))) {
    const code = staffSource(f)
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .split('\n')
      .map((line) => line.replace(/(^|\s)\/\/.*$/, ''))
      .join('\n');
    for (const m of code.matchAll(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g)) {
      assert.ok(!danish.test(m[0]), `staff/${f}: ${m[0].slice(0, 80)} belongs in staff/lang/`);
    }
  }
});

test('the offline shell holds every module the family app imports', () => {
  const sw = fs.readFileSync(path.join(WEB, 'family', 'sw.js'), 'utf8');
  const shell = new Set([...sw.matchAll(/'(\/[^']+)'/g)].map((m) => m[1]));
  const seen = new Set();
  const visit = (url) => {
    if (seen.has(url)) return;
    seen.add(url);
    assert.ok(shell.has(url), `${url} is imported by the family app but not in SHELL (family/sw.js): the app would not open offline`);
    const src = fs.readFileSync(path.join(WEB, url), 'utf8');
    for (const m of src.matchAll(/^\s*import\b[^'"]*['"]([^'"]+)['"]/gm)) visit(new URL(m[1], `https://x${url}`).pathname);
  };
  visit('/family/family.js');
  assert.ok(seen.has('/shared/protocol.js') && seen.has('/family/i18n.js'), 'the imports were followed');
});

test('the gateway serves the clients with its CSP and security headers', async () => {
  const world = await startWorld();
  try {
    const https = await import('node:https');
    const ca = fs.readFileSync(path.join(world.tmp, 'ca.pem'));
    const head = (p) =>
      new Promise((resolve, reject) => {
        https.get(`${world.url}${p}`, { ca, agent: false }, (r) => {
          r.resume();
          resolve(r);
        }).on('error', reject);
      });
    // The service workers (and what they import) are plain files: a worker's scope is its
    // own folder (/family/, /staff/), so no Service-Worker-Allowed header is needed.
    for (const p of ['/', '/staff/', '/family/', '/family/sw.js', '/staff/sw.js', '/shared/sw-notify.js',
      '/family/manifest.webmanifest', '/vendor/uqr/uqr.mjs']) {
      const r = await head(p);
      assert.equal(r.statusCode, 200, p);
      assert.match(r.headers['content-security-policy'], /^default-src 'self'; script-src 'self'; style-src 'self'/, p);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', p);
      if (p.endsWith('.js')) assert.match(r.headers['content-type'], /^text\/javascript/, p);
    }
  } finally {
    await world.stop();
  }
});
