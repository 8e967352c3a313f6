// smsparts.js - what an SMS costs, the twin of core/sms/parts.c: the
// adviser sees before sending how many SMS parts a message to a family
// member reached by SMS takes.  Both are tested on one corpus
// (tests/unit/sms/corpus.json), so the counter says what Kannel will send.
//
// A text whose every character is in the GSM 03.38 alphabet (Danish is) goes
// as 7-bit septets: 160 in one part, 153 in each of several; the extension
// characters take two, never split across parts.  Any other character
// (Arabic, Cyrillic, an emoji, a typographic dash) makes the whole text
// UCS-2: 70 UTF-16 units in one part, 67 in each of several, a surrogate
// pair never split.

const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà' +
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
);
const GSM_EXT = new Set('\f^{}\\[~]|€');

function septets(ch) {
  if (GSM_BASIC.has(ch)) return 1;
  return GSM_EXT.has(ch) ? 2 : 0;
}

// text -> {coding: 'gsm7'|'ucs2', units, parts}
export function smsCost(text) {
  const chars = Array.from(String(text)); // code points
  const gsm = chars.every((c) => septets(c) > 0);
  const one = gsm ? 160 : 70;
  const many = gsm ? 153 : 67;
  let units = 0;
  let parts = 0;
  let room = 0;
  for (const c of chars) {
    const size = gsm ? septets(c) : c.length; // UTF-16 units: 2 for a surrogate pair
    units += size;
    if (size > room) {
      parts++;
      room = many;
    }
    room -= size;
  }
  return { coding: gsm ? 'gsm7' : 'ucs2', units, parts: units === 0 ? 0 : units <= one ? 1 : parts };
}
