// dom.js - tiny helpers to build DOM safely: text always goes in as text
// (never as HTML), so message bodies cannot inject markup.

// h('div', {class: 'x', onclick: fn, 'aria-label': '…'}, child, 'text', [more])
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k in el && typeof v !== 'string') el[k] = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

// Says something to screen readers through a polite live region.
export function announce(region, text) {
  if (!region) return;
  // Re-setting the same text is not announced again; clear first.
  region.textContent = '';
  setTimeout(() => {
    region.textContent = text;
  }, 50);
}

// Counts Unicode code points, as the gateway does for the 4,000 limit.
export function codePoints(s) {
  let n = 0;
  for (const _ of s) n += 1; // eslint-disable-line no-unused-vars
  return n;
}

// Brings parent's children in line with items [{key, sig, render}] while
// keeping every element whose key and signature are unchanged: a live update
// does not rebuild the list, so a selection, the focus or a screen reader's
// place in it survive.  render() is called only for new or changed items.
export function reconcile(parent, items) {
  const old = new Map();
  for (const child of parent.children) if (child.dataset.key) old.set(child.dataset.key, child);
  const used = new Set();
  items.forEach((it, i) => {
    let node = old.get(it.key);
    if (!node || node.dataset.sig !== it.sig) {
      node = it.render();
      node.dataset.key = it.key;
      node.dataset.sig = it.sig;
    }
    used.add(node);
    const at = parent.children[i];
    if (at !== node) parent.insertBefore(node, at || null);
  });
  for (const child of [...parent.children]) if (!used.has(child)) child.remove();
}
