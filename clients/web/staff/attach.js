// attach.js - photos and documents in the staff client (issue 14).
// "Vedhæft fil" in the reply box opens the file picker; files dropped onto
// the conversation go the same way.  They wait in the tray above the text
// (each with "Fjern") and go with the next message or internal note (a
// note's files never reach the family).  The outbox keeps them in memory
// until the gateway has stored the message (shared/outbox.js).  In the
// conversation: pictures as thumbnails that open the viewer (Escape closes,
// the focus returns), PDFs as a link that downloads, and "Bliver
// kontrolleret …" / "Afvist: …" in words.

import {
  Picker, attachmentLabels, trackAttachments, followOutbox, releaseAll, messageFiles as filesOf, pendingFiles as pendingOf,
} from '../shared/attachments.js';
import { t } from './i18n.js';

// The words, in the client's language (called at render time).
export const labels = () => attachmentLabels(t);

let picker = null;
let outboxRef = null;

// elements: tray, attachBtn, fileInput, dropZone, msgs; showError(text),
// clearError(); canDrop(): a conversation with a reply box is on screen.
export function initStaffAttach({ conn, store, outbox, elements: el, showError, clearError, canDrop }) {
  outboxRef = outbox;
  picker = new Picker({
    tray: el.tray,
    labels,
    say: (text) => (text ? showError(text) : clearError()),
    focusAfterRemove: () => el.attachBtn.focus(),
  });
  el.attachBtn.addEventListener('click', () => el.fileInput.click());
  el.fileInput.addEventListener('change', () => {
    const files = [...el.fileInput.files];
    el.fileInput.value = '';
    if (files.length) picker.add(files);
  });
  // Drag and drop onto the conversation: only files, only while it is shown.
  const hasFiles = (e) => e.dataTransfer && [...(e.dataTransfer.types || [])].includes('Files');
  let depth = 0;
  const over = (on) => el.dropZone.classList.toggle('drop-over', on);
  el.dropZone.addEventListener('dragenter', (e) => {
    if (!hasFiles(e) || !canDrop()) return;
    e.preventDefault();
    depth += 1;
    over(true);
  });
  el.dropZone.addEventListener('dragover', (e) => {
    if (!hasFiles(e) || !canDrop()) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    over(true);
  });
  el.dropZone.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (!depth) over(false);
  });
  // A file dropped beside the conversation must not open in the tab (and
  // leave the page): the browser's default is stopped everywhere.
  for (const type of ['dragover', 'drop']) {
    window.addEventListener(type, (e) => {
      if (hasFiles(e) && (!el.dropZone.contains(e.target) || !canDrop())) {
        e.preventDefault();
        e.dataTransfer.dropEffect = 'none';
      }
    });
  }
  el.dropZone.addEventListener('drop', (e) => {
    depth = 0;
    over(false);
    if (!hasFiles(e) || !canDrop()) return;
    e.preventDefault();
    const files = [...e.dataTransfer.files];
    if (files.length) picker.add(files);
  });
  trackAttachments(conn, store);
  followOutbox(outbox, el.msgs);
}

export const ready = () => picker.ready();
export const takePicked = () => picker.take();
export const messageFiles = (m) => filesOf(m, labels());
export const pendingFiles = (it) => pendingOf(it, outboxRef, labels());

// Another conversation, or signed out: the tray empties (a file meant for
// one family must not go to another).
export function dropPicked() {
  if (picker) picker.take();
}

export function resetStaffAttach() {
  dropPicked();
  releaseAll();
}
