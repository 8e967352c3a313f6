// escalation.js - a family has waited past half (level 1) or all (level 2) of
// its team's answer time (issue 15): the gateway's `escalation` frame, to the
// pair's partner at level 1 and the team's leaders at level 2.  A polite
// notice (notices.js), never an alarm: "Familien Hansen har ventet over
// halvdelen af svartiden" / "… over svartiden", how long the answer time is,
// and a link to the conversation.  The same wait and level once only (a
// reconnect may bring it again); a screen reader hears it through the
// notices' live region.

import { showNotice } from './notices.js';
import { convName } from './families.js';

const TEXT = {
  half: (fam) => `${fam} har ventet over halvdelen af svartiden`,
  all: (fam) => `${fam} har ventet over svartiden`,
  target: (t) => ` (svartid: ${t} i arbejdstiden).`,
  conv: (name) => ` Samtale: ${name}.`,
  open: 'Åbn samtalen',
  unknownFamily: 'En familie',
  hours: (h, m) => (m ? `${h} t ${m} min` : h === 1 ? '1 time' : `${h} timer`),
  minutes: (m) => `${m} min`,
};

// "7 t 30 min", "1 time", "45 min".
export function targetText(minutes) {
  const n = Math.round(Number(minutes) || 0);
  if (n <= 0) return '';
  if (n < 60) return TEXT.minutes(n);
  return TEXT.hours(Math.floor(n / 60), n % 60);
}

// The notice's sentence for a frame, given the conversation (or null).
export function escalationText(f, conv) {
  const fam = conv ? conv.family.name : TEXT.unknownFamily;
  const head = f.level >= 2 ? TEXT.all(fam) : TEXT.half(fam);
  const t = targetText(f.answer_minutes);
  return `${head}${t ? TEXT.target(t) : '.'}${conv && conv.title && conv.title !== conv.family.name ? TEXT.conv(convName(conv)) : ''}`;
}

const told = new Set(); // conv:level:waiting.from

export function initEscalation({ conn, store }) {
  conn.addEventListener('escalation', (e) => {
    const f = e.detail;
    if (!f || typeof f.conv !== 'number') return;
    const key = `${f.conv}:${f.level}:${(f.waiting && f.waiting.from) || ''}`;
    if (told.has(key)) return;
    told.add(key);
    const conv = store.convs.get(f.conv) || null;
    showNotice({
      key: `escalation:${f.conv}`, kind: `escalation level-${f.level >= 2 ? 2 : 1}`,
      text: escalationText(f, conv), href: `#/c/${f.conv}`, linkText: TEXT.open,
    });
  });
}

export function resetEscalation() {
  told.clear();
}
