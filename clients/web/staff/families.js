// families.js - the families a staff member sees, derived from the
// conversations the gateway lets them see (the store holds conversations;
// families have no frame of their own).  Used by the caseload (caseload.js)
// and the family's pages (staff.js).

import { t } from './i18n.js';

// Whether the user is one of the conversation's pair: CONV.primary and
// CONV.secondary are the pair's user ids.  An outline without them (an older
// gateway) falls back to the members, where the pair takes part.
export function inPair(conv, me) {
  if (!conv || !me) return false;
  if ('primary' in conv || 'secondary' in conv) return conv.primary === me.id || conv.secondary === me.id;
  return (conv.members || []).some((u) => u.id === me.id);
}

// family id -> {id, name, convs (oldest first), main (the default
// conversation), pair (the user is in its pair), members (family), advisers,
// activity (newest message id), unread}
export function families(store) {
  const fams = new Map();
  const me = store.me;
  for (const c of store.convs.values()) {
    let f = fams.get(c.family.id);
    if (!f) {
      f = { id: c.family.id, name: c.family.name, convs: [], pair: false, members: new Map(), advisers: new Map() };
      fams.set(f.id, f);
    }
    f.convs.push(c);
    if (inPair(c, me)) f.pair = true;
    for (const u of c.members || []) {
      if (u.role === 'family') f.members.set(u.id, u);
      else if (u.role === 'adviser') f.advisers.set(u.id, u);
    }
  }
  for (const f of fams.values()) {
    f.convs.sort((a, b) => a.id - b.id);
    f.main = f.convs[0];
    f.activity = Math.max(...f.convs.map(activity));
    f.unread = f.convs.reduce((n, c) => n + (c.unread || 0), 0);
  }
  return fams;
}

// The newest message id of a conversation the user knows of.
export function activity(conv) {
  return Math.max(conv.last_id || 0, (conv.last && conv.last.id) || 0);
}

// The default conversation is titled like the family; call it what it is.
export function convName(conv) {
  return conv.title && conv.title !== conv.family.name ? conv.title : t('families.whole_family');
}

// Not the default conversation, or not every member of the family in it.
export function isRestricted(conv, fam) {
  const n = (conv.members || []).filter((u) => u.role === 'family').length;
  return conv.id !== fam.main.id || n < fam.members.size;
}
