/** Response and request shapes of the Mellon Recovery API (see /docs/openapi.json). */

export type Purpose = 'login' | 'recovery';
export type TokenScope = 'session' | 'recovery' | 'enrollment' | 'recovery_pending';

export interface StartOtpResponse {
  challengeId: string;
  expiresAt: string;
  codeLength: number;
  purpose: Purpose;
}

/** What a verify step hands out: OTP verify, recovery redeem, passkey sign-in, second-factor recovery. */
export interface EndUserToken {
  token: string;
  tokenType: 'session' | 'recovery' | 'recovery_pending';
  expiresAt: string;
  user: { externalUserId: string };
}

export interface Credential {
  id: string;
  label: string;
  createdAt: string;
  lastUsedAt: string | null;
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  transports: string[];
  aaguid: string;
  status: 'active' | 'revoked';
  revokedAt: string | null;
}

export interface AcceptedCredentialsSignal {
  rpId: string;
  userId: string;
  allAcceptedCredentialIds: string[];
}

export interface RegisterFinishResponse {
  credential: Credential;
  session: { token: string; tokenType: 'session'; expiresAt: string };
  revokedCredentialIds: string[];
  signal?: AcceptedCredentialsSignal;
}

export interface SecondFactorStatus {
  totp: { createdAt: string; lastUsedAt: string | null } | null;
  recoveryCodes: { remaining: number; createdAt: string | null };
}

export interface User {
  externalUserId: string;
  email: string;
  locale: string | null;
  recoveryLocked: boolean;
  sessionsValidAfter: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface UserWithPasskeys extends User {
  passkeys: Credential[];
  secondFactor?: SecondFactorStatus;
}

export interface EnrollmentToken {
  token: string;
  tokenType: 'enrollment';
  expiresAt: string;
}

export interface SupportResetInput {
  actor: string;
  reason: string;
  revokeCredentials: 'none' | 'all';
  delivery: 'email' | 'link';
  /** `0s`–`72h`; default: the application's supportResetCoolingOff. */
  coolingOff?: string;
}

export interface SupportReset {
  recoveryId: string;
  availableAt: string;
  expiresAt: string;
  link?: string;
}

/** Claims of a verified end-user token (internal bookkeeping removed). */
export interface SessionClaims {
  iss: string;
  aud: string;
  sub: string;
  scope: TokenScope;
  amr: string[];
  jti: string;
  iat: number;
  exp: number;
  mode?: 'sandbox' | 'production';
  recovered?: true;
  [claim: string]: unknown;
}

export interface AuditEvent {
  id: string;
  type: string;
  actor: string;
  externalUserId: string | null;
  ip: string | null;
  userAgent: string | null;
  data: Record<string, unknown>;
  createdAt: string;
}

export interface AuditEventPage {
  events: AuditEvent[];
  nextCursor: string | null;
}

export interface SandboxMail {
  id: string;
  to: string;
  template: string;
  status: string;
  createdAt: string;
  sentAt: string | null;
  subject: string;
  text: string;
  html: string;
}

/** Every webhook event type; the service validates subscriptions against this same list. */
export const WEBHOOK_EVENTS = [
  'passkey.registered',
  'passkey.revoked',
  'recovery.completed',
  'support_reset.created',
  'support_reset.redeemed',
  'support_reset.cancelled',
  'security.reported',
  'sessions.revoked',
  'mail.failed',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: WebhookEvent[];
  createdAt: string;
}

export interface CreatedWebhook extends WebhookEndpoint {
  /** `whsec_…`, shown once. */
  secret: string;
}

export interface WebhookDelivery {
  id: string;
  type: WebhookEvent;
  status: 'pending' | 'sending' | 'delivered' | 'failed';
  createdAt: string;
  deliveredAt: string | null;
  nextAttemptAt: string | null;
  attempts: { attempt: number; statusCode: number | null; error: string | null; durationMs: number; at: string }[];
}

export interface WebhookDeliveryPage {
  deliveries: WebhookDelivery[];
  nextCursor: string | null;
}
