// harness.mjs - shared machinery for the browser tests of the Indgang web clients.
//
// startWorld() makes a throwaway world like the end-to-end tests do
// (tests/e2e/harness.py): a test CA and server certificate from
// certs/make-dev-certs.sh, a database from `indgang-admin init` + `import -`,
// and a running `indgang --web clients/web` on a free port, ready when it logs
// "listening on".  launch() starts Debian's headless chromium through
// playwright-core.  Helpers: staff sign-in, family enrolment, axe-core,
// screenshots into the artefacts folder.
//
// Environment: INDGANG_BIN, INDGANG_ADMIN (binaries; default build/ of the
// source tree), INDGANG_SRC (source tree; default two levels up),
// INDGANG_ARTEFACTS (screenshots; default tests/browser/artefacts),
// CHROMIUM (default /usr/bin/chromium), INDGANG_BROWSER_KEEP=1 keeps the
// temporary folder with the database and gateway.log.

import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export const SRC = process.env.INDGANG_SRC || path.resolve(here, '..', '..', '..');
export const BIN = process.env.INDGANG_BIN || path.join(SRC, 'build', 'indgang');
export const ADMIN = process.env.INDGANG_ADMIN || path.join(SRC, 'build', 'indgang-admin');
export const WEB = path.join(SRC, 'clients', 'web');
export const ARTEFACTS = process.env.INDGANG_ARTEFACTS || path.join(here, '..', 'artefacts');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export const PASSWORDS = {
  admin: 'admin-kodeord-1',
  anna: 'anna-kodeord-1',
  bo: 'bo-kodeord-12',
  carl: 'carl-kodeord-1',
  dora: 'dora-kodeord-1',
  erik: 'erik-kodeord-1',
};

const staff = (username, name) => ({ username, name, password: PASSWORDS[username] });

export const WORLD_DOC = {
  admins: [staff('admin', 'Ida Admin')],
  teams: [
    { name: 'Team Øst', staff: [staff('anna', 'Anna Jensen'), staff('bo', 'Bo Nielsen'), staff('carl', 'Carl Sundhed')] },
    { name: 'Team Vest', staff: [staff('dora', 'Dora Madsen'), staff('erik', 'Erik Holm')] },
  ],
  families: [
    {
      name: 'Familien Hansen', team: 'Team Øst', primary: 'anna', secondary: 'bo',
      members: [{ name: 'Mette Hansen' }, { name: 'Jonas Hansen' }],
    },
    { name: 'Familien Ali', team: 'Team Vest', primary: 'dora', secondary: 'erik', members: [{ name: 'Amina Ali' }] },
  ],
};

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// A world: certificates, database, a running gateway.  Call stop() at the end.
// With { push: true } the gateway may send Web Push to a push service on this
// machine (the local one of tests/pushsvc, lib/pushsvc.mjs), trusting the
// world's test CA.  args: more gateway flags (e.g. short sign-in lifetimes).
export async function startWorld({ push = false, args = [] } = {}) {
  for (const b of [BIN, ADMIN]) {
    if (!fs.existsSync(b)) throw new Error(`binary missing: ${b} (build first: cmake --build build)`);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'indgang-browser-'));
  execFileSync('bash', [path.join(SRC, 'certs', 'make-dev-certs.sh'), '--force', tmp], { stdio: 'pipe' });
  const db = path.join(tmp, 'indgang.db');
  execFileSync(ADMIN, ['--db', db, 'init'], { stdio: 'pipe' });
  const out = JSON.parse(
    execFileSync(ADMIN, ['--db', db, 'import', '-'], { input: JSON.stringify(WORLD_DOC), stdio: ['pipe', 'pipe', 'pipe'] }).toString(),
  );
  const ids = {};
  const invites = {};
  ids.admin = out.admins[0].id;
  for (const t of out.teams) for (const s of t.staff) ids[s.username] = s.id;
  const key = { 'Mette Hansen': 'mette', 'Jonas Hansen': 'jonas', 'Amina Ali': 'amina' };
  const fam = {};
  const conv = {};
  for (const f of out.families) {
    const k = f.name === 'Familien Hansen' ? 'A' : 'B';
    fam[k] = f.id;
    conv[k] = f.conversation;
    for (const m of f.members) {
      ids[key[m.name]] = m.id;
      invites[key[m.name]] = m.invite;
    }
  }
  const extra = push
    ? ['--push-hosts', '127.0.0.1', '--push-allow-private', 'yes', '--push-ca-file', path.join(tmp, 'ca.pem'),
       // every message told of: these tests are about what a notification does,
       // e2e 61 about how often one comes
       '--push-renotify-minutes', '0']
    : [];
  extra.push(...args);
  const gw = await startGateway(tmp, db, extra);
  const world = {
    tmp, db, ids, invites, fam, conv, gw, spki: spkiOf(path.join(tmp, 'server.pem')),
    url: `https://127.0.0.1:${gw.port}`,
    admin: (...args) => execFileSync(ADMIN, ['--db', db, ...args]).toString(),
    // Stops the gateway (SIGTERM) and starts it again on the same port.
    async restart(downMs = 0) {
      const code = await world.gw.stop();
      if (code !== 0) throw new Error(`gateway exit status ${code} after SIGTERM`);
      await new Promise((r) => setTimeout(r, downMs));
      world.gw = await spawnGateway(tmp, db, world.gw.port, extra);
    },
    // Stops the gateway (SIGTERM) and cleans up; throws when it did not
    // exit cleanly (a crash or a sanitizer report under tests/run.sh).
    async stop() {
      const code = await world.gw.stop();
      const log = world.gw.log();
      if (process.env.INDGANG_BROWSER_KEEP) console.log(`kept ${tmp}`);
      else fs.rmSync(tmp, { recursive: true, force: true });
      if (code !== 0) throw new Error(`gateway exit status ${code} after SIGTERM; stderr tail:\n${log.slice(-3000)}`);
    },
  };
  return world;
}

// The SHA-256 of the server key's SubjectPublicKeyInfo, base64: chromium
// trusts exactly this key with --ignore-certificate-errors-spki-list, so the
// page is a fully secure context (service workers register; with Playwright's
// ignoreHTTPSErrors alone they do not: "An SSL certificate error occurred").
function spkiOf(certFile) {
  const pub = execFileSync('openssl', ['x509', '-in', certFile, '-pubkey', '-noout']);
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pub });
  const dgst = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der });
  return dgst.toString('base64');
}

async function startGateway(tmp, db, extra) {
  // A free port can be taken between probing and binding: try a few.
  let lastErr;
  for (let i = 0; i < 5; i++) {
    const port = await freePort();
    try {
      return await spawnGateway(tmp, db, port, extra);
    } catch (e) {
      lastErr = e;
    }
  }
  throw lastErr;
}

function spawnGateway(tmp, db, port, extra = []) {
  const log = fs.openSync(path.join(tmp, 'gateway.log'), 'a');
  const argv = ['--db', db, '--listen', `127.0.0.1:${port}`, '--cert', path.join(tmp, 'server.pem'),
    '--key', path.join(tmp, 'server-key.pem'), '--web', WEB, ...extra];
  // More flags for one test file, e.g. short session lifetimes (session.test.mjs).
  if (process.env.INDGANG_GATEWAY_ARGS) argv.push(...process.env.INDGANG_GATEWAY_ARGS.split(' '));
  const proc = spawn(BIN, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`gateway did not log 'listening on' within 15 s:\n${stderr}`));
    }, 15000);
    proc.stderr.on('data', (d) => {
      fs.writeSync(log, d);
      stderr += d.toString();
      if (stderr.includes('listening on')) {
        clearTimeout(timer);
        resolve({
          port,
          proc,
          log: () => stderr,
          stop: () =>
            new Promise((res) => {
              if (proc.exitCode !== null || proc.signalCode !== null) return res(proc.exitCode);
              // The gateway waits for idle HTTP keep-alive connections of a
              // browser before it exits (about 8 s): allow for that.
              const kill = setTimeout(() => proc.kill('SIGKILL'), 15000);
              proc.once('exit', (code) => {
                clearTimeout(kill);
                res(code);
              });
              proc.kill('SIGTERM');
            }),
        });
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited (${code}) before listening:\n${stderr}`));
    });
  });
}

// Headless Debian chromium.  With a world, its server key is trusted.
export async function launch(world) {
  const args = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'];
  if (world && world.spki) args.push(`--ignore-certificate-errors-spki-list=${world.spki}`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

export const PHONE = { viewport: { width: 390, height: 780 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
export const LAPTOP = { viewport: { width: 1366, height: 800 } };
export const TABLET = { viewport: { width: 820, height: 1100 }, hasTouch: true };

// A browser context for one person (its own cookies and storage).
export async function person(browser, world, opts = {}) {
  const ctx = await browser.newContext({
    ignoreHTTPSErrors: true, // for page.request (Node side); chromium trusts the key itself
    locale: 'da-DK',
    timezoneId: 'Europe/Copenhagen',
    ...opts,
  });
  const page = await ctx.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/WebSocket|net::ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(m.text())) {
      problems.push(`console: ${m.text()}`);
    }
  });
  page.problems = problems;
  return { ctx, page };
}

export async function staffLogin(page, world, username) {
  await page.goto(`${world.url}/staff/`);
  await page.getByLabel('Brugernavn').fill(username);
  await page.getByLabel('Adgangskode', { exact: true }).fill(PASSWORDS[username]);
  await page.getByRole('button', { name: 'Log ind' }).click();
  await page.locator('#conn[data-state="open"]').waitFor();
}

export async function familyEnrol(page, world, member) {
  await page.goto(`${world.url}/family/#code=${world.invites[member]}`);
  await page.locator('#enrol-submit').click();
  await page.locator('#chat-view:not([hidden])').waitFor();
  await page.locator('html[data-conn="open"]').waitFor();
}

// Runs axe-core on the page (WCAG 2.0/2.1 A and AA rules plus best
// practice) and returns the serious and critical violations.  The page's CSP
// forbids inline scripts, so axe's source goes in through evaluate() (the
// DevTools protocol), not a <script> tag.
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export async function axe(page) {
  const has = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!has) await page.evaluate(axeSource);
  const res = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }),
  );
  return res.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 5).map((n) => n.target.join(' ')).join('\n    ')}`);
}

export async function shot(page, name) {
  fs.mkdirSync(ARTEFACTS, { recursive: true });
  const file = path.join(ARTEFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

// The staff client's pure functions under node:test, without a page to load
// its language file: its strings in `code` (Danish behind them, as in the
// client).
export async function staffLanguage(code = 'da') {
  const { useStrings } = await import(pathToFileURL(path.join(WEB, 'staff', 'i18n.js')));
  const read = (c) => JSON.parse(fs.readFileSync(path.join(WEB, 'staff', 'lang', `${c}.json`), 'utf8'));
  useStrings(code, read(code), read('da'));
}

