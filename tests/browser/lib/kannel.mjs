// kannel.mjs - the real Kannel and the simulated operator SMSC for browser
// tests, started by tests/e2e/kannel.py (the same as the end-to-end tests
// use): startKannel(secretFile) -> {args, received(), stop()}.  args are the
// gateway's flags for SMS out through it (startWorld({args})); received()
// is what the simulated phones got.  Everything listens on 127.0.0.1 and
// stops with stop() or with this process.

import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { SRC } from './harness.mjs';

export async function startKannel(secretFile, moUrl = 'http://127.0.0.1:9/unused') {
  const proc = spawn('/usr/bin/python3', [path.join(SRC, 'tests', 'e2e', 'kannel.py'), secretFile, moUrl], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const first = await new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: proc.stdout });
    const timer = setTimeout(() => reject(new Error('Kannel did not start within 30 s')), 30000);
    rl.once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line));
    });
    proc.once('exit', (code) => reject(new Error(`kannel.py exited (${code}) before Kannel was up`)));
  });
  return {
    args: first.args,
    async received() {
      const r = await fetch(`${first.smsc}/control/received`);
      return r.json();
    },
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.stdin.end();
      }),
  };
}
