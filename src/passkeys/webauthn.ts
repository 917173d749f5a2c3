import { AuthenticationResponseJSON, RegistrationResponseJSON, verifyAuthenticationResponse, verifyRegistrationResponse, WebAuthnCredential } from '@simplewebauthn/server';
import { Application } from '../applications/application.model';
import { ApiError } from '../common/api-error';

const BASE64URL = /^[A-Za-z0-9_-]{1,1400}$/;

/** The credential id a response claims; anything else is a malformed body, not a failed verification. */
export function responseCredentialId(response: Record<string, unknown>): string {
  const id = response.id;
  if (typeof id !== 'string' || !BASE64URL.test(id) || response.type !== 'public-key' || typeof response.response !== 'object' || response.response === null) {
    throw new ApiError('invalid_request', 'The request is not valid.', {
      details: [{ field: 'response', problem: 'must be a PublicKeyCredential JSON with a base64url id, type "public-key" and a response object' }],
    });
  }
  return id;
}

function failed(err: unknown): ApiError {
  const reason = err instanceof Error ? err.message.slice(0, 300) : 'verification failed';
  return new ApiError('webauthn_verification_failed', 'The passkey response did not verify.', { reason });
}

/** Origins and RP ID come only from the application's configuration. */
export async function verifyRegistration(app: Application, response: Record<string, unknown>, challenge: string) {
  try {
    const result = await verifyRegistrationResponse({
      response: response as unknown as RegistrationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: app.allowedOrigins,
      expectedRPID: app.rpId,
      requireUserVerification: true,
    });
    if (!result.verified) throw new Error('registration response not verified');
    return result.registrationInfo;
  } catch (err) {
    throw failed(err);
  }
}

export async function verifyAuthentication(app: Application, response: Record<string, unknown>, challenge: string, credential: WebAuthnCredential) {
  try {
    const result = await verifyAuthenticationResponse({
      response: response as unknown as AuthenticationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: app.allowedOrigins,
      expectedRPID: app.rpId,
      credential,
      requireUserVerification: true,
    });
    if (!result.verified) throw new Error('authentication response not verified');
    return result.authenticationInfo;
  } catch (err) {
    throw failed(err);
  }
}

/** The WebAuthn user handle of a user: the 16 bytes of its internal uuid (no personal data). */
export function userHandle(userId: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(Buffer.from(userId.replace(/-/g, ''), 'hex'));
}

export function handleMatches(userId: string, handle: unknown): boolean {
  if (handle === undefined || handle === null) return true;
  return typeof handle === 'string' && Buffer.from(handle, 'base64url').equals(Buffer.from(userHandle(userId)));
}
