// attachments.js - photos and documents in messages (issue 14), for both apps.
//
// The way of a file:
//   picked (file input, camera, drag and drop) -> checkFile() refuses what
//   the gateway would (type, 10 MiB) -> shrinkImage() makes a photo at most
//   1600 px on its long side, JPEG 0.8, on the device (a PDF, or a photo the
//   browser cannot decode such as HEIC, goes as it is) -> the outbox keeps it
//   (shared/outbox.js; a files store: IdbFiles on the family's phone,
//   MemoryFiles for staff) -> upload() POSTs it with progress -> the send
//   frame names the upload ids -> the gateway's checker says `ready` or
//   `rejected` in an `attachment` frame (trackAttachments keeps the newest
//   word per id and updates the message in the store).
//
// Showing them: the files are behind the session cookie, so images are
// fetched with fetch() and shown through blob: URLs (the page CSP has
// `img-src 'self' data: blob:`).  Thumbnails are cached per id (LRU, object
// URLs revoked when dropped and at sign-out: releaseAll()); the full picture
// of the viewer is revoked when it closes.  A PDF is a plain link to
// /api/attachments/ID with `download`: the gateway answers it with
// Content-Disposition: attachment, so the browser downloads it itself.
// Until a file of one's own is ready, its local copy is the preview.
//
// Words come from the app's language files through attachmentLabels(t): both
// apps keep the same attach.* keys.

import { h } from './dom.js';
import { ApiError } from './api.js';

export const MAX_BYTES = 10 * 1024 * 1024; // the gateway's attachment_max_mb
export const MAX_FILES = 10; // per message
export const MAX_SIDE = 1600; // a photo's long side after shrinking
const QUALITY = 0.8;
const TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/heic', 'image/heif', 'application/pdf'];
const EXT = /\.(jpe?g|png|webp|heic|heif|pdf)$/i;
export const ACCEPT = 'image/*,application/pdf';

// ---- Before the upload -------------------------------------------------------

// null when the gateway would take its type, else 'unsupported_type'.  Its
// size is checked after shrinking (prepareFile): a 12 MB camera photo is fine.
export function checkFile(file) {
  const type = (file.type || '').toLowerCase();
  // A phone may give a HEIC photo no type at all: then its name tells.
  const untyped = type === '' || type === 'application/octet-stream';
  if (!(TYPES.includes(type) || (untyped && EXT.test(file.name || ''))) || file.size === 0) return 'unsupported_type';
  return null;
}

// A picked file made ready for the outbox: {file: {blob, name, type}} or
// {error: 'unsupported_type' | 'too_large', name}.
export async function prepareFile(file) {
  const error = checkFile(file);
  if (error) return { error, name: file.name || '' };
  const out = await shrinkImage(file);
  if (out.blob.size > MAX_BYTES) return { error: 'too_large', name: file.name || '' };
  return { file: out };
}

const isPdf = (f) => (f.type || '').toLowerCase() === 'application/pdf' || /\.pdf$/i.test(f.name || '');

// {blob, name, type}: a photo made smaller when it is bigger than MAX_SIDE
// (or heavy), as JPEG; otherwise the file as it is.  Never fails.
export async function shrinkImage(file) {
  const asIs = { blob: file, name: file.name || 'bilag', type: file.type || '' };
  if (isPdf(file) || typeof createImageBitmap !== 'function') return asIs;
  let bmp;
  try {
    bmp = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    return asIs; // HEIC and friends: the gateway's converter takes them
  }
  try {
    const long = Math.max(bmp.width, bmp.height);
    if (long <= MAX_SIDE && file.size <= 1.5 * 1024 * 1024) return asIs;
    const scale = Math.min(1, MAX_SIDE / long);
    const w = Math.max(1, Math.round(bmp.width * scale));
    const hgt = Math.max(1, Math.round(bmp.height * scale));
    const canvas = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(w, hgt) : Object.assign(document.createElement('canvas'), { width: w, height: hgt });
    const g = canvas.getContext('2d');
    g.fillStyle = '#fff'; // a transparent PNG on white, not black
    g.fillRect(0, 0, w, hgt);
    g.drawImage(bmp, 0, 0, w, hgt);
    const blob = canvas.convertToBlob
      ? await canvas.convertToBlob({ type: 'image/jpeg', quality: QUALITY })
      : await new Promise((res) => canvas.toBlob(res, 'image/jpeg', QUALITY));
    if (!blob || (blob.size >= file.size && long <= MAX_SIDE)) return asIs;
    const base = (file.name || 'billede').replace(/\.[^.]*$/, '');
    return { blob, name: `${base}.jpg`, type: 'image/jpeg' };
  } catch {
    return asIs;
  } finally {
    bmp.close();
  }
}

// ---- Upload ------------------------------------------------------------------

// POST /api/uploads?name= with the file as the body (the session cookie; the
// browser adds Origin).  XMLHttpRequest, for its upload progress:
// onProgress(loaded, total).  Resolves with the ATTACHMENT (state
// "checking"); rejects with an ApiError (status 0: the network).
export function upload(blob, name, { onProgress } = {}) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('POST', `/api/uploads?name=${encodeURIComponent(name || 'bilag')}`);
    x.setRequestHeader('Accept', 'application/json');
    x.setRequestHeader('Content-Type', 'application/octet-stream');
    x.responseType = 'json';
    if (onProgress) x.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : blob.size);
    x.onerror = x.ontimeout = x.onabort = () => reject(new ApiError(0, 'network', 'network error'));
    x.onload = () => {
      const data = x.response;
      if (x.status === 201 && data && typeof data.id === 'number') resolve(data);
      else {
        const err = (data && data.error) || {};
        reject(new ApiError(x.status, err.code || codeOf(x.status), err.message || ''));
      }
    };
    x.send(blob);
  });
}

function codeOf(status) {
  return { 401: 'unauthorized', 403: 'forbidden', 408: 'timeout', 411: 'bad_request', 413: 'too_large', 415: 'unsupported_type', 429: 'rate_limited' }[status] || 'internal';
}

// Does an upload refusal mean "never" (the message cannot go as it is)?
// The gateway's reasons for refusing a file, each an attach.reason_* key.
const REASONS = ['malware', 'not_an_image', 'too_many_pixels', 'too_large', 'not_scanned', 'lost'];

// The words of the files' views in the app's language (t: its i18n's t;
// called at render time, once the language is loaded).
export function attachmentLabels(t) {
  return {
    checking: t('attach.checking'),
    rejected: (r) => t('attach.rejected', { reason: t(`attach.reason_${REASONS.includes(r) ? r : 'lost'}`) }),
    open: (name) => t('attach.open', { name }),
    download: (name, size) => t('attach.download', { name, size }),
    uploading: (name) => t('attach.uploading', { name }),
    remove: (name) => t('attach.remove', { name }),
    removeShort: t('attach.remove_short'),
    close: t('attach.close'),
    loading: t('attach.loading'),
    failed: t('attach.failed'),
    error: (code, name) => t(code === 'too_large' ? 'attach.err_size' : 'attach.err_type', { name }),
    tooMany: (max) => t('attach.err_many', { max }),
  };
}

export const permanentUpload = (e) => [403, 411, 413, 415].includes(e.status);

// ---- Files kept until the message is stored -----------------------------------

// IndexedDB (the family's phone: a photo taken offline survives closing the
// app).  One object store "files", key -> Blob.  Every call fails soft.
export class IdbFiles {
  constructor(name) {
    this.name = name;
  }
  open() {
    return new Promise((resolve, reject) => {
      if (!('indexedDB' in self)) return reject(new Error('no IndexedDB'));
      const r = indexedDB.open(this.name, 1);
      r.onupgradeneeded = () => r.result.createObjectStore('files');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  }
  async run(mode, fn) {
    const db = await this.open();
    try {
      return await new Promise((resolve, reject) => {
        const tx = db.transaction('files', mode);
        const out = fn(tx.objectStore('files'));
        tx.oncomplete = () => resolve(out && 'result' in out ? out.result : undefined);
        tx.onerror = tx.onabort = () => reject(tx.error);
      });
    } finally {
      db.close();
    }
  }
  put(key, blob) {
    return this.run('readwrite', (s) => s.put(blob, key));
  }
  get(key) {
    return this.run('readonly', (s) => s.get(key)).catch(() => undefined);
  }
  keys() {
    return this.run('readonly', (s) => s.getAllKeys()).catch(() => []);
  }
  delete(keys) {
    if (!keys.length) return Promise.resolve();
    return this.run('readwrite', (s) => {
      for (const k of keys) s.delete(k);
    }).catch(() => {});
  }
}

// In memory (staff: the outbox itself lives in sessionStorage).
export class MemoryFiles {
  constructor() {
    this.map = new Map();
  }
  async put(key, blob) {
    this.map.set(key, blob);
  }
  async get(key) {
    return this.map.get(key);
  }
  async keys() {
    return [...this.map.keys()];
  }
  async delete(keys) {
    for (const k of keys) this.map.delete(k);
  }
}

// ---- States from the gateway ----------------------------------------------------

const known = new Map(); // upload id -> the newest ATTACHMENT heard of
const RANK = { checking: 0, ready: 1, rejected: 1 };

// The newest word about an attachment: a frame may come before the message
// (a live push or a history page may still say "checking").
export function current(att) {
  const k = known.get(att.id);
  return k && (RANK[k.state] ?? 0) >= (RANK[att.state] ?? 0) ? { ...att, ...k } : att;
}

function remember(att) {
  const prev = known.get(att.id);
  if (!prev || (RANK[att.state] ?? 0) >= (RANK[prev.state] ?? 0)) known.set(att.id, att);
}

// For reconcile(): changes when any attachment of m changes state.
export function attSig(m) {
  return (m.attachments || []).map((a) => `${a.id}:${current(a).state}`).join(',');
}

// Listens for `attachment` frames: remembers each, puts it into its message
// in the store, and tells the views (store event `attachment` {conv, message}).
export function trackAttachments(conn, store) {
  conn.addEventListener('attachment', (e) => {
    const att = e.detail && e.detail.attachment;
    if (!att || typeof att.id !== 'number') return;
    remember(att);
    // The sender's own frame may name no message even when the upload is in
    // one already (it was checked after the message went): found by its id.
    let conv = e.detail.conv ? store.convs.get(e.detail.conv) : null;
    let m = conv && conv.messages.get(e.detail.message);
    if (!m) [conv, m] = holderOf(store, att.id);
    if (m && Array.isArray(m.attachments)) {
      m.attachments = m.attachments.map((a) => (a.id === att.id ? { ...a, ...att } : a));
    }
    store.dispatchEvent(new CustomEvent('attachment', { detail: { conv, message: m || null, attachment: att } }));
  });
  // Every message's attachments as the gateway last described them.
  conn.addEventListener('message', (e) => {
    for (const a of (e.detail && e.detail.attachments) || []) if (a && a.state !== 'checking') remember(a);
  });
  // Messages whose files are still being checked are asked about again now
  // and then, in case their `attachment` frame never comes (it is not
  // repeated after a dropped connection, and the gateway may tell only the
  // sender when the check ends just as the message is stored).
  store.addEventListener('message', (e) => probeLater(conn, store, e.detail.conv, e.detail.message));
  store.addEventListener('history', (e) => {
    for (const m of e.detail.conv.messages.values()) probeLater(conn, store, e.detail.conv, m);
  });
}

const PROBE_FIRST_MS = 3000;
const PROBE_MAX_MS = 60000;
const PROBE_TRIES = 10; // about six minutes
const probes = new Map(); // message id -> timer

const checking = (m) => (m.attachments || []).some((a) => current(a).state === 'checking');

function probeLater(conn, store, conv, m, tries = 0) {
  if (!conv || !m || !checking(m) || (probes.has(m.id) && tries === 0) || tries >= PROBE_TRIES) return;
  const delay = Math.min(PROBE_MAX_MS, PROBE_FIRST_MS * 2 ** tries);
  probes.set(m.id, setTimeout(async () => {
    probes.delete(m.id);
    if (!store.convs.has(conv.id) || !checking(m)) return;
    try {
      if (conn.isOpen) {
        const r = await conn.history(conv.id, m.id + 1, 1);
        const fresh = (r.messages || []).find((x) => x.id === m.id);
        if (fresh && Array.isArray(fresh.attachments)) {
          for (const a of fresh.attachments) remember(a);
          if (fresh.attachments.some((a) => a.state !== 'checking')) {
            m.attachments = m.attachments.map((a) => current(a));
            store.dispatchEvent(new CustomEvent('attachment', { detail: { conv, message: m, attachment: null } }));
          }
        }
      }
    } catch {
      /* asked again below */
    }
    probeLater(conn, store, conv, m, tries + 1);
  }, delay));
}

// [conv, message] holding attachment id among the loaded messages, newest
// first (it was most likely just sent), else [null, null].
function holderOf(store, id) {
  for (const conv of store.convs.values()) {
    const list = [...conv.messages.values()];
    for (let i = list.length - 1; i >= 0; i--) {
      if ((list[i].attachments || []).some((a) => a.id === id)) return [conv, list[i]];
    }
  }
  return [null, null];
}

// ---- Blobs on screen ------------------------------------------------------------

const THUMBS_MAX = 80;
const thumbs = new Map(); // url -> Promise<object URL>, in use order
const locals = new Map(); // upload id or outbox key -> object URL of the sender's own copy

// GET url (cookie) -> object URL; cached, least recently used dropped (and
// revoked: an <img> already showing it keeps its decoded picture).
export function blobUrl(url) {
  let p = thumbs.get(url);
  if (p) {
    thumbs.delete(url);
    thumbs.set(url, p);
    return p;
  }
  p = fetch(url, { credentials: 'same-origin' }).then(async (r) => {
    if (!r.ok) throw new ApiError(r.status, codeOf(r.status));
    return URL.createObjectURL(await r.blob());
  });
  p.catch(() => thumbs.delete(url));
  thumbs.set(url, p);
  while (thumbs.size > THUMBS_MAX) {
    const [old, op] = thumbs.entries().next().value;
    thumbs.delete(old);
    op.then((u) => URL.revokeObjectURL(u), () => {});
  }
  return p;
}

// The sender's own copy of a file (the outbox's blob), shown until the
// gateway's checked one is ready.
export function setLocal(key, blob) {
  if (!blob || locals.has(key)) return;
  locals.set(key, URL.createObjectURL(blob));
}
export function localUrl(key) {
  return locals.get(key) || null;
}
export function dropLocal(key) {
  const u = locals.get(key);
  if (u) URL.revokeObjectURL(u);
  locals.delete(key);
}

// Sign-out, or another user: every object URL goes.
export function releaseAll() {
  for (const p of thumbs.values()) p.then((u) => URL.revokeObjectURL(u), () => {});
  thumbs.clear();
  for (const u of locals.values()) URL.revokeObjectURL(u);
  locals.clear();
  known.clear();
  for (const t of probes.values()) clearTimeout(t);
  probes.clear();
}

// ---- Rendering --------------------------------------------------------------------

// labels: { checking, rejected(reason code) -> text, open(name) -> accessible
// name of a thumbnail, download(name) -> of a PDF link, pdf, image,
// waiting, close, viewer(name) }.
// opts.local(att) -> object URL of the sender's own copy (or null).

export function renderAttachments(list, labels, { local = () => null } = {}) {
  if (!list || !list.length) return null;
  return h('ul', { class: 'atts', role: 'list' }, list.map((a) => renderOne(current(a), labels, local(a))));
}

function sizeText(n) {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} kB`;
}

function renderOne(a, labels, localSrc) {
  const li = h('li', { class: `att att-${a.kind}`, dataset: { state: a.state, id: String(a.id) } });
  if (a.state === 'rejected') {
    li.append(h('span', { class: 'att-icon', 'aria-hidden': 'true' }), h('span', { class: 'att-name', dir: 'auto' }, a.name),
      h('span', { class: 'att-note' }, labels.rejected(a.reason || 'lost')));
    return li;
  }
  if (a.kind === 'pdf') {
    const name = h('span', { class: 'att-name', dir: 'auto' }, a.name);
    if (a.state === 'ready') {
      li.append(h('a', { class: 'att-chip', href: `/api/attachments/${a.id}`, download: a.name, 'aria-label': labels.download(a.name, sizeText(a.size)) },
        h('span', { class: 'att-icon', 'aria-hidden': 'true' }), name, h('span', { class: 'att-size' }, `(${sizeText(a.size)})`)));
    } else {
      li.append(h('span', { class: 'att-chip waiting' }, h('span', { class: 'att-icon', 'aria-hidden': 'true' }), name),
        h('span', { class: 'att-note' }, labels.checking));
    }
    return li;
  }
  // An image: its box keeps the picture's proportions before it loads.
  const dims = thumbDims(a);
  const img = h('img', { class: 'att-img', alt: a.name, width: dims.w, height: dims.h, decoding: 'async' });
  if (a.state === 'ready') {
    blobUrl(`/api/attachments/${a.id}/thumb`).then((u) => {
      img.src = u;
    }, () => {
      if (localSrc) img.src = localSrc;
      else li.dataset.broken = 'true';
    });
    li.append(h('button', { class: 'att-open', type: 'button', 'aria-label': labels.open(a.name), onclick: (e) => openViewer(a, e.currentTarget, labels) }, img));
  } else {
    if (localSrc) img.src = localSrc;
    li.append(h('span', { class: `att-wait${localSrc ? '' : ' empty'}` }, localSrc ? img : h('span', { class: 'att-name', dir: 'auto' }, a.name)),
      h('span', { class: 'att-note' }, labels.checking));
  }
  return li;
}

function thumbDims(a) {
  const w = a.width || 4;
  const hh = a.height || 3;
  const s = Math.min(1, 240 / Math.max(w, hh));
  return { w: Math.max(1, Math.round(w * s)), h: Math.max(1, Math.round(hh * s)) };
}

// The outbox's files (not uploaded, or uploaded and not yet sent): each
// with its local preview and a progress bar while it goes.
// files: [{key, name, type, size, upload}], src(key) -> Promise<object URL>|null.
export function renderPendingFiles(files, labels, src) {
  if (!files || !files.length) return null;
  return h('ul', { class: 'atts', role: 'list' }, files.map((f) => {
    const image = (f.type || '').startsWith('image/');
    const li = h('li', { class: `att att-${image ? 'image' : 'pdf'}`, dataset: { state: 'pending', key: f.key } });
    if (image) {
      const img = h('img', { class: 'att-img', alt: f.name, decoding: 'async' });
      const p = src(f.key);
      if (p) p.then((u) => { if (u) img.src = u; }, () => {});
      li.append(h('span', { class: 'att-wait' }, img));
    } else {
      li.append(h('span', { class: 'att-chip waiting' }, h('span', { class: 'att-icon', 'aria-hidden': 'true' }), h('span', { class: 'att-name', dir: 'auto' }, f.name)));
    }
    li.append(h('progress', { class: 'att-progress', max: 100, value: f.upload ? 100 : 0, hidden: !f.upload && !f.progress, 'aria-label': labels.uploading(f.name) }));
    return li;
  }));
}

// Moves a pending file's progress bar without rebuilding the bubble.
export function showProgress(root, key, fraction) {
  const bar = root.querySelector(`.att[data-key="${CSS.escape(key)}"] .att-progress`);
  if (!bar) return;
  bar.hidden = false;
  bar.value = Math.round(fraction * 100);
}

// The tray of files picked for the next message, each with a remove button.
// files: [{id, name, size, type, url}].
export function renderTray(ul, files, labels, onRemove) {
  while (ul.firstChild) ul.removeChild(ul.firstChild);
  ul.hidden = files.length === 0;
  for (const f of files) {
    const image = (f.type || '').startsWith('image/');
    ul.append(h('li', { class: 'tray-item' },
      image && f.url ? h('img', { class: 'tray-img', src: f.url, alt: '' }) : h('span', { class: 'att-icon', 'aria-hidden': 'true' }),
      h('span', { class: 'tray-name', dir: 'auto' }, f.name),
      h('span', { class: 'att-size' }, sizeText(f.size)),
      h('button', { class: 'btn-link tray-remove', type: 'button', 'aria-label': labels.remove(f.name), onclick: () => onRemove(f.id) }, labels.removeShort)));
  }
}

// The files picked for the next message: prepared (checked, photos made
// smaller) one after the other, shown in the tray, taken by the send.
// labels: as renderTray's, plus error(code, name) and tooMany(max) -> text;
// say(text): the reply box's error line ('' clears it).
export class Picker {
  constructor({ tray, labels, say, focusAfterRemove }) {
    this.tray = tray;
    this.labels = labels;
    this.say = say;
    this.focusAfterRemove = focusAfterRemove;
    this.picked = []; // {id, file: {blob, name, type}, name, size, type, url}
    this.seq = 0;
    this.preparing = Promise.resolve();
  }

  add(files) {
    this.say('');
    if (this.picked.length + files.length > MAX_FILES) {
      this.say(this.labels().tooMany(MAX_FILES));
      return this.preparing;
    }
    this.preparing = this.preparing.then(async () => {
      for (const f of files) {
        const r = await prepareFile(f);
        if (r.error) {
          this.say(this.labels().error(r.error, r.name));
          continue;
        }
        const { blob, name, type } = r.file;
        this.picked.push({ id: ++this.seq, file: r.file, name, size: blob.size, type, url: type.startsWith('image/') ? URL.createObjectURL(blob) : null });
      }
      this.render();
    });
    return this.preparing;
  }

  render() {
    renderTray(this.tray, this.picked, this.labels(), (id) => {
      const i = this.picked.findIndex((p) => p.id === id);
      if (i < 0) return;
      const [gone] = this.picked.splice(i, 1);
      if (gone.url) URL.revokeObjectURL(gone.url);
      this.render();
      if (this.focusAfterRemove) this.focusAfterRemove();
    });
  }

  // Waits for the files being prepared; -> whether any are picked.
  async ready() {
    await this.preparing;
    return this.picked.length > 0;
  }

  // The picked files for the outbox ([{blob, name, type}]); the tray empties.
  take() {
    const out = this.picked.map((p) => p.file);
    for (const p of this.picked) if (p.url) URL.revokeObjectURL(p.url);
    this.picked = [];
    this.render();
    return out;
  }
}

// A message's files (its sender sees the own copy until the checked one is
// ready), or null.
export function messageFiles(m, labels) {
  return renderAttachments(m.attachments, labels, { local: (a) => localUrl(a.id) });
}

// A waiting outbox item's files, with their previews from the outbox.
export function pendingFiles(it, outbox, labels) {
  return renderPendingFiles(it.files, labels, (key) => {
    const u = localUrl(key);
    if (u) return Promise.resolve(u);
    return outbox.blobOf(key).then((b) => {
      if (b) setLocal(key, b);
      return localUrl(key);
    });
  });
}

// The gateway's body of a message that is only files ("📎 brev.jpg") says
// nothing the files do not show.
export function bodyShown(m) {
  if (!m.attachments || !m.attachments.length) return true;
  return m.body !== `📎 ${m.attachments.map((a) => a.name).join(', ')}`;
}

// Upload progress on screen (root: the message list), and the sender's own
// copy kept as the preview until the checked one is ready.
export function followOutbox(outbox, root) {
  outbox.addEventListener('progress', (e) => showProgress(root, e.detail.file.key, e.detail.fraction));
  outbox.addEventListener('uploaded', (e) => setLocal(e.detail.attachment.id, e.detail.blob));
  outbox.addEventListener('acked', (e) => {
    for (const f of e.detail.item.files || []) dropLocal(f.key);
  });
}

// ---- The viewer -------------------------------------------------------------------

// A modal dialog with the full picture; Escape or "Luk" closes it, the
// focus goes back to the thumbnail, the object URL is revoked.
export function openViewer(a, opener, labels) {
  const img = h('img', { class: 'att-full', alt: a.name });
  const status = h('p', { class: 'att-viewer-status', role: 'status' }, labels.loading || '');
  const close = h('button', { class: 'btn att-viewer-close', type: 'button' }, labels.close);
  const title = h('h2', { class: 'att-viewer-title', dir: 'auto', id: `att-viewer-title-${a.id}` }, a.name);
  const dlg = h('dialog', { class: 'att-viewer', 'aria-labelledby': title.id },
    h('div', { class: 'att-viewer-head' }, title, close), status, h('div', { class: 'att-viewer-body' }, img));
  let url = null;
  let closed = false;
  close.addEventListener('click', () => dlg.close());
  dlg.addEventListener('click', (e) => {
    if (e.target === dlg) dlg.close(); // a click on the backdrop
  });
  dlg.addEventListener('close', () => {
    closed = true;
    if (url) URL.revokeObjectURL(url);
    dlg.remove();
    if (opener && opener.isConnected) opener.focus();
  });
  document.body.append(dlg);
  dlg.showModal();
  close.focus();
  fetch(`/api/attachments/${a.id}`, { credentials: 'same-origin' })
    .then(async (r) => {
      if (!r.ok) throw new ApiError(r.status, codeOf(r.status));
      const u = URL.createObjectURL(await r.blob());
      if (closed) {
        URL.revokeObjectURL(u);
        return;
      }
      url = u;
      img.src = u;
      status.textContent = '';
    })
    .catch(() => {
      if (!closed) status.textContent = labels.failed || '';
    });
  return dlg;
}
