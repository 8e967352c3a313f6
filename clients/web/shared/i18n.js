// i18n.js - the web clients' languages, one mechanism for both apps.  Every
// string lives in lang/XX.json beside the app (family/lang/, staff/lang/),
// one file per language; this module picks the language (the user's manual
// choice, else the browser's language, else Danish), loads the file and
// fills the page: [data-i18n] text, [data-i18n-placeholder],
// [data-i18n-aria-label], [data-i18n-title].  Each app says which languages
// it has and where their files are (family/i18n.js, staff/i18n.js) before
// anything asks for a string.

let app = { languages: [{ code: 'da', name: 'Dansk', dir: 'ltr', locale: 'da-DK' }], base: '', key: '' };

// languages: [{code, name, dir, locale}], Danish first (the fallback);
// base: the folder of the files ('/family/lang'); key: the localStorage key
// of the user's choice; browser: whether the browser's language chooses
// until the user has (the family's phone does; a municipality's PC with an
// English Windows should not turn the staff client English).
export function configure({ languages, base, key, browser = true }) {
  app = { languages, base, key, browser };
  current = languages[0];
}

let strings = {};
let fallback = {};
let current = app.languages[0];

export function chooseLanguage() {
  const saved = safeGet(app.key);
  if (saved && app.languages.some((l) => l.code === saved)) return saved;
  const tags = app.browser ? navigator.languages || [navigator.language || ''] : [];
  for (const tag of tags) {
    const primary = String(tag).toLowerCase().split('-')[0];
    if (app.languages.some((l) => l.code === primary)) return primary;
  }
  return 'da';
}

async function loadStrings(code) {
  const r = await fetch(`${app.base}/${code}.json`);
  if (!r.ok) throw new Error(`lang ${code}: ${r.status}`);
  return r.json();
}

export async function setLanguage(code, { remember = false } = {}) {
  const lang = app.languages.find((l) => l.code === code) || app.languages[0];
  try {
    if (!Object.keys(fallback).length) fallback = await loadStrings('da');
    strings = lang.code === 'da' ? fallback : await loadStrings(lang.code);
  } catch {
    strings = fallback;
  }
  current = lang;
  if (remember) safeSet(app.key, lang.code);
  document.documentElement.lang = lang.code;
  document.documentElement.dir = lang.dir;
  apply(document);
  return lang;
}

// Outside a browser (the Node tests of the clients' pure functions, which
// have no fetch of the app's files): a language's strings given directly.
export function useStrings(code, given, danish = given) {
  current = app.languages.find((l) => l.code === code) || app.languages[0];
  strings = given;
  fallback = danish;
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
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
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
