// static.test.mjs - checks on the files of clients/web that need no browser:
// the vendored QR encoder is byte for byte the npm package pinned here; the
// pages obey the gateway's Content-Security-Policy (no inline script or
// style, no eval); nothing refers to another origin; every file has a type
// the gateway serves; every language file has the same keys; and the gateway
// serves the pages with its security headers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
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

test('every language has every string', () => {
  const dir = path.join(WEB, 'family', 'lang');
  const langs = Object.fromEntries(fs.readdirSync(dir).map((f) => [f, JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))]));
  const keys = Object.keys(langs['da.json']).sort();
  for (const [f, d] of Object.entries(langs)) {
    assert.deepEqual(Object.keys(d).sort(), keys, f);
    for (const [k, v] of Object.entries(d)) assert.ok(typeof v === 'string' && v.trim(), `${f}: ${k} is empty`);
  }
  // Every key the code asks for exists.
  const used = new Set();
  const family = fs.readdirSync(path.join(WEB, 'family')).filter((f) => /\.(js|html)$/.test(f)).map((f) => `family/${f}`);
  for (const f of family) {
    const s = fs.readFileSync(path.join(WEB, f), 'utf8');
    for (const m of s.matchAll(/\bt\('([a-z_]+\.[a-z_]+)'/g)) used.add(m[1]);
    for (const m of s.matchAll(/data-i18n(?:-placeholder|-aria-label)?="([a-z_.]+)"/g)) used.add(m[1]);
  }
  for (const k of used) assert.ok(keys.includes(k), `missing string ${k}`);
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
