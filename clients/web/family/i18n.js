// i18n.js - the family app's languages, through the clients' one translation
// mechanism (shared/i18n.js); the strings are in lang/XX.json.

import { configure } from '../shared/i18n.js';

export { chooseLanguage, setLanguage, t, lang, apply, names } from '../shared/i18n.js';

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

configure({ languages: LANGUAGES, base: '/family/lang', key: 'indgang.lang' });
