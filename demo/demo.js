// The Mellon Recovery demo page: every browser flow of the service, with no framework.
// Tokens live only in this script's memory; the page never sees the application's secret key
// (the /demo/api/signup helper plays the app backend for the sandbox demo application).
(function () {
  'use strict';

  const USER_ID = /^[A-Za-z0-9._:@|+-]{1,128}$/;
  const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  const $ = (id) => document.getElementById(id);
  const swa = window.SimpleWebAuthnBrowser;

  let config = null;
  const webauthn = !!window.PublicKeyCredential && !!swa && swa.browserSupportsWebAuthn();
  // The flow in progress: purpose ('login' | 'recovery'), challenge, tokens and what we know of the user.
  let flow = {};
  let pendingEnrollment = null;
  let session = null;

  // ---------- HTTP ----------

  class Problem extends Error {
    constructor(body, status, retryAfter) {
      super(body.message || 'Request failed');
      this.code = body.code || 'unknown_error';
      this.status = status;
      this.body = body;
      this.retryAfter = retryAfter;
    }
  }

  async function api(method, path, body, token) {
    const headers = { 'X-Client-Id': config.clientId };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = 'Bearer ' + token;
    let res;
    try {
      res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit' });
    } catch {
      throw new Problem({ code: 'network_error', message: 'The service could not be reached.' }, 0);
    }
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Problem(data, res.status, res.headers.get('Retry-After'));
    return data;
  }

  // ---------- Messages ----------

  function minutes(seconds) {
    const n = Math.max(1, Math.ceil(Number(seconds) / 60));
    return n === 1 ? 'a minute' : n + ' minutes';
  }

  /** A friendly sentence for an API error code or a WebAuthn DOMException. */
  function explain(err, during) {
    if (err instanceof Problem) {
      const b = err.body;
      switch (err.code) {
        case 'session_expired':
          if (during === 'code') {
            if (b.reason === 'used') return 'That code was already used; send a new one.';
            if (b.reason === 'superseded') return 'A newer code was sent; use the code from the latest email, or send a new one.';
            return 'That code expired; send a new one.';
          }
          if (during === 'link') {
            return b.reason === 'used'
              ? 'This recovery link was already used. Use “Lost your passkey?” to get a code instead.'
              : 'This recovery link is no longer valid. Use “Lost your passkey?” to get a code instead.';
          }
          if (during === 'recovery' || during === 'second') return 'This recovery step was already completed or has expired; start again with “Lost your passkey?”.';
          return 'That took too long and expired; please try again.';
        case 'invalid_code':
          return typeof b.attemptsRemaining === 'number'
            ? 'That code is not right. ' + (b.attemptsRemaining === 1 ? '1 attempt left.' : b.attemptsRemaining + ' attempts left.')
            : 'That code is not right.';
        case 'too_many_attempts':
          return 'Too many wrong codes. ' + (b.message && /today/.test(b.message) ? 'Sign in with a passkey, or try again tomorrow.' : 'Send a new code and try again.');
        case 'rate_limit_exceeded':
          return 'Too many attempts for now; try again in ' + minutes(err.retryAfter || b.retryAfter || 60) + '.';
        case 'credential_not_found':
          return 'This passkey was removed from your account. Use “Lost your passkey?” to set up a new one.';
        case 'recovery_pending':
          return (
            'This reset has a safety delay: it works from ' +
            time(b.availableAt) +
            ' on ' +
            date(b.availableAt) +
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
          const d = Array.isArray(b.details) && b.details[0];
          return d ? 'Please check the ' + d.field + ': ' + d.problem + '.' : b.message || 'The request was not valid.';
        }
        case 'application_not_found':
        case 'invalid_client':
          return 'The demo application is missing. Start the service in development (npm start) or with DEMO_APP=on.';
        case 'service_unavailable':
          return 'The service is temporarily unavailable; try again in a moment.';
        case 'network_error':
          return 'The service could not be reached. Is it running?';
        default:
          return (b && b.message) || 'Something went wrong; please try again.';
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

  async function createPasskey(token, extra) {
    const { ceremonyId, options } = await api('POST', '/v1/passkeys/register/start', {}, token);
    say('Follow your device’s prompt to create the passkey…');
    const response = await swa.startRegistration({ optionsJSON: options });
    const result = await api('POST', '/v1/passkeys/register/finish', { ceremonyId, response, ...extra }, token);
    return { result, response, options };
  }

  async function signIn(form) {
    const externalUserId = value('signin-user');
    if (externalUserId && !USER_ID.test(externalUserId)) {
      $('error').textContent = 'That user name has characters a user name cannot have.';
      return;
    }
    let response;
    try {
      const start = await api('POST', '/v1/passkeys/auth/start', externalUserId ? { externalUserId } : {});
      say('Follow your device’s prompt to use your passkey…');
      response = await swa.startAuthentication({ optionsJSON: start.options });
      const result = await api('POST', '/v1/passkeys/auth/finish', { ceremonyId: start.ceremonyId, response });
      showSession(result, 'passkey');
    } catch (err) {
      if (err instanceof Problem && err.code === 'credential_not_found') await forgetPasskey(err.body.credentialId || (response && response.id));
      fail(err, 'signin');
    }
    form.querySelector('[data-go="recover"]').classList.toggle('attention', $('error').textContent !== '');
  }

  /** The server no longer knows this passkey: let the browser's password manager drop it too. */
  async function forgetPasskey(credentialId) {
    if (!credentialId || typeof PublicKeyCredential.signalUnknownCredential !== 'function') return;
    try {
      await PublicKeyCredential.signalUnknownCredential({ rpId: config.rpId, credentialId });
    } catch {
      // best effort: the signal is advisory
    }
  }

  async function acceptOnly(userId, credentialIds) {
    if (typeof PublicKeyCredential.signalAllAcceptedCredentials !== 'function' || !userId) return;
    try {
      await PublicKeyCredential.signalAllAcceptedCredentials({ rpId: config.rpId, userId, allAcceptedCredentialIds: credentialIds });
    } catch {
      // best effort
    }
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
        const created = await api('POST', '/demo/api/signup', { externalUserId, email });
        pendingEnrollment = { externalUserId, token: created.token };
      }
      const { result } = await createPasskey(pendingEnrollment.token, { label: 'First passkey' });
      pendingEnrollment = null;
      showSession({ ...result.session, user: { externalUserId } }, 'new passkey');
    } catch (err) {
      if (err instanceof Problem && (err.code === 'invalid_token' || err.code === 'session_expired')) pendingEnrollment = null;
      fail(err, 'signup');
    }
  }

  // ---------- Email codes (recovery and fallback login) ----------

  async function sendCode(email, purpose) {
    const start = await api('POST', '/v1/email-otp/start', { email, purpose });
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
      const res = await api('POST', '/v1/email-otp/verify', { challengeId: flow.challengeId, code });
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
      const res = await api('POST', '/v1/recovery/second-factor', body, flow.pendingToken);
      await beginRecovery(res, 'Second factor confirmed.');
    } catch (err) {
      fail(err, 'second');
      $('second-input').select();
    }
  }

  async function beginRecovery(res, intro) {
    flow = { purpose: 'recovery', recoveryToken: res.token, externalUserId: res.user && res.user.externalUserId };
    const { credentials } = await api('GET', '/v1/recovery/credentials', undefined, res.token);
    flow.credentials = credentials;
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
      const meta = document.createElement('span');
      meta.className = 'cred-meta';
      const bits = ['added ' + date(c.createdAt), c.lastUsedAt ? 'last used ' + date(c.lastUsedAt) : 'never used'];
      if (c.backedUp) bits.push('synced');
      else if (c.deviceType === 'singleDevice') bits.push('device-bound');
      if (!active) bits.push('already removed');
      meta.textContent = bits.join(' · ');
      label.append(title, meta);
      li.append(input, label);
      if (!active) li.className = 'revoked';
      list.append(li);
    });
  }

  async function finishRecovery() {
    if (!webauthn) {
      $('error').textContent = 'This browser cannot create passkeys. Open this page in a browser that supports them.';
      return;
    }
    const revoke = [...document.querySelectorAll('input[name="revoke"]:checked')].map((i) => i.value);
    const label = value('new-label');
    try {
      const { result, response, options } = await createPasskey(flow.recoveryToken, {
        ...(label ? { label } : {}),
        ...(revoke.length ? { revokeCredentialIds: revoke } : {}),
      });
      // The service answers with the signal's arguments; older answers leave us to work them out.
      const kept = flow.credentials.filter((c) => c.status === 'active' && !revoke.includes(c.id)).map((c) => c.id);
      const signal = result.signal || { userId: options.user && options.user.id, allAcceptedCredentialIds: [...kept, response.id] };
      await acceptOnly(signal.userId, signal.allAcceptedCredentialIds);
      const removed = revoke.length ? ' ' + revoke.length + (revoke.length === 1 ? ' old passkey was removed.' : ' old passkeys were removed.') : '';
      showSession({ ...result.session, user: { externalUserId: flow.externalUserId } }, 'recovery + new passkey', 'Your new passkey is ready.' + removed);
      flow = {};
    } catch (err) {
      fail(err, 'recovery');
    }
  }

  /** Support-reset links open this page as <recoveryUrl>#token=…; the fragment never reaches a server log. */
  async function redeemLink() {
    const params = new URLSearchParams(location.hash.slice(1));
    const token = params.get('token');
    if (!token) return false;
    history.replaceState(null, '', location.pathname + location.search);
    say('Checking your recovery link…');
    try {
      const res = await api('POST', '/v1/recovery/redeem', { token });
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
      const res = await api('POST', '/demo/api/support-reset', undefined, session.token);
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
  }

  // ---------- Second factor ----------

  async function refreshSecondFactor() {
    try {
      const s = await api('GET', '/v1/second-factor', undefined, session.token);
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
      const e = await api('POST', '/v1/totp/enroll/start', {}, session.token);
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
      await api('POST', '/v1/totp/enroll/finish', { enrollmentId: session.enrollmentId, code }, session.token);
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
      await api('DELETE', '/v1/totp', undefined, session.token);
      say('Authenticator app removed; your recovery codes still work.');
      await refreshSecondFactor();
    } catch (err) {
      fail(err, 'factor');
    }
  }

  async function createCodes() {
    try {
      const { codes } = await api('POST', '/v1/recovery-codes', {}, session.token);
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
      const { result } = await createPasskey(session.token, { label: 'Added after sign-in' });
      say('Passkey added to this device.');
      if (result.session) session = { ...result.session, user };
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
      const res = await fetch('/demo/config.json');
      const body = await res.json().catch(() => ({}));
      if (!res.ok) throw new Problem(body, res.status);
      config = body;
    } catch (err) {
      fail(err instanceof Problem ? err : new Problem({ code: 'network_error' }, 0));
      for (const b of document.querySelectorAll('button')) b.disabled = true;
      return;
    }
    $('client-id').textContent = config.clientId;
    if (webauthn && location.hostname !== config.rpId && !location.hostname.endsWith('.' + config.rpId)) {
      const n = $('notice');
      n.textContent = 'Passkeys of this demo belong to ' + config.rpId + '. Open ' + config.publicUrl + '/demo to use them here.';
      n.hidden = false;
    }
    if (!(await redeemLink())) go('home', { focus: false });
    document.body.dataset.ready = 'true';
  }

  document.addEventListener('DOMContentLoaded', init);
})();
