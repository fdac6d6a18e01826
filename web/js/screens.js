// Switching between the page's screens, and the words for each way a visit
// can stop.

const SCREENS = ['message', 'prejoin', 'waiting', 'session'];

export function $(selector) {
  return document.querySelector(selector);
}

export function show(name) {
  for (const s of SCREENS) $(`#screen-${s}`).hidden = s !== name;
  const heading = $(`#screen-${name} h1`);
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
  }
}

function localTime(iso) {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  return at.toLocaleString(undefined, { weekday: 'long', day: 'numeric', month: 'long', hour: 'numeric', minute: '2-digit' });
}

// code -> [title, text]; text may use the error's details.
const MESSAGES = {
  no_link: ['Open your invitation link', 'To join a session, open the link your clinic sent you.'],
  invite_unknown: ['This link does not work', 'Check that you opened the whole link from your invitation, or ask your clinic for a new one.'],
  invite_revoked: ['This link no longer works', 'It was withdrawn. If you think this is a mistake, ask your clinic for a new link.'],
  invite_used_up: ['This link has been used up', 'Ask your clinic for a new link.'],
  invite_expired: ['This session is over', 'The time for this session has passed.'],
  session_not_open_yet: ['The session is not open yet', (e) => (e.opens_at ? `It opens ${localTime(e.opens_at)}. Please come back then.` : 'Please come back at the time of your appointment.')],
  session_ended: ['This session has ended', 'Thank you for joining.'],
  occurrence_ended: ["Today's session has ended", (e) => (e.opens_at ? `Your link works again for the next session, which opens ${localTime(e.opens_at)}.` : 'Thank you for joining.')],
  session_full: ['The session is full', 'Everyone expected is already here. Please contact your clinic.'],
  rate_limited: ['Too many attempts', 'Please wait a minute, then try again.'],
  unreachable: ['Cannot reach the server', 'Check your internet connection, then try again.'],
  denied: ['You were not let in', (e) => e.reason || 'Your clinician did not admit you to this session. Please contact your clinic.'],
  removed: ['You were removed from the session', 'The host removed you from this session. If you think this is a mistake, contact your clinic.'],
  replaced: ['You joined from another window', 'This session is open in another tab or device. You can close this one.'],
  ended: ['The session has ended', 'The host ended today\'s session. Thank you for joining.'],
  schedule: ['The session has ended', 'The scheduled time is over. Thank you for joining.'],
  left: ['You left the session', 'You can close this page, or rejoin while the session is open.'],
  resume_expired: ['The connection was lost', 'You were disconnected for too long. You can rejoin.'],
  unsupported: ['This browser cannot join', 'Please use a current Chrome, Edge, Firefox or Safari.'],
};

export function showMessage(code, detail = {}, retry = null) {
  const [title, text] = MESSAGES[code] ?? ['Something went wrong', detail.message || 'Please try again.'];
  $('#message-title').textContent = title;
  $('#message-text').textContent = typeof text === 'function' ? text(detail) : text;
  document.body.dataset.state = code;
  const button = $('#message-retry');
  button.hidden = !retry;
  if (retry) {
    button.textContent = retry.label;
    button.onclick = retry.action;
  }
  show('message');
}

// A yes/no question in a modal dialog; with reason: true, also a line of text.
export function confirmDialog(text, okLabel, { reason = false } = {}) {
  const dialog = $('#confirm');
  $('#confirm-text').textContent = text;
  $('#confirm-ok').textContent = okLabel;
  $('#confirm-reason').hidden = !reason;
  $('#confirm-reason-label').hidden = !reason;
  $('#confirm-reason').value = '';
  return new Promise((resolve) => {
    const done = (ok) => {
      $('#confirm-ok').onclick = null;
      $('#confirm-cancel').onclick = null;
      dialog.onclose = null;
      if (dialog.open) dialog.close();
      resolve(ok ? { reason: $('#confirm-reason').value.trim() } : null);
    };
    $('#confirm-ok').onclick = () => done(true);
    $('#confirm-cancel').onclick = () => done(false);
    dialog.onclose = () => done(false);
    dialog.showModal();
  });
}
