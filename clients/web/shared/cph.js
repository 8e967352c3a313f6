// cph.js - wall-clock time in Copenhagen (Europe/Copenhagen, with summer
// time), whatever zone the computer is set to: the families' and advisers'
// time, the one "i morgen kl. 08.00" means.
//
//   cphParts(date)            {year, month, day, hour, minute, second, weekday (0 = Sunday)}
//   cphInstant(y, mo, d, h, mi, s)  the instant that wall time names (a time
//                             skipped by the spring change lands an hour later)
//   cphAddDays(parts, n)      {year, month, day, weekday} n calendar days on
//   fromInputs(date, time)    <input type=date> "YYYY-MM-DD" and <input type=time>
//                             "HH:MM" or "HH:MM:SS" -> Date, or null when not a real one
//   toInputs(date)            {date: "YYYY-MM-DD", time: "HH:MM"} of an instant

const FMT = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Copenhagen',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  weekday: 'short',
  hourCycle: 'h23',
});

const WEEKDAYS = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

export function cphParts(date) {
  const p = Object.fromEntries(FMT.formatToParts(date).map((x) => [x.type, x.value]));
  return {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour),
    minute: Number(p.minute),
    second: Number(p.second),
    weekday: WEEKDAYS[p.weekday],
  };
}

// How far Copenhagen's wall clock is ahead of UTC at instant t (ms).
function offsetAt(t) {
  const p = cphParts(new Date(t));
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(t / 1000) * 1000;
}

export function cphInstant(year, month, day, hour = 0, minute = 0, second = 0) {
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  // Guess with the offset at the wall time read as UTC, then correct once
  // with the offset at the guess (differs only near a change of offset).
  let t = wall - offsetAt(wall);
  t = wall - offsetAt(t);
  return new Date(t);
}

export function cphAddDays(parts, n) {
  const d = new Date(Date.UTC(parts.year, parts.month - 1, parts.day + n));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), weekday: d.getUTCDay() };
}

export function fromInputs(dateStr, timeStr) {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(dateStr || ''));
  const t = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d+)?)?$/.exec(String(timeStr || ''));
  if (!d || !t) return null;
  const [year, month, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  return cphInstant(year, month, day, Number(t[1]), Number(t[2]), Number(t[3] || 0));
}

const two = (n) => String(n).padStart(2, '0');

export function toInputs(date) {
  const p = cphParts(date);
  return { date: `${p.year}-${two(p.month)}-${two(p.day)}`, time: `${two(p.hour)}:${two(p.minute)}` };
}
