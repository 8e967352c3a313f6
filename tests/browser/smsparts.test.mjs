// smsparts.test.mjs - the web client's SMS part counter
// (clients/web/shared/smsparts.js) in Node without a browser, on the corpus
// core/sms/parts.c is tested on (tests/unit/sms/corpus.json): the adviser is
// told the coding and the parts Kannel will send.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SRC, WEB } from './lib/harness.mjs';

const { smsCost } = await import(pathToFileURL(path.join(WEB, 'shared', 'smsparts.js')));
const corpus = JSON.parse(fs.readFileSync(path.join(SRC, 'tests', 'unit', 'sms', 'corpus.json'), 'utf8'));

test('the counter agrees with the gateway on every text of the corpus', () => {
  assert.ok(corpus.cases.length > 20);
  for (const c of corpus.cases) {
    const text = c.pieces.map(([t, n]) => t.repeat(n)).join('');
    const got = smsCost(text);
    assert.deepEqual(got, { coding: c.coding, units: c.units, parts: c.parts }, JSON.stringify(c.pieces).slice(0, 80));
  }
});
