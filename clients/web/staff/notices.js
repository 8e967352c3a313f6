// notices.js - short notices inside the staff client (issue 15): a colleague
// named you in a note (mentions.js), a family has waited past half or all of
// its team's answer time (escalation.js).  A polite stack in the corner, each
// notice with a link to the conversation and "Luk"; it never takes the focus
// and never covers the reply box (bottom-left, over the caseload's foot).  A screen reader hears each once
// through the stack's live region.  At most MAX stay; the oldest goes first.
// The same key again (the same note, the same escalation) replaces the one
// shown.  Gone at sign-out.

import { h, clear } from '../shared/dom.js';
import { t } from './i18n.js';

const MAX = 4;

let box = null;

export function initNotices(parent = document.getElementById('app-view')) {
  box = h('aside', { id: 'notices', class: 'notices', 'aria-label': t('notices.region') },
    h('ol', { class: 'notice-list', 'aria-live': 'polite', 'aria-relevant': 'additions' }));
  parent.append(box);
}

// {key, kind ('mention' | 'escalation'), text, href, linkText}
export function showNotice({ key, kind = '', text, href, linkText }) {
  if (!box) return null;
  const list = box.firstChild;
  if (key) for (const old of list.querySelectorAll(`li[data-key="${CSS.escape(key)}"]`)) old.remove();
  const item = h('li', { class: `notice${kind ? ` notice-${kind}` : ''}`, dataset: { key: key || '' } },
    h('p', { class: 'notice-text' }, text),
    h('div', { class: 'notice-actions' },
      href ? h('a', { class: 'btn notice-open', href, onclick: () => item.remove() }, linkText) : null,
      h('button', {
        class: 'btn-link notice-close', type: 'button', 'aria-label': t('notices.close_what', { text }),
        onclick: () => dismiss(item),
      }, t('notices.close'))),
  );
  list.append(item);
  while (list.children.length > MAX) list.firstChild.remove();
  return item;
}

// Closed from its own button: the focus goes to the next notice, or the page.
function dismiss(item) {
  const next = item.nextElementSibling || item.previousElementSibling;
  item.remove();
  const to = next ? next.querySelector('.notice-close') : document.getElementById('main');
  to?.focus({ preventScroll: true });
}

export function clearNotices() {
  if (box) clear(box.firstChild);
}
