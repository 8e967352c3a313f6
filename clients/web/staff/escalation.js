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
import { t } from './i18n.js';

// "7 t 30 min", "1 time", "45 min".
export function targetText(minutes) {
  const n = Math.round(Number(minutes) || 0);
  if (n <= 0) return '';
  if (n < 60) return t('escalation.minutes', { n });
  const h = Math.floor(n / 60);
  const m = n % 60;
  if (m) return t('escalation.hours_minutes', { h, m });
  return t(h === 1 ? 'escalation.hours_one' : 'escalation.hours_other', { n: h });
}

// The notice's sentence for a frame, given the conversation (or null): which
// level, with or without the answer time, then the conversation when it is
// not the whole family's.
export function escalationText(f, conv) {
  const family = conv ? conv.family.name : t('escalation.unknown_family');
  const target = targetText(f.answer_minutes);
  const key = f.level >= 2
    ? (target ? 'escalation.all_target' : 'escalation.all')
    : (target ? 'escalation.half_target' : 'escalation.half');
  const head = t(key, { family, target });
  return conv && conv.title && conv.title !== conv.family.name ? `${head} ${t('escalation.conv', { name: convName(conv) })}` : head;
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
      text: escalationText(f, conv), href: `#/c/${f.conv}`, linkText: t('escalation.open'),
    });
  });
}

export function resetEscalation() {
  told.clear();
}
