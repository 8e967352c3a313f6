// handled.js - in the conversation on screen, one line on whether the family
// waits for an answer (issue 15): "Skal besvares · venter 12 min · siden
// 10.20", or, once it does not, who answered it ("Besvaret af Bo Nielsen
// 10.32", "Markeret håndteret af Anna Jensen 10.35").  The gateway decides
// it (CONV.waiting/answered, the `waiting` frame, kept by shared/store.js).
//
// A pair adviser also gets "Intet svar nødvendigt" there: it sends
// {"type":"handled","conv","upto"} with the newest message on screen, so a
// family message that arrives meanwhile still waits.  The answer is the new
// state (a `waiting` frame), shown here and in both advisers' caseloads.
// Team members who are not in the pair see the line without the button
// (the gateway would refuse them: `forbidden`).  The button's focus goes to
// the line when the button goes, and the outcome is said to a screen reader.

import { h, clear, announce } from '../shared/dom.js';
import { shortWhen } from '../shared/format.js';
import { inPair } from './families.js';
import { needsAnswer, answeredText } from './waiting.js';
import { waitedSpan } from './caseload.js';
import { t, lang } from './i18n.js';

const SEP = ' · ';

let conn = null;
let store = null;
let box = null;
let live = null;
let humanError = (e) => String((e && e.code) || e);
let convId = null; // the conversation on screen
let error = '';
let busy = false;
let keepFocus = false; // the button had the focus when it was pressed

// element: the line's container (#conv-state); liveRegion: polite region;
// errorText(e): the client's words for a refusal.
export function initHandled({ conn: c, store: s, element, liveRegion, errorText }) {
  conn = c;
  store = s;
  box = element;
  live = liveRegion;
  if (errorText) humanError = errorText;
  store.addEventListener('waiting', (e) => e.detail.conv.id === convId && render());
  // A new welcome (after a reconnect) or a reload of the list may bring
  // another state without a `waiting` frame: drawn again only when it changed.
  store.addEventListener('convs', () => convId !== null && stateSig() !== drawn && render());
}

let drawn = ''; // the state the line shows

function stateSig() {
  const conv = store.convs.get(convId);
  if (!conv) return '';
  const w = conv.waiting;
  const a = conv.answered;
  return JSON.stringify([w && w.since, a && a.how, a && a.at, a && a.by && a.by.id]);
}

// The conversation now on screen (its line is drawn afresh).
export function showHandled(id) {
  if (id !== convId) error = '';
  convId = id;
  render();
}

export function hideHandled() {
  convId = null;
  error = '';
  if (box) {
    box.hidden = true;
    clear(box);
  }
}

function render() {
  const conv = convId !== null ? store.convs.get(convId) : null;
  if (!box) return;
  const hadFocus = box.contains(document.activeElement);
  drawn = stateSig();
  clear(box);
  if (!conv) {
    box.hidden = true;
    return;
  }
  const waiting = needsAnswer(conv);
  const answered = waiting ? '' : answeredText(conv.answered, store.me);
  if (!waiting && !answered && !error) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  box.classList.toggle('needs-answer', waiting);
  const text = h('p', { class: 'conv-state-text', tabindex: '-1' },
    waiting
      ? [h('span', { class: 'need-tag' }, t('handled.needs_answer')), SEP, waitedSpan(conv.waiting.since),
        SEP, t('handled.since', { when: shortWhen(conv.waiting.since, lang().locale) })]
      : answered);
  box.append(text);
  if (waiting && inPair(conv, store.me)) {
    box.append(
      h('button', {
        class: 'btn handled-btn', type: 'button', disabled: busy,
        'aria-describedby': 'handled-hint',
        onclick: () => markHandled(conv.id),
      }, busy ? t('handled.sending') : t('handled.button')),
      h('span', { id: 'handled-hint', class: 'visually-hidden' }, t('handled.button_hint')),
    );
  }
  if (error) box.append(h('p', { class: 'error-box handled-error', role: 'alert' }, error));
  // Re-drawn under the keyboard's focus (the button went, or waits): the
  // line keeps it.
  if ((hadFocus || keepFocus) && !box.contains(document.activeElement)) {
    (box.querySelector('.handled-btn:not([disabled])') || text).focus({ preventScroll: true });
  }
}

async function markHandled(id) {
  const conv = store.convs.get(id);
  if (!conv || busy) return;
  // The newest message on screen: what the adviser has seen.
  const shown = store.sorted(conv).at(-1);
  error = '';
  if (!shown) {
    error = t('handled.nothing_shown');
    render();
    return;
  }
  busy = true;
  keepFocus = box.contains(document.activeElement);
  render();
  try {
    await conn.handled(id, shown.id); // the `waiting` reply reaches the store first
    announce(live, needsAnswer(store.convs.get(id)) ? t('handled.still_waiting') : t('handled.done'));
  } catch (e) {
    error = e && e.code === 'forbidden' ? t('handled.forbidden') : humanError(e);
  } finally {
    busy = false;
    if (convId === id) render();
    keepFocus = false;
  }
}
