// protocol.js - the Indgang wire contract v1 (shared/PROTOCOL.md) for web clients.
//
// One Connection keeps one WebSocket to wss://<same host>/ws with the
// subprotocol "indgang.v1".  It
//   - authenticates with the session cookie at the upgrade (the default for
//     pages served by the gateway: no token ever reaches JavaScript), or with a
//     {"type":"auth"} frame when a token is given (for other embedders);
//   - reconnects after a drop with exponential backoff and full jitter;
//   - after every reconnect asks `sync` from the highest message id it has
//     seen, page by page, so nothing is missed; every message is handed on
//     once per id (duplicates from sync/push overlaps are dropped here);
//   - pings every 25 s and drops a connection that stays silent;
//   - matches replies to requests by `ref`;
//   - tells the gateway which conversation is on the user's screen
//     (`viewing`, setViewing()), so no notification is sent about what the
//     user is reading, and says it again after every reconnect (a new
//     connection counts as viewing nothing).
//
// Events (EventTarget, detail in event.detail):
//   state     {state: 'connecting'|'open'|'offline'|'waiting'|'closed', retryIn?}
//   welcome   the welcome frame (after each (re)connect, before any sync)
//   message   MSG (live push or sync), at most once per id
//   receipt   the receipt frame
//   conversation  CONV: a conversation the user may see was just created
//             (the gateway's `conversation` frame, an addition to v1)
//   delivery  the delivery frame: how far a family member's messages
//             reached them (staff only; shared/delivery.js)
//   scheduled the scheduled frame: a message to be sent later changed
//             (pair and team; staff/scheduled.js)
//   attachment  the attachment frame: an upload was checked, ready or
//             rejected (issue 14; shared/attachments.js)
//   waiting   the waiting frame: whether a conversation needs an answer
//             changed (issue 15; staff only; shared/store.js), also when it
//             is the reply to our own `handled`
//   answering the answering frame: a pair adviser is writing a reply in a
//             conversation, until a time or no longer (issue 15; staff
//             only; staff/answering.js).  The reply to our own `answering`
//             is not handed on: we know what we said.
//   changed   the changed frame: a message its author corrected or withdrew
//             (issue 15; shared/store.js), also the reply to our own
//             `correct` or `withdraw`
//   escalation  the escalation frame: a family waits past half or all of its
//             team's answer time (issue 15; staff only)
//   synced    {} after the sync that follows a (re)connect has finished
//   fatal     {code, reason}: the sign-in is gone (4401) or revoked (4403);
//             no reconnect is attempted until start() is called again.
//   servererror  an error frame without a pending request

const SUBPROTOCOL = 'indgang.v1';

export const CLOSE = Object.freeze({
  SHUTDOWN: 1001,
  POLICY: 1008,
  TOO_BIG: 1009,
  UNAUTHORIZED: 4401,
  REVOKED: 4403,
  BEHIND: 4408,
});

export class ProtocolError extends Error {
  constructor(code, message, frame) {
    super(message || code);
    this.name = 'ProtocolError';
    this.code = code; // bad_request, forbidden, not_found, rate_limited, disconnected, timeout, ...
    this.frame = frame;
  }
}

// Delay before reconnect attempt n (0-based): exponential, capped, full jitter
// between half and the whole step, so a crowd of clients does not come back
// in lock-step after a gateway restart.  `random` is injectable for tests.
export function backoffDelay(attempt, { base = 1000, max = 30000, random = Math.random } = {}) {
  const step = Math.min(max, base * 2 ** Math.min(attempt, 16));
  return Math.round(step / 2 + random() * (step / 2));
}

let refCounter = 0;
function newRef() {
  refCounter += 1;
  return `r${Date.now().toString(36)}-${refCounter}`;
}

// A client_id for `send`: random, unguessable, at most 64 characters.
export function newClientId() {
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID();
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export class Connection extends EventTarget {
  constructor({
    url = defaultUrl(),
    token = null,
    pingEvery = 25000,
    pongWithin = 10000,
    requestTimeout = 15000,
    backoff = {},
    WebSocketImpl = globalThis.WebSocket,
  } = {}) {
    super();
    this.url = url;
    this.token = token;
    this.pingEvery = pingEvery;
    this.pongWithin = pongWithin;
    this.requestTimeout = requestTimeout;
    this.backoff = backoff;
    this.WebSocketImpl = WebSocketImpl;
    this.ws = null;
    this.state = 'closed';
    this.user = null;
    this.lastId = 0; // the highest message id handed on (or covered by the first welcome)
    this.seen = new Set(); // ids handed on since the last trim
    this.pending = new Map(); // ref -> {resolve, reject, timer}
    this.attempt = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.pongTimer = null;
    this.running = false;
    this.hadWelcome = false;
    this.viewing = 0; // the conversation on the user's screen (0: none)
    this.viewingSent = 0; // what this connection last told the gateway
    this.onOnline = () => this.reconnectNow();
    this.onOffline = () => this.dropForOffline();
  }

  // Starts (or restarts after a fatal close) the connection.
  start() {
    if (this.running) return;
    this.running = true;
    if (typeof window !== 'undefined') {
      window.addEventListener('online', this.onOnline);
      window.addEventListener('offline', this.onOffline);
    }
    this.open();
  }

  // Stops for good (sign-out): no reconnect.
  stop() {
    this.running = false;
    if (typeof window !== 'undefined') {
      window.removeEventListener('online', this.onOnline);
      window.removeEventListener('offline', this.onOffline);
    }
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.closeSocket(1000, 'bye');
    this.setState('closed');
  }

  // Forget what has been seen (another user signs in on the same page).
  reset() {
    this.lastId = 0;
    this.seen.clear();
    this.hadWelcome = false;
    this.user = null;
  }

  get isOpen() {
    return this.state === 'open';
  }

  setState(state, extra = {}) {
    this.state = state;
    this.emit('state', { state, ...extra });
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  open() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (!this.running) return;
    if (typeof navigator !== 'undefined' && navigator.onLine === false) {
      this.setState('offline');
      return; // the 'online' event brings us back
    }
    this.setState('connecting');
    let ws;
    try {
      ws = new this.WebSocketImpl(this.url, SUBPROTOCOL);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.authenticated = false;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      if (this.token) this.sendFrame({ type: 'auth', token: this.token });
      // With the cookie the welcome comes on its own.  If it does not come
      // the server closes with 4401 after 10 s; we do not wait that long.
      this.authTimer = setTimeout(() => {
        if (this.ws === ws && !this.authenticated) this.emitFatal(CLOSE.UNAUTHORIZED, 'no welcome');
      }, 12000);
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      this.onFrame(ev.data);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.onClosed(ev.code, ev.reason);
    };
    ws.onerror = () => {
      /* onclose follows */
    };
  }

  onFrame(data) {
    let f;
    try {
      f = JSON.parse(data);
    } catch {
      return;
    }
    if (!f || typeof f.type !== 'string') return;
    this.armPing();
    if (f.type === 'welcome') {
      this.onWelcome(f);
      return;
    }
    if (f.ref && this.pending.has(f.ref)) {
      const p = this.pending.get(f.ref);
      this.pending.delete(f.ref);
      clearTimeout(p.timer);
      if (f.type === 'error') p.reject(new ProtocolError(f.code, f.message, f));
      else p.resolve(f);
      // A receipt reply (to `read`) and a waiting reply (to `handled`) are
      // also news for the views; ack messages are handed on too.
      if (f.type === 'receipt' || f.type === 'waiting' || f.type === 'changed') this.emit(f.type, f);
      // Our own message, acked: handed on like any other, but it does not
      // move lastId (a push of a lower id might still be on its way).
      if (f.type === 'ack' && f.message) this.deliver(f.message, false);
      return;
    }
    switch (f.type) {
      case 'message':
        if (f.message) this.deliver(f.message);
        break;
      case 'receipt':
        this.emit('receipt', f);
        break;
      case 'conversation':
        if (f.conversation && typeof f.conversation.id === 'number') this.emit('conversation', f.conversation);
        break;
      case 'delivery':
      case 'scheduled':
      case 'sms':
      case 'attachment':
      case 'waiting':
      case 'answering':
      case 'changed':
      case 'escalation':
        this.emit(f.type, f);
        break;
      case 'error':
        this.emit('servererror', f);
        break;
      default:
        break;
    }
  }

  async onWelcome(f) {
    clearTimeout(this.authTimer);
    this.authenticated = true;
    const sameUser = this.user && f.user && this.user.id === f.user.id;
    if (!sameUser) {
      this.reset();
    }
    this.user = f.user;
    this.attempt = 0;
    const first = !this.hadWelcome;
    this.hadWelcome = true;
    this.setState('open');
    this.armPing();
    this.viewingSent = 0; // a new connection views nothing until told
    this.sendViewing();
    this.emit('welcome', f);
    if (first) {
      // Everything up to last_id is history: views load it with `history`.
      this.lastId = Math.max(this.lastId, Number(f.last_id) || 0);
      this.emit('synced', {});
      return;
    }
    // Reconnected: fetch everything after the last id we handed on.
    try {
      await this.syncFrom(this.lastId);
      this.emit('synced', {});
    } catch (e) {
      if (e.code !== 'disconnected') this.closeSocket(4000, 'sync failed');
    }
  }

  async syncFrom(after) {
    for (;;) {
      const r = await this.request({ type: 'sync', after, limit: 500 });
      const msgs = Array.isArray(r.messages) ? r.messages : [];
      for (const m of msgs) this.deliver(m);
      if (msgs.length) after = msgs[msgs.length - 1].id;
      if (!r.more || !msgs.length) return;
    }
  }

  // Hands a message on once per id and moves lastId forward.
  deliver(m, advance = true) {
    if (!m || typeof m.id !== 'number') return;
    if (this.seen.has(m.id)) return;
    this.seen.add(m.id);
    if (this.seen.size > 20000) {
      // Keep memory bounded: ids at or below lastId - 10000 cannot come again
      // except through history, which views dedupe themselves.
      const floor = this.lastId - 10000;
      for (const id of this.seen) if (id < floor) this.seen.delete(id);
    }
    if (advance && m.id > this.lastId) this.lastId = m.id;
    this.emit('message', m);
  }

  sendFrame(frame) {
    if (!this.ws || this.ws.readyState !== 1) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  // Sends a frame with a fresh ref; resolves with the direct reply, rejects
  // with a ProtocolError (server error code, 'disconnected' or 'timeout').
  request(frame, { timeout = this.requestTimeout } = {}) {
    return new Promise((resolve, reject) => {
      if (this.state !== 'open') {
        reject(new ProtocolError('disconnected', 'not connected'));
        return;
      }
      const ref = newRef();
      const timer = setTimeout(() => {
        this.pending.delete(ref);
        reject(new ProtocolError('timeout', 'no reply'));
      }, timeout);
      this.pending.set(ref, { resolve, reject, timer });
      if (!this.sendFrame({ ...frame, ref })) {
        clearTimeout(timer);
        this.pending.delete(ref);
        reject(new ProtocolError('disconnected', 'not connected'));
      }
    });
  }

  // Contract verbs.
  // attachments: upload ids (issue 14); the body may then be ''.
  send(conv, body, clientId, kind = 'text', { no_sms: noSms = false, attachments = null } = {}) {
    const f = { type: 'send', conv, client_id: clientId, body, kind };
    if (noSms) f.no_sms = true;
    if (attachments && attachments.length) f.attachments = attachments;
    return this.request(f);
  }
  history(conv, before, limit = 50) {
    const f = { type: 'history', conv, limit };
    if (before) f.before = before;
    return this.request(f);
  }
  read(conv, upto) {
    return this.request({ type: 'read', conv, upto });
  }
  // A pair adviser: what the family wrote up to message `upto` needs no
  // answer (issue 15).  Resolves with the `waiting` frame of the new state.
  handled(conv, upto) {
    return this.request({ type: 'handled', conv, upto });
  }
  // One's own message sent by mistake, within five minutes (issue 15):
  // resolves with the `changed` frame of the message as it is now.
  correct(id, body) {
    return this.request({ type: 'correct', id, body });
  }
  withdraw(id) {
    return this.request({ type: 'withdraw', id });
  }
  // A pair adviser is writing a reply in `conv` (issue 15), or no longer
  // (stop).  Resolves with the `answering` frame the partner and team got
  // ({conv, user, until}); a team member is refused (`forbidden`).
  answering(conv, stop = false) {
    const f = { type: 'answering', conv };
    if (stop) f.stop = true;
    return this.request(f);
  }

  // The conversation now on the user's screen, 0 for none (the page is
  // hidden, or shows something else).  Sent at once when connected and
  // different from what this connection said last; remembered otherwise and
  // said after the next welcome.  No ref: the gateway answers nothing.
  setViewing(conv) {
    this.viewing = Number.isInteger(conv) && conv > 0 ? conv : 0;
    this.sendViewing();
  }

  sendViewing() {
    if (this.state !== 'open' || this.viewing === this.viewingSent) return;
    if (this.sendFrame({ type: 'viewing', conv: this.viewing })) this.viewingSent = this.viewing;
  }

  armPing() {
    clearTimeout(this.pingTimer);
    clearTimeout(this.pongTimer);
    this.pongTimer = null;
    if (this.state !== 'open') return;
    this.pingTimer = setTimeout(() => {
      this.request({ type: 'ping' }, { timeout: this.pongWithin }).catch((e) => {
        if (e.code === 'timeout') this.closeSocket(4000, 'no pong'); // dead link: reconnect
      });
    }, this.pingEvery);
  }

  closeSocket(code, reason) {
    const ws = this.ws;
    this.ws = null;
    clearTimeout(this.pingTimer);
    clearTimeout(this.authTimer);
    this.failPending();
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close(code, reason);
      } catch {
        /* already closing */
      }
      if (this.running && code !== 1000) this.scheduleReconnect();
    }
  }

  failPending() {
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new ProtocolError('disconnected', 'connection lost'));
    }
    this.pending.clear();
  }

  onClosed(code, reason) {
    this.ws = null;
    clearTimeout(this.pingTimer);
    clearTimeout(this.authTimer);
    this.failPending();
    if (code === CLOSE.UNAUTHORIZED || code === CLOSE.REVOKED) {
      this.emitFatal(code, reason);
      return;
    }
    if (code === CLOSE.BEHIND) this.attempt = 0; // come back at once and sync
    this.scheduleReconnect();
  }

  emitFatal(code, reason) {
    this.running = false;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close(1000, 'bye');
      } catch {
        /* closing */
      }
    }
    this.failPending();
    this.setState('closed');
    this.emit('fatal', { code, reason });
  }

  scheduleReconnect() {
    if (!this.running) return;
    clearTimeout(this.retryTimer);
    if (typeof navigator !== 'undefined' && navigator.onLine === false) {
      this.setState('offline');
      return;
    }
    const delay = backoffDelay(this.attempt, this.backoff);
    this.attempt += 1;
    this.setState('waiting', { retryIn: delay });
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  // The browser says the network is back: try at once.
  reconnectNow() {
    if (!this.running) return;
    this.attempt = 0;
    if (this.ws && this.state !== 'offline') return;
    this.open();
  }

  // The browser says the network is gone: a socket may linger half-open for a
  // long time, so drop it now and wait for 'online'.
  dropForOffline() {
    if (!this.running) return;
    const ws = this.ws;
    this.ws = null;
    clearTimeout(this.pingTimer);
    clearTimeout(this.authTimer);
    clearTimeout(this.retryTimer);
    this.failPending();
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close(1000, 'offline');
      } catch {
        /* closing */
      }
    }
    this.setState('offline');
  }
}

function defaultUrl() {
  if (typeof location === 'undefined') return '';
  return `${location.protocol === 'http:' ? 'ws' : 'wss'}://${location.host}/ws`;
}
