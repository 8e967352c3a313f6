// devices.js - enrolled phones, as both clients show them: the staff
// client's list of a family's phones and the family app's "your phones"
// (GET /api/families/{id}/devices; a member gets only their own).

// Active phones first (the ones that can be revoked), oldest first; then the
// revoked ones, latest revocation first.  A new array; the list is unchanged.
export function sortDevices(list) {
  return [...list].sort((a, b) => {
    if (!a.revoked_at !== !b.revoked_at) return a.revoked_at ? 1 : -1;
    if (a.revoked_at) return a.revoked_at < b.revoked_at ? 1 : -1;
    return a.id - b.id; // ids grow with enrolment
  });
}

// The enrolment notice: the `system` message the gateway puts in the
// family's conversation when a phone is enrolled ("En ny telefon er tilføjet
// for NAME: DEVICE", client_id `enrol-N` with N the device id; its sender is
// the member the phone belongs to).  Returns the device id, else 0.
export function enrolNoticeDevice(m) {
  if (!m || m.kind !== 'system' || typeof m.client_id !== 'string') return 0;
  const match = /^enrol-(\d+)$/.exec(m.client_id);
  return match ? Number(match[1]) : 0;
}
