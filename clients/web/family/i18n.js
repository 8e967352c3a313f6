// i18n.js - the family app's languages.  Every string lives in lang/XX.json,
// one file per language; this module picks the language (the user's manual
// choice, else the phone's language, else Danish), loads the file and fills
// the page: [data-i18n] text, [data-i18n-placeholder], [data-i18n-aria-label].

// code: the file lang/CODE.json and the phone's language that picks it;
// name: as its readers write it (the file's "_language"); dir: 'rtl' for
// Arabic and Farsi; locale: dates and times (Farsi with the Gregorian
// calendar, the one the family's letters and appointments in Denmark use).
export const LANGUAGES = [
  { code: 'da', name: 'Dansk', dir: 'ltr', locale: 'da-DK' },
  { code: 'en', name: 'English', dir: 'ltr', locale: 'en-GB' },
  { code: 'ar', name: 'العربية', dir: 'rtl', locale: 'ar' },
  { code: 'so', name: 'Soomaali', dir: 'ltr', locale: 'so' },
  { code: 'tr', name: 'Türkçe', dir: 'ltr', locale: 'tr-TR' },
  { code: 'uk', name: 'Українська', dir: 'ltr', locale: 'uk-UA' },
  { code: 'fa', name: 'فارسی', dir: 'rtl', locale: 'fa-IR-u-ca-gregory' },
];
const KEY = 'indgang.lang';

let strings = {};
let fallback = {};
let current = LANGUAGES[0];

export function chooseLanguage() {
  const saved = safeGet(KEY);
  if (saved && LANGUAGES.some((l) => l.code === saved)) return saved;
  for (const tag of navigator.languages || [navigator.language || '']) {
    const primary = String(tag).toLowerCase().split('-')[0];
    if (LANGUAGES.some((l) => l.code === primary)) return primary;
  }
  return 'da';
}

async function loadStrings(code) {
  const r = await fetch(`/family/lang/${code}.json`);
  if (!r.ok) throw new Error(`lang ${code}: ${r.status}`);
  return r.json();
}

export async function setLanguage(code, { remember = false } = {}) {
  const lang = LANGUAGES.find((l) => l.code === code) || LANGUAGES[0];
  try {
    if (!Object.keys(fallback).length) fallback = await loadStrings('da');
    strings = lang.code === 'da' ? fallback : await loadStrings(lang.code);
  } catch {
    strings = fallback;
  }
  current = lang;
  if (remember) safeSet(KEY, lang.code);
  document.documentElement.lang = lang.code;
  document.documentElement.dir = lang.dir;
  apply(document);
  return lang;
}

export function lang() {
  return current;
}

// t('chat.count', {n: 3, max: 4000}).  In a right-to-left language every
// inserted value (a Latin name, a number) is isolated (FSI … PDI), so the
// bidi algorithm does not pull the sentence's punctuation into it.
export function t(key, vars) {
  let s = strings[key] ?? fallback[key] ?? key;
  const iso = current.dir === 'rtl' ? (v) => `\u2068${v}\u2069` : (v) => v;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? iso(String(vars[k])) : m));
  return s;
}

export function apply(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
}

// Joins names the way the language does: "A og B", "A, B og C".
export function names(list) {
  if (list.length <= 1) return list.join('');
  const sep = current.dir === 'rtl' ? '، ' : ', ';
  return t('chat.two_names', { a: list.slice(0, -1).join(sep), b: list[list.length - 1] });
}

function safeGet(k) {
  try {
    return localStorage.getItem(k);
  } catch {
    return null;
  }
}
function safeSet(k, v) {
  try {
    localStorage.setItem(k, v);
  } catch {
    /* private mode */
  }
}
