import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Device, toBase64Url } from './support/browser';
import { useService } from './support/fixture';
import { useRelyingParty } from './support/relying-party';
import { putUser, TestApplication } from './support/service';
import { codeFrom } from './support/smtp';

/** What the page keeps on `window`: the loaded module, the client, and what the fetch wrapper and Signal API stubs saw. */
interface SdkWindow {
  sdk: typeof import('../clients/browser');
  mellon: ReturnType<(typeof import('../clients/browser'))['createMellon']>;
  calls: { path: string; at: number }[];
  /** path → answers to inject, in order: a status (with Retry-After seconds) or 'network'. */
  faults: Record<string, ({ status: number; retryAfter?: string } | 'network')[]>;
  signals: { name: string; arg: unknown }[];
  attempt: <T>(fn: () => Promise<T>) => Promise<{ ok: true; value: T } | { ok: false; name: string; code?: string; status?: number; details?: Record<string, unknown>; isMellonError: boolean }>;
}
type Outcome<T> = { ok: true; value: T } | { ok: false; name: string; code?: string; status?: number; details?: Record<string, unknown>; isMellonError: boolean };

/**
 * SPEC §9.3: the browser client, loaded as the ES module the service serves at /sdk, drives
 * every flow in Chromium with virtual authenticators, on a relying-party page of another origin.
 */
describe('browser client (/sdk/mellon-recovery.js)', () => {
  const t = useService('clients_browser', { smtp: true, env: { RATE_OTP_PER_USER_HOUR: '1000', RATE_OTP_PER_EMAIL_HOUR: '1000' } });
  const party = useRelyingParty(t);
  const { sk, enrollmentToken } = party;
  let app: TestApplication;

  /** A device whose page has imported the SDK from the service and created a client. */
  async function device(opts: { maxRetryWaitMs?: number } = {}): Promise<Device> {
    const d = await party.device();
    await d.page.setContent(`<!doctype html><meta charset="utf-8"><input id="username" autocomplete="username webauthn">`);
    await d.page.evaluate(
      async ({ base, clientId, maxRetryWaitMs }) => {
        const w = window as unknown as SdkWindow;
        const realFetch = window.fetch.bind(window);
        Object.assign(w, { calls: [], faults: {}, signals: [] });
        // A page-level fetch that records every call to the service and injects the faults a test asks for.
        window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
          const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
          w.calls.push({ path: url.pathname, at: Date.now() });
          const fault = w.faults[url.pathname]?.shift();
          if (fault === 'network') throw new TypeError('Failed to fetch');
          if (fault) {
            const headers: Record<string, string> = { 'content-type': 'application/json' };
            if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
            const code = fault.status === 429 ? 'rate_limit_exceeded' : 'service_unavailable';
            return new Response(JSON.stringify({ code, message: 'injected' }), { status: fault.status, headers });
          }
          return realFetch(input, init);
        };
        const pkc = PublicKeyCredential as unknown as Record<string, unknown>;
        for (const name of ['signalUnknownCredential', 'signalAllAcceptedCredentials']) {
          pkc[name] = async (arg: unknown) => void w.signals.push({ name, arg });
        }
        // A real dynamic import in the page (written as a string so the test's compiler leaves it alone).
        const load = new Function('url', 'return import(url)') as (url: string) => Promise<SdkWindow['sdk']>;
        w.sdk = await load(`${base}/sdk/mellon-recovery.js`);
        w.mellon = w.sdk.createMellon({ baseUrl: base, clientId, maxRetryWaitMs, baseDelayMs: 50 });
        w.attempt = async (fn) => {
          try {
            return { ok: true, value: await fn() };
          } catch (e) {
            const err = e as { name: string; code?: string; status?: number; details?: Record<string, unknown> };
            return { ok: false, name: err.name, code: err.code, status: err.status, details: err.details, isMellonError: e instanceof w.sdk.MellonError };
          }
        };
      },
      { base: t.svc.url, clientId: app.clientId, maxRetryWaitMs: opts.maxRetryWaitMs ?? 5000 },
    );
    return d;
  }

  /** Runs `body` (source of an async arrow taking the window and an argument) in the page. */
  function run<T>(d: Device, body: string, arg?: unknown): Promise<Outcome<T>> {
    return d.page.evaluate(
      ([src, a]) => {
        const w = window as unknown as SdkWindow;
        const fn = new Function('w', 'arg', `return (${src})(w, arg);`) as (w: SdkWindow, a: unknown) => Promise<T>;
        return w.attempt(() => fn(w, a));
      },
      [body, arg] as const,
    ) as Promise<Outcome<T>>;
  }
  const value = <T>(o: Outcome<T>): T => {
    if (!o.ok) throw new Error(`page call failed: ${JSON.stringify(o)}`);
    return o.value;
  };
  const callsTo = (d: Device, path: string) => d.page.evaluate((p) => (window as unknown as SdkWindow).calls.filter((c) => c.path === p), path);
  const inject = (d: Device, path: string, faults: SdkWindow['faults'][string]) =>
    d.page.evaluate(([p, f]) => void ((window as unknown as SdkWindow).faults[p as string] = f as never), [path, faults] as const);

  async function codeFor(email: string, before: number): Promise<string> {
    return codeFrom(await t.smtp.waitFor(email, before + 1));
  }

  beforeAll(async () => {
    // The test loads what `npm run build` serves; build the clients from the current source.
    execFileSync(process.execPath, [join(__dirname, '../scripts/build-clients.mjs')], { stdio: 'inherit' });
    ({ app } = party);
  });

  it('is served as a public, cacheable ES module', async () => {
    const stable = await t.svc.http().get('/sdk/mellon-recovery.js').set('origin', 'https://anywhere.example');
    expect(stable.status).toBe(200);
    expect(stable.headers).toMatchObject({ 'access-control-allow-origin': '*', 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=300, must-revalidate' });
    const etag = stable.headers.etag as string;
    const hash = JSON.parse(etag) as string;
    expect((await t.svc.http().get('/sdk/mellon-recovery.js').set('if-none-match', etag)).status).toBe(304);
    const versioned = await t.svc.http().get(`/sdk/mellon-recovery.${hash}.js`);
    expect(versioned.status).toBe(200);
    expect(versioned.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(versioned.headers['access-control-allow-origin']).toBe('*');
    expect((await t.svc.http().get('/sdk/mellon-recovery.0000000000000000.js')).status).toBe(404);
  });

  it('signs in with an emailed code, and reports a wrong code as MellonError', async () => {
    await putUser(t.svc, app, 'ada', 'ada@example.com');
    const d = await device();
    const before = t.smtp.to('ada@example.com').length;
    const started = value(await run<{ challengeId: string; codeLength: number }>(d, `(w) => w.mellon.startEmailOtp({ email: 'ada@example.com' })`));
    expect(started.codeLength).toBe(6);
    const code = await codeFor('ada@example.com', before);
    const wrong = await run(d, `(w, a) => w.mellon.verifyEmailOtp(a)`, { challengeId: started.challengeId, code: code === '000000' ? '111111' : '000000' });
    expect(wrong).toMatchObject({ ok: false, name: 'MellonError', isMellonError: true, code: 'invalid_code', status: 400, details: { attemptsRemaining: expect.any(Number) } });
    const verified = value(await run<{ token: string; tokenType: string; user: { externalUserId: string } }>(d, `(w, a) => w.mellon.verifyEmailOtp(a)`, { challengeId: started.challengeId, code }));
    expect(verified).toMatchObject({ tokenType: 'session', user: { externalUserId: 'ada' } });
    expect(value(await run<{ credentials: unknown[] }>(d, `(w, token) => w.mellon.listPasskeys(token)`, verified.token))).toEqual({ credentials: [] });
  });

  it('registers a passkey with an enrollment token, signs in with it, and signals a revoked one', async () => {
    await putUser(t.svc, app, 'bob', 'bob@example.com');
    const d = await device();
    const reg = value(
      await run<{ credential: { id: string; label: string }; session: { token: string }; signal: { allAcceptedCredentialIds: string[] } }>(
        d,
        `(w, token) => w.mellon.registerPasskey(token, { label: 'Test laptop' })`,
        await enrollmentToken('bob'),
      ),
    );
    const [held] = (await d.credentials()).map((c) => toBase64Url(c.credentialId));
    expect(reg.credential).toMatchObject({ id: held, label: 'Test laptop' });
    const signals = () => d.page.evaluate(() => (window as unknown as SdkWindow).signals);
    expect(await signals()).toEqual([{ name: 'signalAllAcceptedCredentials', arg: expect.objectContaining({ rpId: 'localhost', allAcceptedCredentialIds: [held] }) }]);

    const byUser = value(await run<{ token: string; user: { externalUserId: string } }>(d, `(w) => w.mellon.signInWithPasskey({ externalUserId: 'bob' })`));
    expect(byUser.user.externalUserId).toBe('bob');
    const discoverable = value(await run<{ tokenType: string; user: { externalUserId: string } }>(d, `(w) => w.mellon.signInWithPasskey()`));
    expect(discoverable).toMatchObject({ tokenType: 'session', user: { externalUserId: 'bob' } });

    await t.svc.http().delete(`/v1/users/bob/credentials/${held}`).set('authorization', sk()).expect(200);
    const refused = await run(d, `(w) => w.mellon.signInWithPasskey()`);
    expect(refused).toMatchObject({ ok: false, code: 'credential_not_found', status: 404, isMellonError: true });
    expect((await signals()).at(-1)).toEqual({ name: 'signalUnknownCredential', arg: { rpId: 'localhost', credentialId: held } });
  });

  it('offers conditional-UI sign-in through passkey autofill', async () => {
    await putUser(t.svc, app, 'erin', 'erin@example.com');
    const d = await device();
    value(await run(d, `(w, token) => w.mellon.registerPasskey(token)`, await enrollmentToken('erin')));
    await d.page.evaluate(() => {
      const w = window as unknown as SdkWindow & { mediation?: string };
      const get = navigator.credentials.get.bind(navigator.credentials);
      navigator.credentials.get = (o?: CredentialRequestOptions) => {
        w.mediation = o?.mediation;
        return get(o);
      };
    });
    // The virtual authenticator picks the passkey the autofill field offers, as a user would.
    const signedIn = value(await run<{ tokenType: string; user: { externalUserId: string } }>(d, `(w) => w.mellon.signInWithPasskey({ conditionalUI: true })`));
    expect(await d.page.evaluate(() => (window as unknown as { mediation?: string }).mediation)).toBe('conditional');
    expect(signedIn).toMatchObject({ tokenType: 'session', user: { externalUserId: 'erin' } });
  });

  it('retries a refused start with backoff honouring Retry-After, but never re-sends a verify', async () => {
    await putUser(t.svc, app, 'carol', 'carol@example.com');
    const d = await device();
    await inject(d, '/v1/email-otp/start', [{ status: 503 }, { status: 429, retryAfter: '1' }, 'network']);
    const before = t.smtp.to('carol@example.com').length;
    const started = value(await run<{ challengeId: string }>(d, `(w) => w.mellon.startEmailOtp({ email: 'carol@example.com' })`));
    const starts = await callsTo(d, '/v1/email-otp/start');
    expect(starts).toHaveLength(4);
    expect(starts[2].at - starts[1].at).toBeGreaterThanOrEqual(1000);
    const code = await codeFor('carol@example.com', before);

    // A verify the service refused, or whose answer never came, is not sent again: it may have spent the code.
    await inject(d, '/v1/email-otp/verify', [{ status: 503, retryAfter: '0' }]);
    expect(await run(d, `(w, a) => w.mellon.verifyEmailOtp(a)`, { challengeId: started.challengeId, code })).toMatchObject({ ok: false, code: 'service_unavailable', status: 503 });
    await inject(d, '/v1/email-otp/verify', ['network']);
    expect(await run(d, `(w, a) => w.mellon.verifyEmailOtp(a)`, { challengeId: started.challengeId, code })).toMatchObject({ ok: false, code: 'network_error', status: 0 });
    await inject(d, '/v1/email-otp/verify', [{ status: 429, retryAfter: '0' }]);
    expect(await run(d, `(w, a) => w.mellon.verifyEmailOtp(a)`, { challengeId: started.challengeId, code })).toMatchObject({ ok: false, code: 'rate_limit_exceeded', status: 429 });
    expect(await callsTo(d, '/v1/email-otp/verify')).toHaveLength(3);
    // The code itself was never spent by those attempts.
    expect(value(await run<{ tokenType: string }>(d, `(w, a) => w.mellon.verifyEmailOtp(a)`, { challengeId: started.challengeId, code })).tokenType).toBe('session');
  });

  it('gives up when the service asks for a longer wait than allowed', async () => {
    const d = await device({ maxRetryWaitMs: 2000 });
    await inject(d, '/v1/email-otp/start', [{ status: 429, retryAfter: '60' }]);
    const t0 = Date.now();
    expect(await run(d, `(w) => w.mellon.startEmailOtp({ email: 'dave@example.com' })`)).toMatchObject({ ok: false, code: 'rate_limit_exceeded', status: 429 });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(await callsTo(d, '/v1/email-otp/start')).toHaveLength(1);
  });
});
