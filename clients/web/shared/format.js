// format.js - dates and times for people, in their language and time zone.

export function dayKey(ts) {
  const d = new Date(ts);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

// "I dag", "I går", or "mandag 23. november" (with the year when not this year).
export function dayLabel(ts, locale, { today, yesterday }) {
  const d = new Date(ts);
  const now = new Date();
  const startOf = (x) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const diff = Math.round((startOf(now) - startOf(d)) / 86400000);
  if (diff === 0) return today;
  if (diff === 1) return yesterday;
  const opts = { weekday: 'long', day: 'numeric', month: 'long' };
  if (d.getFullYear() !== now.getFullYear()) opts.year = 'numeric';
  return new Intl.DateTimeFormat(locale, opts).format(d);
}

export function time(ts, locale) {
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(new Date(ts));
}

export function dateTime(ts, locale) {
  return new Intl.DateTimeFormat(locale, {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(ts));
}

// Short: the time today, else day and time.
export function shortWhen(ts, locale) {
  const d = new Date(ts);
  if (dayKey(d) === dayKey(new Date())) return time(d, locale);
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }).format(d);
}

// A local calendar date (YYYY-MM-DD from <input type=date>) to the RFC 3339
// UTC instant of its local midnight, with milliseconds as the contract wants.
export function localDateToUtc(dateStr, addDays = 0) {
  const [y, m, d] = dateStr.split('-').map(Number);
  return new Date(y, m - 1, d + addDays).toISOString();
}

export function isoDate(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

// A message's preview as the gateway makes CONV.last.preview (issue 15): the
// body on one line (line breaks and runs of white space as one space), its
// first 120 characters (code points, as the gateway counts them).  Used for
// messages that come live, so the caseload stays current without asking.
export const PREVIEW_CHARS = 120;
export function previewOf(body, n = PREVIEW_CHARS) {
  const line = String(body || '').replace(/\s+/g, ' ').trim();
  return Array.from(line).slice(0, n).join('');
}
