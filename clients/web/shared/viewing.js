// viewing.js - which conversation is on the user's screen, for the gateway's
// `viewing` frame (Connection.setViewing): no Web Push notification is sent
// to a user about a conversation they are looking at.  Both apps say the
// same thing: the conversation their view shows while the page is visible,
// else 0 (hidden, another view, leaving the page).
//
//   const viewing = trackViewing(conn, () => idOnScreenOr0);
//   viewing();   // after every change of view
//
// The connection re-sends the current state after a reconnect.

export function trackViewing(conn, onScreen) {
  const update = () => {
    const visible = typeof document === 'undefined' || document.visibilityState === 'visible';
    conn.setViewing(visible ? onScreen() || 0 : 0);
  };
  document.addEventListener('visibilitychange', update);
  window.addEventListener('pagehide', () => conn.setViewing(0));
  window.addEventListener('pageshow', update);
  return update;
}
