// held.js - unsent messages across the end of a sign-in (issue 12:
// "re-enrolment never silently loses the outbox").
//
// A phone's outbox is kept in localStorage per member (shared/outbox.js).
// When the sign-in ends by time (expired, or idle while the app was
// closed), the messages written and not yet sent stay, marked as held for
// that member: the enrolment screen says how many, and when the same member
// enrols again with a new code, the outbox loads and sends them (the same
// client_id, so never twice).  If another member enrols on the phone, the
// first member's messages must not go out in the new member's name: they are
// deleted, and the new member is told how many.  A revoked phone (the
// adviser or the member removed it) keeps nothing; family.js says how many
// were deleted.  Nothing is lost without a word.

const HELD_KEY = 'indgang.family.held';
const PREFIX = 'indgang.family.outbox.';

function read(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function remove(key) {
  try {
    localStorage.removeItem(key);
  } catch {
    /* nothing kept */
  }
}

// How many messages wait in the outbox of member userId on this phone.
export function waitingFor(userId) {
  try {
    const list = JSON.parse(read(PREFIX + userId));
    return Array.isArray(list) ? list.length : 0;
  } catch {
    return 0;
  }
}

// The sign-in of userId ended by time: its outbox stays for that member.
// How many messages it holds.
export function hold(userId) {
  const n = waitingFor(userId);
  try {
    if (n > 0) localStorage.setItem(HELD_KEY, String(userId));
  } catch {
    /* storage refused: the outbox itself is kept all the same */
  }
  return n;
}

// The held messages: { user, n } or null.
export function held() {
  const user = Number(read(HELD_KEY));
  if (!user) return null;
  const n = waitingFor(user);
  return n > 0 ? { user, n } : null;
}

// A member enrolled: the same member's held messages are theirs to send (the
// outbox loads them); another member's are deleted.  How many were deleted.
export function settleHeld(userId) {
  const h = held();
  remove(HELD_KEY);
  if (!h || h.user === userId) return 0;
  remove(PREFIX + h.user);
  return h.n;
}
