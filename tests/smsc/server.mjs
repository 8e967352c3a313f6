// A simulated operator SMSC for the tests (issue 13): Kannel's bearerbox binds
// to it over SMPP 3.4 as it would to an aggregator, and the tests play the
// phones through a JSON control port.  Built on the SMPP server of the `smpp`
// npm package; the message bodies are encoded and decoded here, by hand, so
// that what a test checks is what went over the wire.
//
//   node server.mjs --system-id ID --password PW [--smpp-port N] [--control-port N]
// prints {"smpp_port":N,"control_port":N} once both listen on 127.0.0.1 and
// exits when its stdin closes (the test that started it has ended).
//
// SMPP (from Kannel): bind_transceiver / bind_transmitter / bind_receiver with
// the given system_id and password (else ESME_RINVSYSID / ESME_RINVPASWD);
// enquire_link; unbind; submit_sm answered with a message_id, and, when its
// registered_delivery asks for one, a delivery receipt (deliver_sm with
// esm_class 0x04, "id:... sub:001 dlvrd:001 ... stat:DELIVRD err:000 text:...",
// receipted_message_id and message_state TLVs) after dlr_delay_ms.
//
// Control (HTTP, JSON):
//   POST /control/send {from, to, text}   a phone sends an SMS: deliver_sm(s) to
//        the bound receiver, concatenated parts (UDH 00 03) when long, GSM 03.38
//        (data_coding 0) when the text fits its alphabet, else UCS-2 (8);
//        -> {parts, data_coding, statuses}: the deliver_sm_resp status of each part
//   GET  /control/received                what phones received: one entry per
//        complete message (parts reassembled) {message_ids, from, to, text,
//        data_coding, parts, registered_delivery, system_id, at}
//   GET  /control/status                  {binds: [{system_id, mode}], stats}
//   POST /control/config {fail_next, fail_status, throttle_per_s, dlr_delay_ms, dlr_stat}
//        the next fail_next submit_sm are refused with fail_status (default
//        ESME_RSYSERR); beyond throttle_per_s a second they get ESME_RTHROTTLED
//        (0 = no limit); receipts say dlr_stat (DELIVRD, or e.g. UNDELIV)
//   POST /control/reset                   forgets what was received
import http from 'node:http';
import smpp from 'smpp';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? acc.concat([[a.slice(2), all[i + 1]]]) : acc), []),
);
if (!args['system-id'] || !args.password) {
  process.stderr.write('usage: node server.mjs --system-id ID --password PW [--smpp-port N] [--control-port N]\n');
  process.exit(2);
}

// The package decodes short_message by data_coding on its own, lossily (an
// unknown septet becomes a space); without its encodings it hands us the bytes.
for (const name of Object.keys(smpp.encodings)) delete smpp.encodings[name];

// GSM 03.38 default alphabet (one septet per octet, as SMPP carries it) and
// its extension table behind the escape 0x1B.
const GSM_BASIC = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?'
  + '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXT = { 0x0a: '\f', 0x14: '^', 0x28: '{', 0x29: '}', 0x2f: '\\', 0x3c: '[', 0x3d: '~', 0x3e: ']', 0x40: '|', 0x65: '€' };
const GSM_ENC = new Map([...GSM_BASIC].map((c, i) => [c, [i]]));
GSM_ENC.delete('\x1b');
for (const [code, c] of Object.entries(GSM_EXT)) GSM_ENC.set(c, [0x1b, Number(code)]);

// Septets of text, or null when a character is not in the GSM alphabet.
function gsmEncode(text) {
  const out = [];
  for (const c of text) {
    const s = GSM_ENC.get(c);
    if (!s) return null;
    out.push(...s);
  }
  return out;
}

function gsmDecode(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x1b && i + 1 < bytes.length) s += GSM_EXT[bytes[++i]] ?? '\ufffd';
    else s += GSM_BASIC[bytes[i] & 0x7f];
  }
  return s;
}

function ucs2Decode(buf) {
  let s = '';
  for (let i = 0; i + 1 < buf.length; i += 2) s += String.fromCharCode(buf.readUInt16BE(i));
  return s;
}

// The body of a message (all parts joined) as text, by its data_coding
// (SMPP 3.4 5.2.19; the GSM 03.38 coding groups 0xF0-0xFF too).
function decodeBody(dataCoding, buf) {
  if (dataCoding === 0x08) return ucs2Decode(buf);
  if (dataCoding === 0x01) return buf.toString('ascii');
  if (dataCoding === 0x03) return buf.toString('latin1');
  if ((dataCoding & 0xf0) === 0xf0) return dataCoding & 0x04 ? buf.toString('hex') : gsmDecode(buf);
  if (dataCoding === 0x00) return gsmDecode(buf);
  return buf.toString('hex');
}

// Long texts in parts: 153 septets or 67 UTF-16 units each behind a 6-octet
// concatenation UDH (3GPP TS 23.040 9.2.3.24.1), never splitting an escape
// sequence or a surrogate pair.
let concatRef = 0;
function splitMessage(text) {
  const septets = gsmEncode(text);
  const dataCoding = septets ? 0x00 : 0x08;
  const units = septets || Array.from({ length: text.length }, (_, i) => text.charCodeAt(i));
  const single = septets ? 160 : 70;
  const per = septets ? 153 : 67;
  const toBuf = (u) => (septets ? Buffer.from(u) : Buffer.concat(u.map((x) => Buffer.from([x >> 8, x & 0xff]))));
  if (units.length <= single) return { dataCoding, parts: [{ udh: null, body: toBuf(units) }] };
  const chunks = [];
  for (let i = 0; i < units.length;) {
    let end = Math.min(i + per, units.length);
    const last = units[end - 1];
    if (end < units.length && (septets ? last === 0x1b : last >= 0xd800 && last <= 0xdbff)) end--;
    chunks.push(units.slice(i, end));
    i = end;
  }
  concatRef = (concatRef + 1) & 0xff;
  return {
    dataCoding,
    parts: chunks.map((c, i) => ({ udh: Buffer.from([0x05, 0x00, 0x03, concatRef, chunks.length, i + 1]), body: toBuf(c) })),
  };
}

// The UDH (when the UDHI bit of esm_class is set) and body of a short_message
// or message_payload as the package leaves them: a Buffer, or {udh: [IE...], message}.
function rawParts(value, esmClass) {
  if (Buffer.isBuffer(value)) {
    if (!(esmClass & 0x40) || value.length === 0) return { ies: [], body: value };
    const udhl = value[0];
    const ies = [];
    for (let i = 1; i + 1 < udhl + 1; i += 2 + value[i + 1]) ies.push(value.subarray(i, i + 2 + value[i + 1]));
    return { ies, body: value.subarray(udhl + 1) };
  }
  if (value && typeof value === 'object') return { ies: value.udh || [], body: Buffer.from(value.message || []) };
  return { ies: [], body: Buffer.alloc(0) };
}

// Concatenation of a submit_sm: the UDH's 8- or 16-bit reference IE, or the
// sar_* TLVs; null for a message in one part.
function concatInfo(ies, pdu) {
  for (const ie of ies) {
    if (ie[0] === 0x00 && ie.length >= 5) return { ref: ie[2], total: ie[3], seq: ie[4] };
    if (ie[0] === 0x08 && ie.length >= 6) return { ref: ie.readUInt16BE(2), total: ie[4], seq: ie[5] };
  }
  if (pdu.sar_total_segments > 1) return { ref: pdu.sar_msg_ref_num, total: pdu.sar_total_segments, seq: pdu.sar_segment_seqnum };
  return null;
}

// An international number (TON 1) is shown with its '+', as the tests write it.
const showAddr = (addr, ton) => (ton === 1 && !String(addr).startsWith('+') ? `+${addr}` : String(addr));
function toAddr(number) {
  if (/^\+\d+$/.test(number)) return { ton: 1, npi: 1, addr: number.slice(1) };
  if (/^\d+$/.test(number)) return { ton: 0, npi: 1, addr: number };
  return { ton: 5, npi: 0, addr: number }; // alphanumeric
}

const config = { fail_next: 0, fail_status: smpp.ESME_RSYSERR, throttle_per_s: 0, dlr_delay_ms: 200, dlr_stat: 'DELIVRD' };
const stats = { submit_sm: 0, accepted: 0, refused: 0, throttled: 0, receipts: 0, deliver_sm: 0 };
const received = [];
const pending = new Map(); // concatenation key -> {parts: Map(seq -> part), ...}
const sessions = new Set(); // bound sessions: {session, system_id, mode}
let acceptedTimes = [];
let nextMessageId = 1;

const smppTime = (d) => d.toISOString().replace(/[-T:]/g, '').slice(2, 12); // YYMMDDhhmm

function sendReceipt(bound, submit, messageId, text, submittedAt) {
  const stat = config.dlr_stat;
  const delivered = stat === 'DELIVRD';
  // The receipt is read as plain ASCII (data_coding 0, the characters that
  // GSM 03.38 and ASCII share); its text is the first 20 characters.
  const sample = [...text].slice(0, 20).map((c) => (/^[A-Za-z0-9 .,:!?-]$/.test(c) ? c : '?')).join('');
  const body = `id:${messageId} sub:001 dlvrd:${delivered ? '001' : '000'} submit date:${smppTime(submittedAt)} `
    + `done date:${smppTime(new Date())} stat:${stat} err:${delivered ? '000' : '001'} text:${sample}`;
  const ok = bound.session.deliver_sm({
    source_addr_ton: submit.dest_addr_ton,
    source_addr_npi: submit.dest_addr_npi,
    source_addr: submit.destination_addr,
    dest_addr_ton: submit.source_addr_ton,
    dest_addr_npi: submit.source_addr_npi,
    destination_addr: submit.source_addr,
    esm_class: 0x04,
    data_coding: 0x00,
    short_message: Buffer.from(body, 'ascii'),
    receipted_message_id: messageId,
    message_state: delivered ? 2 : 5, // DELIVERED, UNDELIVERABLE
  });
  if (ok) stats.receipts++;
}

function onSubmit(bound, pdu) {
  const session = bound.session;
  stats.submit_sm++;
  if (config.fail_next > 0) {
    config.fail_next--;
    stats.refused++;
    return session.send(pdu.response({ command_status: config.fail_status }));
  }
  const now = Date.now();
  acceptedTimes = acceptedTimes.filter((t) => now - t < 1000);
  if (config.throttle_per_s > 0 && acceptedTimes.length >= config.throttle_per_s) {
    stats.throttled++;
    return session.send(pdu.response({ command_status: smpp.ESME_RTHROTTLED }));
  }
  acceptedTimes.push(now);
  stats.accepted++;
  const messageId = String(nextMessageId++);
  session.send(pdu.response({ message_id: messageId }));

  // SMPP 3.4: the text is in short_message, or, when that is empty, in the
  // message_payload TLV.
  let { ies, body } = rawParts(pdu.short_message, pdu.esm_class);
  if (body.length === 0 && pdu.message_payload !== undefined) ({ ies, body } = rawParts(pdu.message_payload, pdu.esm_class));
  const from = showAddr(pdu.source_addr, pdu.source_addr_ton);
  const to = showAddr(pdu.destination_addr, pdu.dest_addr_ton);
  const part = { messageId, body };
  const info = concatInfo(ies, pdu);
  let done = null;
  if (!info) {
    done = [part];
  } else {
    const key = `${from}|${to}|${info.ref}|${info.total}`;
    if (!pending.has(key)) pending.set(key, new Map());
    const parts = pending.get(key);
    parts.set(info.seq, part);
    if (parts.size === info.total) {
      pending.delete(key);
      done = [...parts.keys()].sort((a, b) => a - b).map((k) => parts.get(k));
    }
  }
  const text = decodeBody(pdu.data_coding, body);
  if (done) {
    received.push({
      message_ids: done.map((p) => p.messageId),
      from,
      to,
      text: decodeBody(pdu.data_coding, Buffer.concat(done.map((p) => p.body))),
      data_coding: pdu.data_coding,
      parts: done.length,
      registered_delivery: pdu.registered_delivery,
      system_id: bound.system_id,
      at: new Date().toISOString(),
    });
  }
  // registered_delivery bits 0-1: 1 = a receipt on success or failure, 2 = on failure only.
  const want = pdu.registered_delivery & 0x03;
  if (want === 1 || (want === 2 && config.dlr_stat !== 'DELIVRD')) {
    const submittedAt = new Date();
    setTimeout(() => {
      const receiver = [...sessions].reverse().find((b) => b.mode !== 'transmitter') || bound;
      sendReceipt(receiver, pdu, messageId, text, submittedAt);
    }, config.dlr_delay_ms);
  }
}

const server = smpp.createServer((session) => {
  let bound = null;
  session.on('error', () => {}); // a peer that goes away is no error of ours
  session.on('close', () => bound && sessions.delete(bound));
  for (const mode of ['transceiver', 'transmitter', 'receiver']) {
    session.on(`bind_${mode}`, (pdu) => {
      let status = 0;
      if (bound) status = smpp.ESME_RALYBND;
      else if (pdu.system_id !== args['system-id']) status = smpp.ESME_RINVSYSID;
      else if (pdu.password !== args.password) status = smpp.ESME_RINVPASWD;
      session.send(pdu.response({ command_status: status, system_id: 'indgang-smsc' }));
      if (status === 0) {
        bound = { session, system_id: pdu.system_id, mode };
        sessions.add(bound);
      } else if (status !== smpp.ESME_RALYBND) {
        session.close();
      }
    });
  }
  session.on('enquire_link', (pdu) => session.send(pdu.response()));
  session.on('unbind', (pdu) => {
    session.send(pdu.response());
    if (bound) sessions.delete(bound);
    bound = null;
    session.close();
  });
  session.on('submit_sm', (pdu) => {
    if (!bound || bound.mode === 'receiver') return session.send(pdu.response({ command_status: smpp.ESME_RINVBNDSTS }));
    return onSubmit(bound, pdu);
  });
  session.on('unknown', (pdu) => session.send(pdu.response()));
});

function json(res, status, body) {
  const text = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': text.length });
  res.end(text);
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => {
      try {
        resolve(parts.length ? JSON.parse(Buffer.concat(parts).toString('utf8')) : {});
      } catch (e) {
        reject(e);
      }
    });
    req.on('error', reject);
  });
}

// One deliver_sm, resolved with its deliver_sm_resp's command_status (or
// 'timeout' when the ESME does not answer within 10 s).
function deliver(session, fields) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), 10000);
    const sent = session.deliver_sm(fields, (resp) => {
      clearTimeout(timer);
      resolve(resp.command_status);
    });
    if (!sent) {
      clearTimeout(timer);
      resolve('not sent');
    }
  });
}

async function phoneSends(o) {
  if (typeof o.from !== 'string' || typeof o.to !== 'string' || typeof o.text !== 'string') {
    return [400, { error: 'from, to and text are required strings' }];
  }
  const receiver = [...sessions].reverse().find((b) => b.mode !== 'transmitter');
  if (!receiver) return [503, { error: 'no ESME is bound to receive' }];
  const { dataCoding, parts } = splitMessage(o.text);
  const src = toAddr(o.from);
  const dst = toAddr(o.to);
  const statuses = [];
  for (const p of parts) {
    stats.deliver_sm++;
    statuses.push(await deliver(receiver.session, {
      source_addr_ton: src.ton,
      source_addr_npi: src.npi,
      source_addr: src.addr,
      dest_addr_ton: dst.ton,
      dest_addr_npi: dst.npi,
      destination_addr: dst.addr,
      esm_class: p.udh ? 0x40 : 0x00,
      data_coding: dataCoding,
      short_message: p.udh ? Buffer.concat([p.udh, p.body]) : p.body,
    }));
  }
  return [200, { parts: parts.length, data_coding: dataCoding, statuses }];
}

async function control(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (req.method === 'POST' && url.pathname === '/control/send') {
    const [status, body] = await phoneSends(await readJson(req));
    return json(res, status, body);
  }
  if (req.method === 'GET' && url.pathname === '/control/received') return json(res, 200, received);
  if (req.method === 'GET' && url.pathname === '/control/status') {
    return json(res, 200, { binds: [...sessions].map((b) => ({ system_id: b.system_id, mode: b.mode })), stats, config });
  }
  if (req.method === 'POST' && url.pathname === '/control/config') {
    const o = await readJson(req);
    for (const k of Object.keys(config)) if (o[k] !== undefined) config[k] = o[k];
    return json(res, 200, config);
  }
  if (req.method === 'POST' && url.pathname === '/control/reset') {
    received.length = 0;
    pending.clear();
    return json(res, 200, {});
  }
  return json(res, 404, { error: 'unknown control request' });
}

const controlServer = http.createServer((req, res) => {
  control(req, res).catch((e) => json(res, 500, { error: String(e) }));
});

const listening = (srv, port) => new Promise((resolve) => srv.listen(port, '127.0.0.1', resolve));
await Promise.all([listening(server, Number(args['smpp-port'] || 0)), listening(controlServer, Number(args['control-port'] || 0))]);
process.stdout.write(`${JSON.stringify({ smpp_port: server.address().port, control_port: controlServer.address().port })}\n`);

// Stops by itself with the test that started it.
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
