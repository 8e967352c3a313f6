// i18n.js - the staff client's languages, Danish and English, through the
// clients' one translation mechanism (shared/i18n.js); the strings are in
// lang/XX.json.  Danish until the adviser chooses otherwise in
// "Indstillinger"; the choice is kept in this browser.

import { configure } from '../shared/i18n.js';

export { chooseLanguage, setLanguage, t, lang, apply, useStrings } from '../shared/i18n.js';

export const LANGUAGES = [
  { code: 'da', name: 'Dansk', dir: 'ltr', locale: 'da-DK' },
  { code: 'en', name: 'English', dir: 'ltr', locale: 'en-GB' },
];

configure({ languages: LANGUAGES, base: '/staff/lang', key: 'indgang.staff.lang', browser: false });
