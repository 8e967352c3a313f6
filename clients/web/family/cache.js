// cache.js - the last messages of each conversation, kept on the phone so
// that the app opened without a connection shows them (issue 12: "Keep the
// last messages readable offline").
//
// IndexedDB (database "indgang-family", one record per conversation: the
// member's id, the conversation's id and its last MAX messages as the
// gateway sent them; notes never reach a family).  Written a second after
// messages arrive or a history page comes; read when the app starts, only
// to show something before the gateway answers: the conversation's first
// history page then replaces what the cache showed (shared/store.js seed()),
// so a cached message never hides a gap.  Only the signed-in member's own
// records are read.  The whole database is deleted whenever a sign-in ends
// on the phone (sign-out, revocation, expiry) and when a member enrols: a
// phone is often shared, and what was kept is about a family's life.

const DB = 'indgang-family';
const STORE = 'convs';
const MAX = 200;
const DEBOUNCE_MS = 1000;

let timer = null;
let pending = null; // () => records to write

function open() {
  return new Promise((resolve, reject) => {
    if (!('indexedDB' in self)) {
      reject(new Error('no IndexedDB'));
      return;
    }
    const r = indexedDB.open(DB, 1);
    r.onupgradeneeded = () => r.result.createObjectStore(STORE, { keyPath: ['user', 'conv'] });
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

// The member's cached conversations: Map conv id -> messages (oldest first).
export async function readCache(userId) {
  const out = new Map();
  let db;
  try {
    db = await open();
    const tx = db.transaction(STORE, 'readonly');
    const req = tx.objectStore(STORE).getAll();
    await done(tx);
    for (const rec of req.result || []) {
      if (rec.user === userId && Array.isArray(rec.messages)) out.set(rec.conv, rec.messages);
    }
  } catch {
    // private mode, storage refused: the app works without
  } finally {
    db?.close();
  }
  return out;
}

// Keeps the member's conversations (list(): [{ id, messages }]) a moment
// from now; a later call in the meantime replaces the earlier.
export function writeCache(userId, list) {
  pending = () => list().map((c) => ({
    user: userId,
    conv: c.id,
    messages: c.messages.filter((m) => m.kind !== 'note').slice(-MAX),
  }));
  clearTimeout(timer);
  timer = setTimeout(flush, DEBOUNCE_MS);
}

async function flush() {
  const make = pending;
  pending = null;
  timer = null;
  if (!make) return;
  let db;
  try {
    db = await open();
    const tx = db.transaction(STORE, 'readwrite');
    for (const rec of make()) tx.objectStore(STORE).put(rec);
    await done(tx);
  } catch {
    // not kept this time
  } finally {
    db?.close();
  }
}

// Deletes everything kept (a sign-in ended, or a member enrols).
export function clearCache() {
  clearTimeout(timer);
  timer = null;
  pending = null;
  try {
    const r = indexedDB.deleteDatabase(DB);
    return new Promise((resolve) => {
      r.onsuccess = r.onerror = r.onblocked = () => resolve();
    });
  } catch {
    return Promise.resolve();
  }
}
