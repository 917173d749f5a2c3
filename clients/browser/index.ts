/**
 * Mellon Recovery browser client (ES module, served at /sdk/mellon-recovery.js).
 *
 *   import { createMellon } from 'https://recovery.example.com/sdk/mellon-recovery.js';
 *   const mellon = createMellon({ baseUrl: 'https://recovery.example.com', clientId: 'cli_…' });
 *   const { challengeId } = await mellon.startEmailOtp({ email });
 *   const { token } = await mellon.verifyEmailOtp({ challengeId, code });
 *
 * Requests the service refused (429/503) or that never got an answer are retried with backoff
 * honouring Retry-After, except those that may spend a code, link or ceremony: those are sent once.
 */
import {
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  startAuthentication,
  startRegistration,
  WebAuthnAbortService,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import { MellonError } from '../shared/errors';
import { RetryOptions, Transport } from '../shared/transport';
import type { AcceptedCredentialsSignal, Credential, EndUserToken, Purpose, RegisterFinishResponse, SecondFactorStatus, StartOtpResponse } from '../shared/types';

export { MellonError } from '../shared/errors';
export type * from '../shared/types';

export interface MellonOptions extends RetryOptions {
  /** Where the service answers, e.g. `https://recovery.example.com`. */
  baseUrl: string;
  /** The application's client id (`cli_…`). */
  clientId: string;
  /** Defaults to the page's fetch at call time. */
  fetch?: typeof fetch;
}

export interface RegisterPasskeyOptions {
  /** Shown in the user's passkey list, e.g. "Work laptop". */
  label?: string;
  /** With a recovery token: passkeys to revoke as the recovery ends, or `"all_others"`. */
  revokeCredentialIds?: string[] | 'all_others';
}

export interface SignInOptions {
  /** Ask for this user's passkeys; omit for discoverable credentials. */
  externalUserId?: string;
  /** Passkey autofill: resolves when the user picks a passkey from an `autocomplete="username webauthn"` field. */
  conditionalUI?: boolean;
}

interface Ceremony<O> {
  ceremonyId: string;
  expiresAt: string;
  options: O;
}

type SignalCapable = {
  signalUnknownCredential?: (o: { rpId: string; credentialId: string }) => Promise<void>;
  signalAllAcceptedCredentials?: (o: { rpId: string; userId: string; allAcceptedCredentialIds: string[] }) => Promise<void>;
};

/** The WebAuthn Signal API, where the browser has it; a failure to signal never fails the flow. */
async function signal(name: keyof SignalCapable, arg: never): Promise<boolean> {
  const pkc = (globalThis as { PublicKeyCredential?: SignalCapable }).PublicKeyCredential;
  const fn = pkc?.[name];
  if (typeof fn !== 'function') return false;
  try {
    await fn.call(pkc, arg);
    return true;
  } catch {
    return false;
  }
}

export type Mellon = ReturnType<typeof createMellon>;

export function createMellon(opts: MellonOptions) {
  const http = new Transport({ ...opts, headers: { 'x-client-id': opts.clientId } });

  return {
    /** Emails a one-time code. Same answer whether or not the account exists. Retried when refused. */
    startEmailOtp: (body: { email: string; externalUserId?: string; purpose?: Purpose; locale?: string }) => http.call<StartOtpResponse>({ method: 'POST', path: '/v1/email-otp/start', body }),

    /** Spends the code: sent once. A wrong code throws `invalid_code` with `details.attemptsRemaining`. */
    verifyEmailOtp: (body: { challengeId: string; code: string }) => http.call<EndUserToken>({ method: 'POST', path: '/v1/email-otp/verify', body, once: true }),

    /** Redeems the token of an emailed recovery link (see `recoveryTokenFromUrl`). Sent once. */
    redeemRecoveryLink: (token: string) => http.call<EndUserToken>({ method: 'POST', path: '/v1/recovery/redeem', body: { token }, once: true }),

    /** The recovering user's passkeys (recovery token), to choose which to revoke. */
    listRecoveryCredentials: (recoveryToken: string) => http.call<{ credentials: Credential[] }>({ method: 'GET', path: '/v1/recovery/credentials', token: recoveryToken }),

    /** A `recovery_pending` token plus an authenticator-app code or a recovery code → the recovery token. Sent once. */
    verifySecondFactor: (pendingToken: string, answer: { totp: string } | { recoveryCode: string }) =>
      http.call<EndUserToken>({ method: 'POST', path: '/v1/recovery/second-factor', body: answer, token: pendingToken, once: true }),

    /**
     * Registers a passkey on this device with a session, recovery or enrollment token. With a
     * recovery token this ends the recovery (the token is spent, `revokeCredentialIds` revoked) and
     * tells the password manager which passkeys are still accepted.
     */
    async registerPasskey(token: string, o: RegisterPasskeyOptions = {}): Promise<RegisterFinishResponse> {
      const start = await http.call<Ceremony<PublicKeyCredentialCreationOptionsJSON>>({ method: 'POST', path: '/v1/passkeys/register/start', body: {}, token });
      const response = await startRegistration({ optionsJSON: start.options });
      const done = await http.call<RegisterFinishResponse>({
        method: 'POST',
        path: '/v1/passkeys/register/finish',
        token,
        once: true,
        body: { ceremonyId: start.ceremonyId, response, ...(o.label ? { label: o.label } : {}), ...(o.revokeCredentialIds ? { revokeCredentialIds: o.revokeCredentialIds } : {}) },
      });
      if (done.signal) await signal('signalAllAcceptedCredentials', done.signal satisfies AcceptedCredentialsSignal as never);
      return done;
    },

    /**
     * Signs in with a passkey → a session token. An unknown or revoked passkey throws
     * `credential_not_found` after telling the password manager to forget it (signalUnknownCredential).
     */
    async signInWithPasskey(o: SignInOptions = {}): Promise<EndUserToken> {
      const start = await http.call<Ceremony<PublicKeyCredentialRequestOptionsJSON>>({
        method: 'POST',
        path: '/v1/passkeys/auth/start',
        body: o.externalUserId ? { externalUserId: o.externalUserId } : {},
      });
      const response = await startAuthentication({ optionsJSON: start.options, useBrowserAutofill: !!o.conditionalUI });
      try {
        return await http.call<EndUserToken>({ method: 'POST', path: '/v1/passkeys/auth/finish', body: { ceremonyId: start.ceremonyId, response }, once: true });
      } catch (err) {
        if (err instanceof MellonError && err.code === 'credential_not_found' && start.options.rpId) {
          const credentialId = typeof err.details.credentialId === 'string' ? err.details.credentialId : response.id;
          await signal('signalUnknownCredential', { rpId: start.options.rpId, credentialId } as never);
        }
        throw err;
      }
    },

    /** The signed-in user's passkeys (session token). */
    listPasskeys: (sessionToken: string) => http.call<{ credentials: Credential[] }>({ method: 'GET', path: '/v1/passkeys', token: sessionToken }),

    /** Second factor (session proven by a passkey). */
    secondFactorStatus: (sessionToken: string) => http.call<SecondFactorStatus>({ method: 'GET', path: '/v1/second-factor', token: sessionToken }),
    startTotpEnrollment: (sessionToken: string) =>
      http.call<{ enrollmentId: string; secret: string; otpauthUrl: string; expiresAt: string }>({ method: 'POST', path: '/v1/totp/enroll/start', body: {}, token: sessionToken }),
    finishTotpEnrollment: (sessionToken: string, body: { enrollmentId: string; code: string }) =>
      http.call<{ factor: 'totp'; replaced: boolean }>({ method: 'POST', path: '/v1/totp/enroll/finish', body, token: sessionToken, once: true }),
    removeTotp: (sessionToken: string) => http.call<{ removed: 'totp'; recoveryCodes: SecondFactorStatus['recoveryCodes'] }>({ method: 'DELETE', path: '/v1/totp', token: sessionToken, once: true }),
    /** Ten new recovery codes, shown once; the previous set stops working. Sent once. */
    createRecoveryCodes: (sessionToken: string) => http.call<{ codes: string[] }>({ method: 'POST', path: '/v1/recovery-codes', body: {}, token: sessionToken, once: true }),

    /** Abandons a pending passkey prompt (e.g. a conditional-UI sign-in when the user types a code instead). */
    cancelCeremony: () => WebAuthnAbortService.cancelCeremony(),
  };
}

/** The token in a recovery link's fragment (`<recoveryUrl>#token=…`), or null. */
export function recoveryTokenFromUrl(url: string = globalThis.location?.href ?? ''): string | null {
  const hash = url.includes('#') ? url.slice(url.indexOf('#') + 1) : '';
  return new URLSearchParams(hash).get('token');
}

export const supportsPasskeys = (): boolean => browserSupportsWebAuthn();
export const supportsConditionalUI = (): Promise<boolean> => browserSupportsWebAuthnAutofill();
