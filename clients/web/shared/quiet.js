// quiet.js - a family's quiet hours (GET /api/families/{id}/quiet-hours):
// two times of day in Danish time, "21:00" to "07:00" by default, that may
// wrap past midnight; equal times mean none.  Messages arrive at once; the
// notification waits until the quiet hours end.  Here: whether they are in
// force at a moment, and until when, the way the gateway decides it
// (core/push/quiet.h: [from, to), Europe/Copenhagen with summer time).

const CPH = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Copenhagen',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

// "HH:MM" -> minutes after midnight; -1 when it is not such a time.
export function minutesOf(hm) {
  const m = /^([01][0-9]|2[0-3]):([0-5][0-9])$/.exec(String(hm || ''));
  return m ? Number(m[1]) * 60 + Number(m[2]) : -1;
}

// Minutes after midnight in Copenhagen at the instant `now`.
export function copenhagenMinutes(now = new Date()) {
  const parts = Object.fromEntries(CPH.formatToParts(now).map((p) => [p.type, p.value]));
  return Number(parts.hour) * 60 + Number(parts.minute);
}

// {quiet: true, until: "07:00"} while the hours are in force at `now`,
// else {quiet: false, until: null}.
export function quietNow(hours, now = new Date()) {
  const from = minutesOf(hours && hours.from);
  const to = minutesOf(hours && hours.to);
  if (from < 0 || to < 0 || from === to) return { quiet: false, until: null };
  const m = copenhagenMinutes(now);
  const inside = from < to ? m >= from && m < to : m >= from || m < to;
  return inside ? { quiet: true, until: hours.to } : { quiet: false, until: null };
}

// "07:00" -> "07.00", the way Danish writes a time of day.
export function danishTime(hm) {
  return String(hm || '').replace(':', '.');
}
