// attach.js - photos and documents in the family app (issue 14), in the
// member's language.  The paperclip opens the phone's own picker (photo
// library, files, and on most phones the camera too); the camera button asks
// for the camera directly (capture).  A picked photo is shrunk on the phone
// (shared/attachments.js: at most 1600 px, JPEG) and waits in the tray above
// the reply box, with a remove button, until the message is sent; then the
// outbox keeps it in IndexedDB ("indgang-family-outbox") until the gateway
// has stored the message, so a photo taken offline survives closing the app
// and goes when the phone is online again (uploaded once: the upload's id is
// kept with the message).  In the chat: pictures as thumbnails (tap: the
// full picture), PDFs as a chip that downloads, "Bliver kontrolleret …" and
// "Afvist: …" in words.

import {
  IdbFiles, Picker, attachmentLabels, trackAttachments, followOutbox, releaseAll, messageFiles as filesOf, pendingFiles as pendingOf,
} from '../shared/attachments.js';
import { t } from './i18n.js';

export const familyFiles = new IdbFiles('indgang-family-outbox');

let picker = null;
let outboxRef = null;

export const labels = () => attachmentLabels(t);

// elements: tray, attachBtn, cameraBtn, fileInput, cameraInput, msgs;
// showError(text) / clearError(): the reply box's error line.
export function initAttach({ conn, store, outbox, elements: el, showError, clearError }) {
  outboxRef = outbox;
  picker = new Picker({
    tray: el.tray,
    labels,
    say: (text) => (text ? showError(text) : clearError()),
    focusAfterRemove: () => el.attachBtn.focus(),
  });
  el.attachBtn.addEventListener('click', () => el.fileInput.click());
  el.cameraBtn.addEventListener('click', () => el.cameraInput.click());
  for (const input of [el.fileInput, el.cameraInput]) {
    input.addEventListener('change', () => {
      const files = [...input.files];
      input.value = '';
      if (files.length) picker.add(files);
    });
  }
  trackAttachments(conn, store);
  followOutbox(outbox, el.msgs);
}

// The tray again (the language changed).
export const renderPicked = () => picker && picker.render();
// Waits for the photos being made smaller; -> whether any files are picked.
export const ready = () => picker.ready();
// The picked files for the outbox; the tray empties.
export const takePicked = () => picker.take();

// A message's files, or null.
export const messageFiles = (m) => filesOf(m, labels());
// A waiting message's files, with their previews.
export const pendingFiles = (it) => pendingOf(it, outboxRef, labels());

// Sign-out: nothing of the files stays in memory.
export function resetAttach() {
  if (picker) picker.take();
  releaseAll();
}
