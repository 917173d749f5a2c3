// The Mellon Recovery demo page: every browser flow of the service, with no framework, built on the
// service's own browser client (the ES module at /sdk/mellon-recovery.js, see docs/clients.md).
// Tokens live only in this module's memory; the page never sees the application's secret key
// (the /demo/api/signup helper plays the app backend for the sandbox demo application).
import { createMellon, MellonError, recoveryTokenFromUrl, supportsPasskeys } from '/sdk/mellon-recovery.js';

const USER_ID = /^[A-Za-z0-9._:@|+-]{1,128}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const $ = (id) => document.getElementById(id);

let config = null;
/** The browser client for the demo application, made once /demo/config.json names its client id. */
let mellon = null;
const webauthn = supportsPasskeys();
// The flow in progress: purpose ('login' | 'recovery'), challenge, tokens and what we know of the user.
let flow = {};
let pendingEnrollment = null;
let session = null;

// ---------- HTTP ----------

/**
 * The demo-only endpoints (/demo/config.json, /demo/api/…) are not part of the client: a tiny
 * fetch for them, failing with the same MellonError as the client so explain() reads both.
 */
async function demoApi(method, path, body, token) {
  const headers = {};
  if (config) headers['X-Client-Id'] = config.clientId;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = 'Bearer ' + token;
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit' });
  } catch (cause) {
    throw new MellonError('network_error', {}, { message: 'The service could not be reached.', cause });
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new MellonError(typeof data.code === 'string' ? data.code : 'unexpected_response', data, { status: res.status });
  return data;
}

// ---------- Messages ----------

function minutes(seconds) {
  const n = Math.max(1, Math.ceil(Number(seconds) / 60));
  return n === 1 ? 'a minute' : n + ' minutes';
}

/** The service's own sentence, if it sent one (without one, MellonError's message is just the code). */
function serviceMessage(err) {
  return err.message && err.message !== err.code ? err.message : '';
}

/** A friendly sentence for a MellonError (the client's, or demoApi's) or a WebAuthn DOMException. */
function explain(err, during) {
  if (err instanceof MellonError) {
    // The client's error: `code` and `status` of the answer, the rest of its body in `details`.
    const d = err.details;
    switch (err.code) {
      case 'session_expired':
        if (during === 'code') {
          if (d.reason === 'used') return 'That code was already used; send a new one.';
          if (d.reason === 'superseded') return 'A newer code was sent; use the code from the latest email, or send a new one.';
          return 'That code expired; send a new one.';
        }
        if (during === 'link') {
          return d.reason === 'used'
            ? 'This recovery link was already used. Use “Lost your passkey?” to get a code instead.'
            : 'This recovery link is no longer valid. Use “Lost your passkey?” to get a code instead.';
        }
        if (during === 'recovery' || during === 'second') return 'This recovery step was already completed or has expired; start again with “Lost your passkey?”.';
        return 'That took too long and expired; please try again.';
      case 'invalid_code':
        return typeof d.attemptsRemaining === 'number'
          ? 'That code is not right. ' + (d.attemptsRemaining === 1 ? '1 attempt left.' : d.attemptsRemaining + ' attempts left.')
          : 'That code is not right.';
      case 'too_many_attempts':
        return 'Too many wrong codes. ' + (/today/.test(err.message) ? 'Sign in with a passkey, or try again tomorrow.' : 'Send a new code and try again.');
      case 'rate_limit_exceeded':
        return 'Too many attempts for now; try again in ' + minutes(err.retryAfterMs ? err.retryAfterMs / 1000 : d.retryAfter || 60) + '.';
      case 'credential_not_found':
        return 'This passkey was removed from your account. Use “Lost your passkey?” to set up a new one.';
      case 'recovery_pending':
        return (
          'This reset has a safety delay: it works from ' +
          time(d.availableAt) +
          ' on ' +
          date(d.availableAt) +
          '. We emailed the account holder, who can cancel it with the “This wasn’t me” link meanwhile.'
        );
      case 'insufficient_scope':
        return during === 'add'
          ? 'A sign-in by email code cannot add a passkey. Use “Lost your passkey?”: it confirms by email, tells you by mail, and signs out other devices.'
          : 'This sign-in cannot do that.';
      case 'challenge_not_found':
        return 'That code request is unknown; send a new code.';
      case 'webauthn_verification_failed':
        return 'Your passkey’s answer could not be verified; please try again.';
      case 'invalid_token':
        if (during === 'link') return 'This recovery link is not valid. Use “Lost your passkey?” to get a code instead.';
        return 'Your sign-in step has expired; please start again.';
      case 'conflict':
        return 'That user name is taken. Sign in, or use “Lost your passkey?”.';
      case 'invalid_request': {
        const first = Array.isArray(d.details) && d.details[0];
        return first ? 'Please check the ' + first.field + ': ' + first.problem + '.' : serviceMessage(err) || 'The request was not valid.';
      }
      case 'application_not_found':
      case 'invalid_client':
        return 'The demo application is missing. Start the service in development (npm start) or with DEMO_APP=on.';
      case 'service_unavailable':
        return 'The service is temporarily unavailable; try again in a moment.';
      case 'network_error':
        return 'The service could not be reached. Is it running?';
      default:
        return serviceMessage(err) || 'Something went wrong; please try again.';
    }
  }
  const name = err && (err.name || '');
  const code = err && err.code;
  if (code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED' || name === 'InvalidStateError') {
    return 'This device already has a passkey for this account. Sign in with it instead.';
  }
  if (name === 'NotAllowedError' || name === 'AbortError' || code === 'ERROR_CEREMONY_ABORTED') {
    return during === 'signin' ? 'No passkey was used. If this device has no passkey for this site, use “Lost your passkey?”.' : 'The passkey prompt was closed or timed out. Please try again.';
  }
  if (name === 'SecurityError' || code === 'ERROR_INVALID_DOMAIN' || code === 'ERROR_INVALID_RP_ID') {
    return 'Passkeys need https (or localhost) and this page must be opened on ' + (config ? config.rpId : 'the service host') + '.';
  }
  return (err && err.message) || 'Something went wrong; please try again.';
}

function say(text) {
  $('error').textContent = '';
  $('status').textContent = text || '';
}

function fail(err, during) {
  $('status').textContent = '';
  $('error').textContent = explain(err, during);
}

// ---------- Views ----------

function show(name, { focus = true } = {}) {
  for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== 'view-' + name;
  const heading = document.querySelector('#view-' + name + ' h1');
  if (focus && heading) heading.focus();
}

function go(name, opts) {
  say('');
  if (name === 'home' && !webauthn) name = 'fallback';
  show(name, opts);
}

/** Disables a form's buttons while a request runs, so a double click sends nothing twice. */
async function busy(form, fn) {
  const buttons = form.querySelectorAll('button');
  buttons.forEach((b) => (b.disabled = true));
  form.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } finally {
    buttons.forEach((b) => (b.disabled = false));
    form.removeAttribute('aria-busy');
  }
}

function value(id) {
  return $(id).value.trim();
}

function requireEmail(id) {
  const email = value(id);
  if (!EMAIL.test(email)) {
    $('error').textContent = 'Please enter your email address.';
    $(id).focus();
    return null;
  }
  return email;
}

// ---------- Passkeys ----------

/**
 * register/start, the browser's prompt and register/finish, in one client call. With a recovery
 * token the client also tells the password manager which passkeys are still accepted
 * (PublicKeyCredential.signalAllAcceptedCredentials, where the browser has it).
 */
function createPasskey(token, options) {
  say('Follow your device’s prompt to create the passkey…');
  return mellon.registerPasskey(token, options);
}

async function signIn(form) {
  const externalUserId = value('signin-user');
  if (externalUserId && !USER_ID.test(externalUserId)) {
    $('error').textContent = 'That user name has characters a user name cannot have.';
    return;
  }
  try {
    say('Follow your device’s prompt to use your passkey…');
    // On credential_not_found (a revoked passkey) the client has already told the browser's
    // password manager to forget it (PublicKeyCredential.signalUnknownCredential).
    const result = await mellon.signInWithPasskey(externalUserId ? { externalUserId } : {});
    showSession(result, 'passkey');
  } catch (err) {
    fail(err, 'signin');
  }
  form.querySelector('[data-go="recover"]').classList.toggle('attention', $('error').textContent !== '');
}

async function signUp() {
  const email = requireEmail('signup-email');
  if (!email) return;
  const externalUserId = value('signup-user');
  if (!USER_ID.test(externalUserId)) {
    $('error').textContent = 'Choose a user name of letters, digits and . _ : @ | + - (up to 128).';
    $('signup-user').focus();
    return;
  }
  try {
    // A passkey prompt the user closed keeps the account: retrying uses the same enrollment token.
    if (!pendingEnrollment || pendingEnrollment.externalUserId !== externalUserId) {
      say('Creating your account…');
      const created = await demoApi('POST', '/demo/api/signup', { externalUserId, email });
      pendingEnrollment = { externalUserId, token: created.token };
    }
    const result = await createPasskey(pendingEnrollment.token, { label: 'First passkey' });
    pendingEnrollment = null;
    showSession({ ...result.session, user: { externalUserId } }, 'new passkey');
  } catch (err) {
    if (err instanceof MellonError && (err.code === 'invalid_token' || err.code === 'session_expired')) pendingEnrollment = null;
    fail(err, 'signup');
  }
}

// ---------- Email codes (recovery and fallback login) ----------

async function sendCode(email, purpose) {
  const start = await mellon.startEmailOtp({ email, purpose });
  flow = { purpose, email, challengeId: start.challengeId, codeLength: start.codeLength };
  $('code-hint').textContent = 'If an account uses ' + email + ', we sent it a ' + start.codeLength + '\u2011digit code. It expires at ' + time(start.expiresAt) + '.';
  $('code-input').value = '';
  $('code-input').maxLength = start.codeLength;
  $('code-title').textContent = purpose === 'recovery' ? 'Check your email to recover' : 'Check your email to sign in';
  show('code');
  say('Code sent. Check your inbox.');
}

async function verifyCode() {
  const code = value('code-input').replace(/\s+/g, '');
  if (!/^\d{6,8}$/.test(code)) {
    $('error').textContent = 'Enter the ' + (flow.codeLength || 6) + '-digit code from the email.';
    $('code-input').focus();
    return;
  }
  try {
    const res = await mellon.verifyEmailOtp({ challengeId: flow.challengeId, code });
    if (flow.purpose === 'recovery' && res.tokenType === 'recovery_pending') askSecondFactor(res);
    else if (flow.purpose === 'recovery') await beginRecovery(res, 'Email confirmed.');
    else showSession(res, 'email code');
  } catch (err) {
    fail(err, 'code');
    $('code-input').select();
  }
}

// ---------- Recovery ----------

/** The application asks users who have a second factor for it after the email code (recoveryPolicy "email+second_factor"). */
function askSecondFactor(res) {
  flow = { purpose: 'recovery', pendingToken: res.token, externalUserId: res.user && res.user.externalUserId };
  $('second-input').value = '';
  show('second');
  say('Email confirmed. One more step: your second factor.');
}

async function verifySecondFactor() {
  const typed = value('second-input');
  if (!typed) {
    $('error').textContent = 'Enter the code from your authenticator app, or a recovery code.';
    $('second-input').focus();
    return;
  }
  const body = /^\d{6}$/.test(typed.replace(/\s+/g, '')) ? { totp: typed.replace(/\s+/g, '') } : { recoveryCode: typed };
  try {
    const res = await mellon.verifySecondFactor(flow.pendingToken, body);
    await beginRecovery(res, 'Second factor confirmed.');
  } catch (err) {
    fail(err, 'second');
    $('second-input').select();
  }
}

async function beginRecovery(res, intro) {
  flow = { purpose: 'recovery', recoveryToken: res.token, externalUserId: res.user && res.user.externalUserId };
  const { credentials } = await mellon.listRecoveryCredentials(res.token);
  renderCredentials(credentials);
  $('choose-hint').textContent =
    'You are recovering the account “' +
    flow.externalUserId +
    '”. ' +
    (webauthn ? 'Keep any passkey you still use; the new passkey is created on this device.' : 'This browser cannot create passkeys; open this page in a browser that can.');
  show('choose');
  say(intro);
}

function renderCredentials(credentials) {
  const list = $('credential-list');
  list.textContent = '';
  if (!credentials.length) {
    const li = document.createElement('li');
    li.className = 'empty';
    li.textContent = 'This account has no passkeys yet.';
    list.append(li);
    return;
  }
  credentials.forEach((c, i) => {
    const li = document.createElement('li');
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.id = 'revoke-' + i;
    input.value = c.id;
    input.name = 'revoke';
    const active = c.status === 'active';
    input.checked = active;
    input.disabled = !active;
    const label = document.createElement('label');
    label.htmlFor = input.id;
    const title = document.createElement('span');
    title.className = 'cred-name';
    title.textContent = c.label || 'Passkey';
    label.append(title, credentialMeta(c, active ? [] : ['already removed']));
    li.append(input, label);
    if (!active) li.className = 'revoked';
    list.append(li);
  });
}

/** "added …, last used …, synced" of a passkey, as a span. */
function credentialMeta(c, extra = []) {
  const meta = document.createElement('span');
  meta.className = 'cred-meta';
  const bits = ['added ' + date(c.createdAt), c.lastUsedAt ? 'last used ' + date(c.lastUsedAt) : 'never used'];
  if (c.backedUp) bits.push('synced');
  else if (c.deviceType === 'singleDevice') bits.push('device-bound');
  meta.textContent = [...bits, ...extra].join(' · ');
  return meta;
}

async function finishRecovery() {
  if (!webauthn) {
    $('error').textContent = 'This browser cannot create passkeys. Open this page in a browser that supports them.';
    return;
  }
  const revoke = [...document.querySelectorAll('input[name="revoke"]:checked')].map((i) => i.value);
  const label = value('new-label');
  try {
    // Ends the recovery: the token is spent, the chosen passkeys revoked, and the client signals
    // the passkeys still accepted to the password manager.
    const result = await createPasskey(flow.recoveryToken, {
      ...(label ? { label } : {}),
      ...(revoke.length ? { revokeCredentialIds: revoke } : {}),
    });
    const n = result.revokedCredentialIds.length;
    const removed = n ? ' ' + n + (n === 1 ? ' old passkey was removed.' : ' old passkeys were removed.') : '';
    showSession({ ...result.session, user: { externalUserId: flow.externalUserId } }, 'recovery + new passkey', 'Your new passkey is ready.' + removed);
    flow = {};
  } catch (err) {
    fail(err, 'recovery');
  }
}

/** Support-reset links open this page as <recoveryUrl>#token=…; the fragment never reaches a server log. */
async function redeemLink() {
  const token = recoveryTokenFromUrl(location.href);
  if (!token) return false;
  history.replaceState(null, '', location.pathname + location.search);
  say('Checking your recovery link…');
  try {
    const res = await mellon.redeemRecoveryLink(token);
    await beginRecovery(res, 'Recovery link accepted.');
  } catch (err) {
    go('home');
    fail(err, 'link');
  }
  return true;
}

/** Stands in for a support agent (demo only): a reset of the signed-in user with a one-minute cooling-off period. */
async function startSupportReset() {
  try {
    const res = await demoApi('POST', '/demo/api/support-reset', undefined, session.token);
    $('sr-available').textContent = time(res.availableAt) + ' (' + date(res.availableAt) + ')';
    $('sr-link').href = res.link;
    $('sr-box').hidden = false;
    say('Support reset started: the link is refused until ' + time(res.availableAt) + ', and the email you just got can cancel it.');
  } catch (err) {
    fail(err, 'support-reset');
  }
}

// ---------- Session ----------

function showSession(res, method, message) {
  session = res;
  $('s-user').textContent = (res.user && res.user.externalUserId) || '—';
  $('s-method').textContent = method;
  $('s-type').textContent = String(res.token || '').startsWith('SANDBOX_SESSION_TOKEN')
    ? 'sandbox session token (opaque; sandbox apps never get JWTs)'
    : 'session token (ES256 JWT, verifiable with /.well-known/jwks.json)';
  $('s-expires').textContent = time(res.expiresAt) + ' (' + date(res.expiresAt) + ')';
  show('session');
  say(message || 'Signed in.');
  // Only a session proven by a passkey may manage a second factor (an email code alone may not).
  $('second-factor').hidden = !/passkey/.test(method);
  $('totp-form').hidden = true;
  $('codes-box').hidden = true;
  if (!$('second-factor').hidden) refreshSecondFactor();
  refreshPasskeys();
}

/** The signed-in user's passkeys (any session token may list them). */
async function refreshPasskeys() {
  const list = $('passkey-list');
  try {
    const { credentials } = await mellon.listPasskeys(session.token);
    const active = credentials.filter((c) => c.status === 'active');
    list.textContent = '';
    if (!active.length) {
      const li = document.createElement('li');
      li.className = 'empty';
      li.textContent = 'No passkeys yet.';
      list.append(li);
    }
    for (const c of active) {
      const li = document.createElement('li');
      const text = document.createElement('span');
      text.className = 'cred-text';
      const name = document.createElement('span');
      name.className = 'cred-name';
      name.textContent = c.label || 'Passkey';
      text.append(name, credentialMeta(c));
      li.append(text);
      list.append(li);
    }
  } catch (err) {
    fail(err, 'list');
  }
}

// ---------- Second factor ----------

async function refreshSecondFactor() {
  try {
    const s = await mellon.secondFactorStatus(session.token);
    const parts = [s.totp ? 'Authenticator app: on' : 'Authenticator app: none', 'recovery codes left: ' + s.recoveryCodes.remaining];
    $('sf-status').textContent = parts.join(' · ') + '. With a second factor, a recovery by email also asks for it.';
    $('totp-remove').hidden = !s.totp;
    $('totp-setup').textContent = s.totp ? 'Replace the authenticator app' : 'Set up an authenticator app';
  } catch (err) {
    fail(err, 'factor');
  }
}

/** The otpauth URL as a QR code image (qrcode-generator, served by the service; no third-party request). */
function qrDataUrl(text) {
  const qr = window.qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  return qr.createDataURL(5, 8);
}

async function startTotp() {
  try {
    const e = await mellon.startTotpEnrollment(session.token);
    session.enrollmentId = e.enrollmentId;
    $('totp-secret').value = e.secret;
    $('totp-url').value = e.otpauthUrl;
    $('totp-link').href = e.otpauthUrl;
    $('totp-qr').src = qrDataUrl(e.otpauthUrl);
    $('totp-code').value = '';
    $('totp-form').hidden = false;
    $('totp-code').focus();
    say('Add the account to your authenticator app, then type the code it shows.');
  } catch (err) {
    fail(err, 'factor');
  }
}

async function finishTotp() {
  const code = value('totp-code').replace(/\s+/g, '');
  if (!/^\d{6}$/.test(code)) {
    $('error').textContent = 'Enter the 6-digit code your authenticator app shows.';
    $('totp-code').focus();
    return;
  }
  try {
    await mellon.finishTotpEnrollment(session.token, { enrollmentId: session.enrollmentId, code });
    $('totp-form').hidden = true;
    $('totp-secret').value = '';
    $('totp-url').value = '';
    say('Authenticator app added. We sent you an email about it.');
    await refreshSecondFactor();
  } catch (err) {
    fail(err, 'code');
  }
}

async function removeTotp() {
  try {
    await mellon.removeTotp(session.token);
    say('Authenticator app removed; your recovery codes still work.');
    await refreshSecondFactor();
  } catch (err) {
    fail(err, 'factor');
  }
}

async function createCodes() {
  try {
    const { codes } = await mellon.createRecoveryCodes(session.token);
    const list = $('codes-list');
    list.textContent = '';
    for (const c of codes) {
      const li = document.createElement('li');
      li.textContent = c;
      list.append(li);
    }
    $('codes-box').hidden = false;
    say('New recovery codes created. Earlier codes no longer work.');
    await refreshSecondFactor();
  } catch (err) {
    fail(err, 'factor');
  }
}

async function addPasskey() {
  try {
    const user = session.user;
    const result = await createPasskey(session.token, { label: 'Added after sign-in' });
    say('Passkey added to this device.');
    if (result.session) session = { ...result.session, user };
    await refreshPasskeys();
  } catch (err) {
    fail(err, 'add');
  }
}

function time(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function date(iso) {
  return new Date(iso).toLocaleDateString([], { year: 'numeric', month: 'short', day: 'numeric' });
}

// ---------- Wiring ----------

function onSubmit(id, fn) {
  const form = $(id);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    say('');
    busy(form, () => fn(form));
  });
}

function wire() {
  for (const b of document.querySelectorAll('[data-go]')) b.addEventListener('click', () => go(b.dataset.go));
  onSubmit('signin-form', signIn);
  onSubmit('signup-form', signUp);
  onSubmit('recover-form', async () => {
    const email = requireEmail('recover-email');
    if (email) await sendCode(email, 'recovery').catch((err) => fail(err, 'send'));
  });
  onSubmit('fallback-form', async () => {
    const email = requireEmail('fallback-email');
    if (email) await sendCode(email, 'login').catch((err) => fail(err, 'send'));
  });
  onSubmit('code-form', verifyCode);
  onSubmit('choose-form', finishRecovery);
  $('resend').addEventListener('click', () =>
    busy($('code-form'), () =>
      sendCode(flow.email, flow.purpose).then(
        () => say('A new code is on its way; earlier codes no longer work.'),
        (err) => fail(err, 'send'),
      ),
    ),
  );
  $('add-passkey').addEventListener('click', () => busy($('view-session'), addPasskey));
  $('sr-start').addEventListener('click', () => busy($('view-session'), startSupportReset));
  // A recovery link of this page opened from the page itself changes only the fragment.
  window.addEventListener('hashchange', () => void redeemLink());
  onSubmit('second-form', verifySecondFactor);
  onSubmit('totp-form', finishTotp);
  $('totp-setup').addEventListener('click', () => busy($('view-session'), startTotp));
  $('totp-remove').addEventListener('click', () => busy($('view-session'), removeTotp));
  $('codes-create').addEventListener('click', () => busy($('view-session'), createCodes));
  $('sign-out').addEventListener('click', () => {
    session = null;
    flow = {};
    go('home');
    say('Signed out.');
  });
  // Whatever email the user typed carries over to the next email form.
  for (const id of ['signup-email', 'recover-email', 'fallback-email']) {
    $(id).addEventListener('change', () => {
      for (const other of ['recover-email', 'fallback-email']) if (other !== id && !$(other).value) $(other).value = $(id).value;
    });
  }
}

async function init() {
  wire();
  if (!webauthn) {
    for (const el of document.querySelectorAll('[data-needs-webauthn]')) el.hidden = true;
    $('fallback-hint').textContent = 'This browser cannot use passkeys, so sign in with a one-time code we email you.';
  }
  try {
    config = await demoApi('GET', '/demo/config.json');
  } catch (err) {
    fail(err);
    for (const b of document.querySelectorAll('button')) b.disabled = true;
    return;
  }
  // Same origin as the page (the CSP allows no other), whatever host name it was opened on.
  mellon = createMellon({ baseUrl: location.origin, clientId: config.clientId });
  $('client-id').textContent = config.clientId;
  if (webauthn && location.hostname !== config.rpId && !location.hostname.endsWith('.' + config.rpId)) {
    const n = $('notice');
    n.textContent = 'Passkeys of this demo belong to ' + config.rpId + '. Open ' + config.publicUrl + '/demo to use them here.';
    n.hidden = false;
  }
  if (!(await redeemLink())) go('home', { focus: false });
  document.body.dataset.ready = 'true';
}

// A module runs once the document is parsed; wait anyway if it ever is not.
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
else void init();
