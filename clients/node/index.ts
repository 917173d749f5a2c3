/**
 * Mellon Recovery client for app backends (CommonJS): every secret-key route, typed, and
 * `verifySessionToken`, offline against the JWKS or online with revocation.
 *
 *   const mellon = createMellonServer({ baseUrl: 'https://recovery.example.com', secretKey: process.env.MELLON_SECRET_KEY });
 *   const claims = await mellon.verifySessionToken(token, { appId: 'app_…' });
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import { MellonError } from '../shared/errors';
import { enc, RetryOptions, Transport } from '../shared/transport';
import type {
  AuditEventPage,
  CreatedWebhook,
  Credential,
  EnrollmentToken,
  SandboxMail,
  SessionClaims,
  SupportReset,
  SupportResetInput,
  TokenScope,
  User,
  UserWithPasskeys,
  WebhookDeliveryPage,
  WebhookEndpoint,
  WebhookEvent,
} from '../shared/types';

export { MellonError } from '../shared/errors';
export * from '../shared/types';

export interface MellonServerOptions extends RetryOptions {
  /** Where the service answers, e.g. `https://recovery.example.com`. */
  baseUrl: string;
  /** The application's secret key (`sk_…`). */
  secretKey: string;
  /** The service's PUBLIC_URL, if it differs from baseUrl (tokens carry `iss` = `<publicUrl>/apps/<appId>`). */
  publicUrl?: string;
  fetch?: typeof fetch;
}

export interface VerifyTokenOptions {
  /** The application the token must belong to (`app_…`): checked as `aud`, and in `iss`. */
  appId: string;
  /** Ask the service (revocation included) instead of checking the signature locally. Sandbox tokens are always checked online. */
  online?: boolean;
  /** The scope the token must have; default `session`. */
  scope?: Exclude<TokenScope, 'recovery_pending'>;
}

export interface AccountAction {
  /** Who asked (recorded in the audit log), e.g. `agent:jane@acme.test`. */
  actor: string;
  reason: string;
}

const SANDBOX_PREFIX = 'SANDBOX_SESSION_TOKEN';
const INTERNAL_CLAIMS = ['uid', 'iat_ms'];

export type MellonServer = ReturnType<typeof createMellonServer>;

export function createMellonServer(opts: MellonServerOptions) {
  const baseUrl = opts.baseUrl.replace(/\/+$/, '');
  const publicUrl = (opts.publicUrl ?? baseUrl).replace(/\/+$/, '');
  const http = new Transport({ ...opts, baseUrl, headers: { authorization: `Bearer ${opts.secretKey}` } });
  // jose caches the key set and refetches it (rate-limited) when a token names an unknown kid.
  const jwks = createRemoteJWKSet(new URL(`${baseUrl}/.well-known/jwks.json`), { cacheMaxAge: 10 * 60_000, cooldownDuration: 30_000 });
  const user = (id: string) => `/v1/users/${enc(id)}`;

  async function verifyOnline(token: string, o: VerifyTokenOptions): Promise<SessionClaims> {
    try {
      const res = await http.call<{ valid: true; claims: SessionClaims }>({ method: 'POST', path: '/v1/sessions/verify', body: { token, scope: o.scope ?? 'session' } });
      if (res.claims.aud !== o.appId) throw new MellonError('invalid_token', { reason: 'audience' }, { status: 401, message: 'The token belongs to another application.' });
      return res.claims;
    } catch (err) {
      if (err instanceof MellonError && err.code === 'invalid_token') {
        throw new MellonError('invalid_token', { ...err.details, reason: err.reason ?? 'rejected' }, { status: 401, message: err.message });
      }
      throw err;
    }
  }

  async function verifyOffline(token: string, o: VerifyTokenOptions): Promise<SessionClaims> {
    const scope = o.scope ?? 'session';
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, jwks, { issuer: `${publicUrl}/apps/${o.appId}`, audience: o.appId, algorithms: ['ES256'], requiredClaims: ['exp', 'sub', 'scope'] }));
    } catch (err) {
      throw new MellonError('invalid_token', { reason: joseReason(err) }, { status: 401, message: `The token does not verify: ${(err as Error).message}`, cause: err });
    }
    if (payload.scope !== scope) throw new MellonError('invalid_token', { reason: 'scope' }, { status: 401, message: `The token has scope ${String(payload.scope)}, not ${scope}.` });
    const claims = { ...payload };
    for (const k of INTERNAL_CLAIMS) delete claims[k];
    return claims as SessionClaims;
  }

  return {
    /**
     * Checks an end-user token and returns its claims, or throws `MellonError('invalid_token')` with
     * `reason` (`expired`, `issuer`, `audience`, `signature`, `scope`, `revoked`, `malformed`, …).
     * Offline: signature against the cached JWKS, `iss`, `aud`, `exp`, `scope`. Online (or a
     * sandbox token): POST /v1/sessions/verify, which also sees revocations and spent tokens.
     */
    verifySessionToken(token: string, o: VerifyTokenOptions): Promise<SessionClaims> {
      if (typeof token !== 'string' || token.length === 0 || token.length > 4096) return Promise.reject(new MellonError('invalid_token', { reason: 'malformed' }, { status: 401 }));
      return o.online || token.startsWith(SANDBOX_PREFIX) ? verifyOnline(token, o) : verifyOffline(token, o);
    },

    /** POST /v1/sessions/verify as is: `{valid, claims}` or a thrown `invalid_token`. */
    verifySession: (token: string, scope?: VerifyTokenOptions['scope']) => http.call<{ valid: true; claims: SessionClaims }>({ method: 'POST', path: '/v1/sessions/verify', body: { token, scope } }),

    putUser: (externalUserId: string, body: { email: string; locale?: string }) => http.call<User>({ method: 'PUT', path: user(externalUserId), body }),
    getUser: (externalUserId: string) => http.call<UserWithPasskeys>({ method: 'GET', path: user(externalUserId) }),
    unlockUser: (externalUserId: string, body: AccountAction) => http.call<{ externalUserId: string; recoveryLocked: false }>({ method: 'POST', path: `${user(externalUserId)}/unlock`, body }),
    /** Ends every session, recovery and enrollment token of the user (online verification refuses them at once). */
    revokeSessions: (externalUserId: string, body: AccountAction) =>
      http.call<{ externalUserId: string; sessionsValidAfter: string }>({ method: 'POST', path: `${user(externalUserId)}/sessions/revoke`, body }),
    revokeCredential: (externalUserId: string, credentialId: string) => http.call<Credential>({ method: 'DELETE', path: `${user(externalUserId)}/credentials/${enc(credentialId)}` }),
    /** An enrollment token: hand it to the browser client's `registerPasskey`. */
    createEnrollment: (externalUserId: string) => http.call<EnrollmentToken>({ method: 'POST', path: `${user(externalUserId)}/enrollment`, once: true }),
    startSupportReset: (externalUserId: string, body: SupportResetInput) => http.call<SupportReset>({ method: 'POST', path: `${user(externalUserId)}/recovery`, body, once: true }),

    listAuditEvents: (q: { externalUserId?: string; type?: string; limit?: number; cursor?: string } = {}) => http.call<AuditEventPage>({ method: 'GET', path: '/v1/audit-events', query: q }),
    /** Sandbox applications: mails rendered in the last 24 h (read codes in integration tests). */
    sandboxOutbox: (q: { to?: string } = {}) => http.call<{ mails: SandboxMail[] }>({ method: 'GET', path: '/v1/sandbox/outbox', query: q }),

    createWebhook: (body: { url: string; events?: WebhookEvent[] }) => http.call<CreatedWebhook>({ method: 'POST', path: '/v1/webhooks', body, once: true }),
    listWebhooks: () => http.call<{ webhooks: WebhookEndpoint[] }>({ method: 'GET', path: '/v1/webhooks' }),
    deleteWebhook: (id: string) => http.call<void>({ method: 'DELETE', path: `/v1/webhooks/${enc(id)}` }),
    listWebhookDeliveries: (id: string, q: { limit?: number; cursor?: string } = {}) => http.call<WebhookDeliveryPage>({ method: 'GET', path: `/v1/webhooks/${enc(id)}/deliveries`, query: q }),
  };
}

function joseReason(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed)
    return err.claim === 'iss' ? 'issuer' : err.claim === 'aud' ? 'audience' : err.claim === 'nbf' || err.claim === 'iat' ? 'not_yet_valid' : 'claims';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'signature';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'unknown_key';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'algorithm';
  if (err instanceof joseErrors.JWKSTimeout || err instanceof TypeError) return 'jwks_unavailable';
  return 'malformed';
}
