// api.js - the HTTP endpoints of the contract, with the session cookie.
//
// Pages served by the gateway authenticate with the HttpOnly session cookie
// the gateway sets at /api/login and /api/enrol.  The token in those answers'
// JSON is deliberately dropped here: it never lives in JavaScript, storage or
// memory, so an injected script could not carry it away.  The browser adds
// the Origin header to POST and DELETE, which the gateway checks.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code);
    this.name = 'ApiError';
    this.status = status; // 0 when the network failed
    this.code = code; // contract code, or 'network'
  }
}

// The request itself, with the session cookie; a network failure as an
// ApiError of code 'network'.
async function send(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  try {
    return await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', 'network error');
  }
}

// A refusal's {"error": {code, message}} as an ApiError.
async function refusal(r) {
  let data = null;
  try {
    data = await r.json();
  } catch {
    data = null;
  }
  const err = (data && data.error) || {};
  return new ApiError(r.status, err.code || 'internal', err.message || '');
}

// One call to the gateway: JSON in and out, the session cookie, a refusal
// as an ApiError with the contract's code.  Views with calls of their own
// (staff/http.js) use it too.
export async function call(method, path, body) {
  const r = await send(method, path, body);
  if (r.status === 204) return null;
  if (!r.ok) throw await refusal(r);
  try {
    return await r.json();
  } catch {
    return null;
  }
}

// The same for an answer kept as it came (a download): a Blob of its bytes.
// A body cut short on the way rejects with code 'network'.
export async function callBlob(method, path) {
  const r = await send(method, path);
  if (!r.ok) throw await refusal(r);
  try {
    return await r.blob();
  } catch {
    throw new ApiError(0, 'network', 'network error');
  }
}

const strip = (x) => {
  if (x && typeof x === 'object') delete x.token;
  return x;
};

export const api = {
  me: () => call('GET', '/api/me'),
  // The family chooses its coordinator among the pair (issue 15).
  chooseCoordinator: (family, adviser) => call('PUT', `/api/families/${family}/coordinator`, { adviser }),
  login: (username, password) => call('POST', '/api/login', { username, password }).then(strip),
  enrol: (code, device) => call('POST', '/api/enrol', { code, device }).then(strip),
  logout: () => call('POST', '/api/logout'),
  // A locked staff sign-in (idle): its unread count, and the password that opens it.
  unread: () => call('GET', '/api/me/unread'),
  unlock: (password) => call('POST', '/api/unlock', { password }),
  messages: (conv, before, limit = 50) =>
    call('GET', `/api/conversations/${conv}/messages?limit=${limit}${before ? `&before=${before}` : ''}`),
  createConversation: (family, title, members) =>
    call('POST', '/api/conversations', { family, title, members }),
    invite: (member) => call('POST', '/api/invites', { member }),
  // The code goes by SMS to the member's own number; the answer names it masked.
  inviteBySms: (member) => call('POST', '/api/invites', { member, by_sms: true }),
  // A page of the log (500 entries); `after` is the `next` of the page before.
  log: (family, from, to, after) =>
    call('GET', `/api/families/${family}/log${logQuery(from, to, 'json', after)}`),
  logCsvUrl: (family, from, to) => `/api/families/${family}/log${logQuery(from, to, 'csv')}`,
  devices: (family) => call('GET', `/api/families/${family}/devices`),
  revokeDevice: (id) => call('DELETE', `/api/devices/${id}`),
  renameDevice: (id, name) => call('PUT', `/api/devices/${id}`, { name }),
  // Web Push (shared/push.js) and what notifications show.
  pushKey: () => call('GET', '/api/push/key'),
  pushSubscribe: (subscription) => call('POST', '/api/push/subscriptions', subscription),
  pushUnsubscribe: (id) => call('DELETE', `/api/push/subscriptions/${id}`),
  notifications: () => call('GET', '/api/me/notifications'),
  setNotifications: (content) => call('PUT', '/api/me/notifications', { content }),
  // A family's quiet hours {from, to, timezone} (shared/quiet.js).
  quietHours: (family) => call('GET', `/api/families/${family}/quiet-hours`),
  memberSms: (member) => call('GET', `/api/members/${member}/sms`),
  convSms: (conv) => call('GET', `/api/conversations/${conv}/sms`),
  setMemberSms: (member, changes) => call('PUT', `/api/members/${member}/sms`, changes),
  setQuietHours: (family, from, to) => call('PUT', `/api/families/${family}/quiet-hours`, { from, to }),
  // Messages sent later (staff/scheduled.js): what waits, write, change ({body} and/or {send_at}), cancel.
  scheduled: (conv) => call('GET', `/api/conversations/${conv}/scheduled`),
  schedule: (conv, body, sendAt, clientId) =>
    call('POST', `/api/conversations/${conv}/scheduled`, { body, send_at: sendAt, client_id: clientId }),
  changeScheduled: (id, changes) => call('PUT', `/api/scheduled/${id}`, changes),
  cancelScheduled: (id) => call('DELETE', `/api/scheduled/${id}`),
  // A family member's own view (issue 16): who has read the family's data, a page
  // ({entries, next}; `after` is the `next` of the page before), and their own data
  // as the gateway's JSON document, a Blob of it as it came.
  myAccess: (after, limit = 200) => call('GET', `/api/me/access?limit=${limit}${after ? `&after=${after}` : ''}`),
  myData: () => callBlob('GET', '/api/me/data'),
};

function logQuery(from, to, format, after) {
  const q = new URLSearchParams();
  if (from) q.set('from', from);
  if (to) q.set('to', to);
  q.set('format', format);
  if (after) q.set('after', String(after));
  return `?${q.toString()}`;
}
