import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';

/** What a caller may pass as its own request id: short, and nothing that could forge a log field or a header. */
const WELL_FORMED = /^[A-Za-z0-9._-]{1,64}$/;

type WithId = IncomingMessage & { id?: string };

/**
 * The request id of a raw request: the caller's `X-Request-Id` when well formed, else a new UUID.
 * Stored on the raw request, so Fastify (`genReqId`) and pino-http (which keeps an existing
 * `req.id`) agree on one id per request.
 */
export function requestIdFor(raw: IncomingMessage): string {
  const req = raw as WithId;
  if (typeof req.id === 'string') return req.id;
  const incoming = raw.headers[REQUEST_ID_HEADER];
  req.id = typeof incoming === 'string' && WELL_FORMED.test(incoming) ? incoming : randomUUID();
  return req.id;
}

/** Every response carries the request's id as `X-Request-Id`, errors and refusals included. */
export function installRequestIdHeader(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (req, reply, payload, done) => {
    if (!reply.hasHeader(REQUEST_ID_HEADER)) reply.header(REQUEST_ID_HEADER, req.id);
    done(null, payload);
  });
}
