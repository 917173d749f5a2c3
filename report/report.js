// The "This wasn't me" page. Loading it changes nothing: it previews the event (read-only) and
// only the button posts the report. The token comes from the fragment, which the browser never
// sends to a server, and leaves the address bar once the preview succeeded.
(() => {
  'use strict';

  const EVENTS = {
    'passkey.registered': { what: 'A new passkey was added to your account', undo: 'removes the passkey that was added;' },
    'passkeys.revoked': { what: 'Passkeys were removed from your account', undo: null },
    'support_reset.created': { what: 'A support reset of your passkeys was started', undo: 'cancels the support reset;' },
    'second_factor.added/totp': { what: 'An authenticator app was added to your account', undo: 'removes that authenticator app;' },
    'second_factor.added/recovery_codes': { what: 'Recovery codes were created for your account', undo: 'removes those recovery codes;' },
    'second_factor.regenerated': { what: 'New recovery codes were created for your account', undo: 'removes those recovery codes;' },
    'second_factor.removed': { what: 'A second factor was removed from your account', undo: null },
    'second_factor.used': { what: 'A second factor was used to recover your account', undo: null },
  };
  const UNREACHABLE = 'The service could not be reached. Check your connection and reload the page.';

  const $ = (id) => document.getElementById(id);

  const show = (id) => {
    for (const s of ['loading', 'confirm', 'done', 'problem']) $(s).hidden = s !== id;
  };

  const problem = (text) => {
    $('title').textContent = 'This link cannot be used';
    $('problem-text').textContent = text;
    show('problem');
  };

  const explain = (res) => {
    const body = res.body || {};
    if (res.status === 401) return 'This link is not valid. Open it again from the email, copying the whole address.';
    if (body.code === 'session_expired' && body.reason === 'used') return 'This event was already reported. Your account is locked; contact support to regain access.';
    if (body.code === 'session_expired') return 'This link has expired (links work for 7 days). If something still looks wrong, contact support.';
    if (res.status === 429) return 'Too many attempts. Wait a minute and reload the page.';
    return 'Something went wrong. Reload the page to try again.';
  };

  const post = async (path, token) => {
    const res = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  };

  const showPreview = (token, preview) => {
    const event = EVENTS[`${preview.event}/${preview.factor}`] || EVENTS[preview.event] || { what: 'A security change was made to your account', undo: null };
    $('what').textContent = `${event.what}.`;
    $('when').textContent = new Date(preview.occurredAt).toLocaleString();
    for (const el of document.querySelectorAll('.app-name')) el.textContent = preview.appName;
    if (event.undo) {
      $('undo').textContent = event.undo;
      $('undo').hidden = false;
    }
    show('confirm');
    $('report').addEventListener('click', async () => {
      $('report').disabled = true;
      let res;
      try {
        res = await post('/v1/security/report', token);
      } catch {
        $('report').disabled = false;
        $('report').textContent = 'The service could not be reached. Try again';
        return;
      }
      if (res.status === 200 && res.body && res.body.reported) {
        $('title').textContent = 'Reported';
        show('done');
      } else {
        problem(explain(res));
      }
    });
  };

  const start = async () => {
    const token = new URLSearchParams(location.hash.slice(1)).get('token');
    if (!token) return problem('This link is incomplete. Open it again from the email, copying the whole address.');
    let res;
    try {
      res = await post('/v1/security/report/preview', token);
    } catch {
      return problem(UNREACHABLE);
    }
    if (res.status !== 200) return problem(explain(res));
    // The page has what it needs: the token leaves the address bar (history, screenshots, sharing).
    history.replaceState(null, '', location.pathname + location.search);
    showPreview(token, res.body);
  };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
