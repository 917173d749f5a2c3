import { randomFraction } from '../common/random';
import { WEBHOOK_MAX_BACKOFF_MS, WebhookEvent } from './webhook.constants';

/** The audit event an app backend may subscribe to, as the audit log records it. */
export interface AuditFacts {
  type: string;
  actor: string;
  externalUserId?: string | null;
  data?: Record<string, unknown>;
}

/**
 * Which audit events are webhook events. Every change the service makes is audited in the same
 * transaction as the change, so deriving deliveries from audit events keeps them transactional
 * without touching each call site. OTP events are not webhook events.
 */
export function webhookEventFor(e: Pick<AuditFacts, 'type' | 'data'>): WebhookEvent | null {
  switch (e.type) {
    case 'passkey.registered':
    case 'passkey.revoked':
    case 'recovery.completed':
    case 'security.reported':
    case 'sessions.revoked':
    case 'mail.failed':
      return e.type;
    case 'recovery.support_reset':
      return 'support_reset.created';
    case 'recovery.started':
      return e.data?.method === 'recovery_link' ? 'support_reset.redeemed' : null;
    case 'recovery.cancelled':
      return 'support_reset.cancelled';
    default:
      return null;
  }
}

/** The `data` of the webhook body: who, which actor, and the audit event's own data. */
export function webhookData(e: AuditFacts): Record<string, unknown> {
  return { externalUserId: e.externalUserId ?? null, actor: e.actor, ...(e.data ?? {}) };
}

/**
 * Wait before the next attempt after `attempts` failed ones: `base` doubling per attempt, capped,
 * with ±20 % jitter so endpoints that come back are not hit by every sender at once.
 */
export function backoffMs(attempts: number, baseMs: number, random: () => number = randomFraction): number {
  const plain = Math.min(WEBHOOK_MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(plain * (0.8 + 0.4 * random()));
}
