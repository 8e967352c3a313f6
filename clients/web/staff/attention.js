// attention.js - what brings a busy adviser back to the tab.
//
// - The tab's title counts the unread messages across the caseload,
//   "(3) Indgang – medarbejder", live: it goes up as messages arrive and down
//   as conversations are read (the store's `convs` event covers both).  It
//   names no family: tab titles show in task bars and on shared screens.
// - A short sound when a family member writes, only for an adviser who has
//   switched it on (off by default; the choice is kept in localStorage on
//   this computer).  Two soft tones made with WebAudio: no sound file, no
//   request.  Several messages at once (a catch-up after a reconnect) give
//   one sound.  Browsers let a page play sound only after the user has
//   touched it, so the audio starts on the switch itself or on the first
//   click or key press after a reload.

const SOUND_KEY = 'indgang.staff.sound';
const QUIET_MS = 2000; // at most one sound per two seconds

let store = null;
let baseTitle = '';
let audio = null;
let lastSound = 0;

export function initAttention({ store: s, toggle }) {
  store = s;
  baseTitle = document.title;
  store.addEventListener('convs', showUnread);
  store.addEventListener('message', (e) => onMessage(e.detail));
  toggle.checked = soundOn();
  toggle.addEventListener('change', () => {
    setSoundOn(toggle.checked);
    if (toggle.checked) chime({ now: true }); // what it sounds like, and audio unlocked
  });
  const unlock = () => {
    if (soundOn() && audio && audio.state === 'suspended') audio.resume().catch(() => {});
  };
  document.addEventListener('pointerdown', unlock, true);
  document.addEventListener('keydown', unlock, true);
}

// The title without a count (signed out: nothing of the caseload shows).
export function clearAttention() {
  document.title = baseTitle;
}

function unreadTotal() {
  let n = 0;
  for (const c of store.convs.values()) n += c.unread || 0;
  return n;
}

function showUnread() {
  const n = unreadTotal();
  const title = n > 0 ? `(${n}) ${baseTitle}` : baseTitle;
  if (document.title !== title) document.title = title;
}

function onMessage({ message: m, live }) {
  if (!live || !soundOn()) return;
  if (!m.sender || m.sender.role !== 'family' || m.kind === 'system') return;
  chime();
}

function soundOn() {
  try {
    return localStorage.getItem(SOUND_KEY) === 'on';
  } catch {
    return false;
  }
}

function setSoundOn(on) {
  try {
    if (on) localStorage.setItem(SOUND_KEY, 'on');
    else localStorage.removeItem(SOUND_KEY);
  } catch {
    /* private mode: on for this visit only */
  }
}

function audioContext() {
  if (!audio) {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return null;
    audio = new Ctx();
  }
  if (audio.state === 'suspended') audio.resume().catch(() => {});
  return audio;
}

// Two soft sine tones, a fifth apart, half a second in all.
function chime({ now = false } = {}) {
  if (!now) {
    const t = Date.now();
    if (t - lastSound < QUIET_MS) return;
    lastSound = t;
  }
  const ctx = audioContext();
  if (!ctx) return;
  const start = ctx.currentTime + 0.02;
  [[660, 0], [990, 0.14]].forEach(([freq, delay]) => {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    const at = start + delay;
    osc.type = 'sine';
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.12, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.35);
    osc.connect(gain).connect(ctx.destination);
    osc.start(at);
    osc.stop(at + 0.4);
  });
}
