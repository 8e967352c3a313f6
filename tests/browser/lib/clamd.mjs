// clamd.mjs - a private clamd for the browser tests of attachments (issue 14),
// started by tests/e2e/clamd.py as the end-to-end tests start theirs: its
// own clamd.conf and a signature database made by sigtool from the EICAR
// test file, in a temp folder, on a Unix socket.  startClamd() -> {socket,
// args, stop()}; args are the gateway's flags (startWorld({args})).  The
// Python process keeps clamd until its stdin closes (stop(), or this process
// ending), and clamd dies with it (PR_SET_PDEATHSIG in clamd.py).
// null when ClamAV is not installed (the caller says SKIP).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { SRC } from './harness.mjs';

const SCRIPT = `
import json, os, sys
sys.path.insert(0, os.path.join(sys.argv[1], "tests", "e2e"))
import clamd
if not clamd.installed():
    print(json.dumps({"skip": "ClamAV is not installed"}), flush=True)
    sys.exit(0)
with clamd.Clamd() as c:
    print(json.dumps({"socket": c.socket}), flush=True)
    sys.stdin.read()  # until the test closes it
`;

export const clamdInstalled = () => fs.existsSync('/usr/sbin/clamd') && fs.existsSync('/usr/bin/sigtool');

export async function startClamd() {
  const proc = spawn('/usr/bin/python3', ['-c', SCRIPT, SRC], { stdio: ['pipe', 'pipe', 'inherit'] });
  const first = await new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: proc.stdout });
    const timer = setTimeout(() => reject(new Error('clamd did not start within 60 s')), 60000);
    rl.once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line));
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`clamd.py exited (${code}) before clamd was up`));
    });
  });
  if (first.skip) return null;
  return {
    socket: first.socket,
    args: ['--clamd-socket', first.socket],
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.stdin.end();
      }),
  };
}

// Test files: a real photo (JPEG from chromium's canvas, made in the page
// by the test) is better than a hand-made one; a minimal PDF is enough for
// the PDF path.
export const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n' +
    'trailer<</Root 1 0 R>>\n%%EOF\n',
);

export function writeTemp(dir, name, bytes) {
  const f = path.join(dir, name);
  fs.writeFileSync(f, bytes);
  return f;
}
