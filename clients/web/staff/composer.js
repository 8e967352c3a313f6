// composer.js - the reply box's size (issue 15): one line until it is used, so
// a laptop screen shows the conversation rather than an empty box.
//
// Collapsed (the class `collapsed` on the form; staff.css draws it): the mode
// switch, one line to write in and the send button, in a row.  Expanded as
// soon as anything in the box has the focus, or it holds something (a draft,
// picked files, the "Send senere" choices, an error): the mode hint, three
// lines, the files, "Vedhæft fil", "Send senere", the help.  Collapsed again
// when it is empty and the focus has left it.
//
// Two details keep a click from going astray.  A pointer pressed inside the
// box keeps it as it is until released: pressing "Intern note" first takes the
// focus off the text, and collapsing then would move the switch away from
// under the pointer before the click.  And staff.js puts the caret in the box
// when a conversation is opened from the caseload (for keyboard users); that
// is quietFocus(): the box stays one line until they type, press or move
// within it, so arriving in a conversation shows its messages.

let form = null;
let body = null;
let scroller = null;
let keepers = []; // elements that keep the box open while shown
let quiet = false; // the caret was put in for the user: stays one line
let pressed = false; // a pointer is down inside the box
let placing = false; // quietFocus() is moving the focus

// form: the composer; textarea: the reply box; list: the message list
// (kept at its newest when the box grows); keep: elements (files tray, the
// "Send senere" panel, the error) that keep it open while not hidden.
export function initComposer({ form: f, textarea, list, keep = [] }) {
  form = f;
  body = textarea;
  scroller = list;
  keepers = keep;
  form.addEventListener('focusin', () => {
    if (!placing) quiet = false;
    update();
  });
  // The focus moves on after focusout: look once it has landed.
  form.addEventListener('focusout', () => setTimeout(update, 0));
  form.addEventListener('pointerdown', () => {
    pressed = true;
  });
  const released = () => {
    if (!pressed) return;
    pressed = false;
    setTimeout(update, 0);
  };
  window.addEventListener('pointerup', released, true);
  window.addEventListener('pointercancel', released, true);
  body.addEventListener('input', () => {
    quiet = false;
    update();
  });
  body.addEventListener('keydown', (e) => {
    // Moving in the box, or asking for a new line, is using it.
    if (quiet && !['Tab', 'Shift', 'Escape'].includes(e.key)) {
      quiet = false;
      update();
    }
  });
  // Files picked or dropped, the "Send senere" panel, an error: shown and
  // hidden by other modules through `hidden`.
  new MutationObserver(update).observe(form, { subtree: true, attributes: true, attributeFilter: ['hidden'] });
  update();
}

// The caret in the box without opening it (arriving from the caseload).
export function quietFocus() {
  if (!body) return;
  quiet = true;
  placing = true;
  body.focus({ preventScroll: true });
  placing = false;
  update();
}

// The text was changed by the program (a draft brought back, a message sent).
export function refreshComposer() {
  update();
}

function wanted() {
  if (body.value.trim()) return true;
  if (keepers.some((x) => x && !x.hidden)) return true;
  if (pressed) return null; // as it is, until the pointer is released
  const a = document.activeElement;
  if (!a || !form.contains(a)) return false;
  return !(quiet && a === body);
}

function update() {
  if (!form) return;
  const want = wanted();
  if (want === null) return;
  const collapsed = !want;
  if (form.classList.contains('collapsed') === collapsed) return;
  // The list shrinks or grows from below: what was at its newest stays there.
  const pinned = scroller && scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 60;
  form.classList.toggle('collapsed', collapsed);
  if (pinned) scroller.scrollTop = scroller.scrollHeight;
}
