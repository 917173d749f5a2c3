import type { AppMode } from '../applications/application.model';
import type { WebhookEvent } from './webhook.constants';

export interface WebhookEndpoint {
  id: string;
  appId: string;
  url: string;
  events: WebhookEvent[];
  createdAt: Date;
}

export function toPublicEndpoint(e: WebhookEndpoint) {
  return { id: e.id, url: e.url, events: e.events, createdAt: e.createdAt };
}

export type DeliveryStatus = 'pending' | 'sending' | 'delivered' | 'failed';

/** A delivery claimed for one attempt, with what signing and sending it needs. */
export interface ClaimedDelivery {
  id: string;
  event: WebhookEvent;
  payload: Record<string, unknown>;
  /** How many attempts, this one included. */
  attempts: number;
  createdAt: Date;
  url: string;
  secretEnc: Buffer;
  mode: AppMode;
}

export interface DeliveryAttempt {
  attempt: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  at: string;
}

/** One delivery as the delivery log shows it. `seq` orders the log and makes its cursor. */
export interface DeliveryLogEntry {
  seq: string;
  id: string;
  type: WebhookEvent;
  status: DeliveryStatus;
  createdAt: Date;
  deliveredAt: Date | null;
  nextAttemptAt: Date | null;
  attempts: DeliveryAttempt[];
}

/** What the event is, for the deliveries it causes. */
export interface WebhookEventRow {
  type: WebhookEvent;
  data: Record<string, unknown>;
}
