export const WEBHOOK_QUEUE = 'mellon-webhooks';
export const WEBHOOK_JOB = 'deliver';

/** The events an endpoint can subscribe to: one list, the one the client libraries publish. */
export { WEBHOOK_EVENTS } from '../../clients/shared/types';
export type { WebhookEvent } from '../../clients/shared/types';

/** A job is one attempt: `attempt` is how many attempts the row had when it was queued, so a stale or duplicated job finds nothing to claim. */
export interface WebhookJobData {
  deliveryId: string;
  attempt: number;
}

/** Deliveries are retried for this long after the event. */
export const WEBHOOK_RETRY_WINDOW_MS = 24 * 3_600_000;
/** No single wait between two attempts is longer than this. */
export const WEBHOOK_MAX_BACKOFF_MS = 4 * 3_600_000;
/** The relay looks for committed, undispatched rows this often. */
export const WEBHOOK_RELAY_MS = 1000;
/** An endpoint gets this long to answer. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
export const MAX_ENDPOINTS_PER_APP = 20;
