// http.js - the staff client's HTTP calls of issue 15, through shared/api.js's
// call() (the session cookie only, refusals as ApiError): the adviser's
// absence, their teams and their colleagues' usernames, reply templates, a
// handover, the team's meeting, and the contact log with `scope` and `kind`;
// of issue 16, a family's case record: read, closed, reopened, filed; and a
// member's requests for erasure and restriction: listed, recorded, answered.

import { call } from '../shared/api.js';

// The query of GET /api/families/{id}/log: from, to (RFC 3339), scope
// ('family' or 'all'), kinds (an array of kind names; none: every kind),
// after (the `next` of the page before), limit (entries a page), format.
export function logQuery({ from, to, scope, kinds, after, limit, format = 'json' } = {}) {
  const q = new URLSearchParams();
  if (from) q.set('from', from);
  if (to) q.set('to', to);
  q.set('format', format);
  if (scope && scope !== 'all') q.set('scope', scope);
  if (kinds && kinds.length) q.set('kind', kinds.join(','));
  if (after) q.set('after', String(after));
  if (limit) q.set('limit', String(limit));
  return `?${q.toString()}`;
}

export const http = {
  // {absence: {user, from, to, note} | null}
  absence: () => call('GET', '/api/me/absence'),
  setAbsence: (from, to, note) => call('PUT', '/api/me/absence', { from, to, note }),
  endAbsence: () => call('DELETE', '/api/me/absence'),
  // {teams: [{id, name, leader, staff?: [{id, name, role, username, leader}]}]}
  teams: () => call('GET', '/api/me/teams'),
  // {templates: [{id, team: {id, name}, title, lang, body, updated_by, updated_at}]}
  templates: () => call('GET', '/api/me/templates'),
  addTemplate: (team, t) => call('POST', `/api/teams/${team}/templates`, t),
  changeTemplate: (id, t) => call('PUT', `/api/templates/${id}`, t),
  removeTemplate: (id) => call('DELETE', `/api/templates/${id}`),
  handOver: (family, primary, secondary) => call('PUT', `/api/families/${family}/pair`, { primary, secondary }),
  meetingHeld: (family) => call('POST', `/api/families/${family}/meeting`),
  log: (family, opts) => call('GET', `/api/families/${family}/log${logQuery(opts)}`),
  logCsvUrl: (family, opts) => `/api/families/${family}/log${logQuery({ ...opts, format: 'csv' })}`,
  // The case record (record.js): {family, state, closed_at, closed_by, close_reason, filed_upto,
  // filed_at, filed_by, hold, retention}; every change answers with the record as it is now.
  record: (family) => call('GET', `/api/families/${family}/record`),
  closeCase: (family, reason) => call('POST', `/api/families/${family}/close`, reason ? { reason } : {}),
  reopenCase: (family) => call('POST', `/api/families/${family}/reopen`),
  confirmFiled: (family, upto) => call('PUT', `/api/families/${family}/filed`, { upto }),
  // A member's requests (requests.js): {requests: [DataRequest]} newest first; recorded
  // {member, kind, received_at, note} -> DataRequest (201); answered {decision, answer}.
  requests: (family) => call('GET', `/api/families/${family}/requests`),
  recordRequest: (family, req) => call('POST', `/api/families/${family}/requests`, req),
  answerRequest: (id, decision, answer) => call('PUT', `/api/requests/${id}`, { decision, answer }),
};
