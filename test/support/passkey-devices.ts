/**
 * Passkey helpers for integration and browser tests: tokens through the real OTP flow, stored
 * passkey rows for API-level tests, and a tiny relying-party page that runs the WebAuthn
 * ceremonies in a real browser with @simplewebauthn/browser.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Page } from 'playwright-core';
import type { Response } from 'supertest';
import { sql } from './database';
import { browser, Service, TestApplication } from './service';
import { nextCodeFor, TestSmtp } from './smtp';

/** A session or recovery token for a user, through email-otp start → mail → verify. */
export async function otpToken(svc: Service, app: TestApplication, smtp: TestSmtp, email: string, purpose: 'login' | 'recovery', origin?: string): Promise<string> {
  const b = browser(svc, app, origin);
  const before = smtp.to(email).length;
  const start = await b.start({ email, purpose });
  if (start.status !== 202) throw new Error(`otp start: ${start.status} ${JSON.stringify(start.body)}`);
  const code = await nextCodeFor(smtp, email, before);
  const verified = await b.verify({ challengeId: start.body.challengeId, code });
  if (verified.status !== 200) throw new Error(`otp verify: ${verified.status} ${JSON.stringify(verified.body)}`);
  return verified.body.token;
}

/** Stores a passkey row directly (for API tests that need passkeys but no ceremony). */
export async function insertPasskey(databaseUrl: string, appId: string, externalUserId: string, opts: { revoked?: boolean; label?: string } = {}): Promise<string> {
  const credentialId = randomBytes(16).toString('base64url');
  await sql(
    databaseUrl,
    `INSERT INTO passkey_credentials (app_id, user_id, credential_id, public_key, counter, transports, device_type, backed_up, aaguid, label, revoked_at, revoke_reason)
     SELECT $1, u.id, $3, $4, 0, '{internal}', 'singleDevice', false, '00000000-0000-0000-0000-000000000000', $5,
            CASE WHEN $6 THEN now() END, CASE WHEN $6 THEN 'app_backend' END
     FROM users u WHERE u.app_id = $1 AND u.external_user_id = $2`,
    [appId, externalUserId, credentialId, randomBytes(77), opts.label ?? 'Fixture', !!opts.revoked],
  );
  return credentialId;
}

const RP_PAGE = `<!doctype html><meta charset="utf-8"><title>RP test page</title>
<script src="/swa.js"></script>
<script>
  // Runs one call against the service from the page, as a real relying-party page would (CORS included).
  window.api = async (method, path, body, token) => {
    const headers = { 'x-client-id': window.CLIENT_ID, 'content-type': 'application/json' };
    if (token) headers.authorization = 'Bearer ' + token;
    const res = await fetch(window.API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };
  window.register = async (token, extra) => {
    const start = await api('POST', '/v1/passkeys/register/start', {}, token);
    if (start.status !== 200) return { step: 'start', ...start };
    let response;
    try { response = await SimpleWebAuthnBrowser.startRegistration({ optionsJSON: start.body.options }); }
    catch (e) { return { step: 'browser', error: e.name, message: e.message }; }
    return { step: 'finish', ...(await api('POST', '/v1/passkeys/register/finish', { ceremonyId: start.body.ceremonyId, response, ...(extra || {}) }, token)) };
  };
  // Asks the authenticator for an assertion; returns the ceremony id and the response JSON, unsent.
  window.assertion = async (externalUserId) => {
    const start = await api('POST', '/v1/passkeys/auth/start', externalUserId ? { externalUserId } : {});
    if (start.status !== 200) return { step: 'start', ...start };
    try {
      const response = await SimpleWebAuthnBrowser.startAuthentication({ optionsJSON: start.body.options });
      return { step: 'browser', ceremonyId: start.body.ceremonyId, response, options: start.body.options };
    } catch (e) { return { step: 'browser', error: e.name, message: e.message, options: start.body.options }; }
  };
  window.signIn = async (externalUserId) => {
    const a = await assertion(externalUserId);
    if (a.error || a.status) return a;
    return { step: 'finish', ...(await api('POST', '/v1/passkeys/auth/finish', { ceremonyId: a.ceremonyId, response: a.response })) };
  };
</script>`;

/** A relying-party page on http://localhost:<port>, the origin the test application allows (rpId "localhost"). */
export class RpPage {
  private server!: Server;
  port = 0;

  async start(): Promise<this> {
    const bundle = readFileSync(join(__dirname, '../../node_modules/@simplewebauthn/browser/dist/bundle/index.umd.min.js'));
    this.server = createServer((req, res) => {
      if (req.url === '/swa.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(RP_PAGE);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get origin(): string {
    return `http://localhost:${this.port}`;
  }

  /** Opens the page on a device, pointed at the service and the application's client id. */
  async open(page: Page, svc: Service, app: TestApplication, path = '/'): Promise<void> {
    await page.goto(`${this.origin}${path}`);
    await page.evaluate(([api, clientId]) => Object.assign(window, { API: api, CLIENT_ID: clientId }), [svc.url, app.clientId]);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A JSON body, typed as loosely as supertest types `res.body`. */
type Json = Response['body'];

export interface CallResult {
  step: 'start' | 'browser' | 'finish';
  status?: number;
  body?: Json;
  error?: string;
  message?: string;
  ceremonyId?: string;
  response?: Record<string, unknown>;
  options?: Json;
}

/** What RP_PAGE puts on `window`. */
export interface RpWindow {
  api: (method: string, path: string, body?: unknown, token?: string) => Promise<{ status: number; body: Json }>;
  register: (token: string, extra: Record<string, unknown>) => Promise<CallResult>;
  signIn: (externalUserId?: string) => Promise<CallResult>;
  assertion: (externalUserId?: string) => Promise<CallResult>;
}

export const register = (page: Page, token: string, extra: Record<string, unknown> = {}): Promise<CallResult> =>
  page.evaluate(([t, e]) => (window as unknown as RpWindow).register(t, e), [token, extra] as const);
export const signIn = (page: Page, externalUserId?: string): Promise<CallResult> => page.evaluate((id) => (window as unknown as RpWindow).signIn(id), externalUserId);
export const assertion = (page: Page, externalUserId?: string): Promise<CallResult> => page.evaluate((id) => (window as unknown as RpWindow).assertion(id), externalUserId);
