// teams.js - the signed-in adviser's teams (GET /api/me/teams, issue 15):
// which they lead (a leader may hand a family over, handover.js), the
// teams' staff with their usernames (@mentions in notes, mentions.js; the
// advisers a family can be handed to), and the teams templates belong to
// (templates.js).  Asked once per sign-in and kept in memory; a refusal
// (an administrator) leaves it empty.
//
// The family's team is not in CONV: it is the team of the user's whose staff
// holds the family's pair (CONV.primary and CONV.secondary).  A gateway that
// does not list the teams' staff yet leaves only the honest fallback: the
// user on exactly one team, which then is every family's team.
//
// The username of the signed-in user (what they typed at "Log ind"; USER
// objects have none): from the teams' staff, else kept from the login form
// in sessionStorage for this tab (staff.js calls rememberUsername()).

import { http } from './http.js';

const USERNAME_KEY = 'indgang.staff.username';

let teams = null; // [{id, name, leader, staff?}] once loaded
let loading = null;
let meId = null;
const listeners = new Set();

// Loads the teams for the user now signed in (again after another signs in).
export function loadTeams(user) {
  if (user && user.id === meId && (teams || loading)) return loading || Promise.resolve(teams);
  meId = user ? user.id : null;
  teams = null;
  if (!user || user.role !== 'adviser') {
    loading = null;
    teams = [];
    changed();
    return Promise.resolve(teams);
  }
  const asked = meId;
  loading = http.teams().then(
    (r) => {
      if (asked !== meId) return teams;
      teams = Array.isArray(r && r.teams) ? r.teams : [];
      loading = null;
      changed();
      return teams;
    },
    () => {
      if (asked !== meId) return teams;
      teams = [];
      loading = null;
      changed();
      return teams;
    },
  );
  return loading;
}

export function resetTeams() {
  teams = null;
  loading = null;
  meId = null;
  try {
    sessionStorage.removeItem(USERNAME_KEY);
  } catch {
    /* private mode */
  }
}

// Called when the teams are known (and when they change): fn().
export function onTeams(fn) {
  listeners.add(fn);
}

function changed() {
  for (const fn of listeners) fn();
}

export function myTeams() {
  return teams || [];
}

export function teamsKnown() {
  return teams !== null;
}

export function staffListed() {
  return myTeams().some((t) => Array.isArray(t.staff));
}

// The team a family belongs to, of the user's teams: the one whose staff
// has the family's pair; without the staff lists, the user's only team.
export function familyTeam(fam) {
  const list = myTeams();
  if (!fam) return null;
  const main = fam.main || {};
  const pair = [main.primary, main.secondary].filter((x) => typeof x === 'number');
  if (staffListed()) {
    return list.find((t) => Array.isArray(t.staff) && pair.length && pair.every((id) => t.staff.some((s) => s.id === id)))
      || null;
  }
  return list.length === 1 ? list[0] : null;
}

// The username of a colleague by user id, from the teams' staff (or '').
export function usernameOf(id) {
  for (const t of myTeams()) for (const s of t.staff || []) if (s.id === id && s.username) return s.username;
  return '';
}

// The signed-in user's username ('' when not known).
export function myUsername() {
  if (meId !== null) {
    const u = usernameOf(meId);
    if (u) return u;
  }
  try {
    const kept = JSON.parse(sessionStorage.getItem(USERNAME_KEY));
    if (kept && kept.id === meId && typeof kept.username === 'string') return kept.username;
  } catch {
    /* nothing kept */
  }
  return '';
}

// The login form's username, for this tab only (the teams' staff says it
// again after a reload, when the gateway lists it).
export function rememberUsername(user, username) {
  if (!user || !username) return;
  try {
    sessionStorage.setItem(USERNAME_KEY, JSON.stringify({ id: user.id, username }));
  } catch {
    /* private mode: the teams' staff is the only source */
  }
}
