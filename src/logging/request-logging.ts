import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Level, Logger } from 'pino';

/** The id of the request being served, for the log lines written while serving it. */
const currentRequest = new AsyncLocalStorage<string>();

/** pino's `mixin`: a line written while a request is served carries its `requestId`. */
export function requestIdMixin(): { requestId?: string } {
  const id = currentRequest.getStore();
  return id === undefined ? {} : { requestId: id };
}

/** Successful requests at debug (at thousands a second an info line each is real CPU), refusals at info, failures at error. */
function requestLogLevel(status: number): Level {
  return status >= 500 ? 'error' : status >= 400 ? 'info' : 'debug';
}

/** The logger's serializers reduce the raw request to its method and path, and the response to its status. */
const requestFields = (req: FastifyRequest) => ({ requestId: req.id, req: req.raw });

/**
 * Request logging as two Fastify hooks: the request id is bound for everything the request runs
 * (Fastify keeps the context across body parsing), and one `request` line is written when the
 * answer has gone out, if its level is enabled. Bodies and headers are never logged, so codes,
 * tokens and addresses stay out of the logs; paths are logged without their query string (the
 * serializers in logging.module.ts).
 *
 * This replaces pino-http mounted as Nest middleware, which cost ≈ 0.1 ms of CPU per request
 * (Fastify's Express-style middleware layer, a child logger and response listeners per request)
 * for a line that is not written at the default level (docs/operations.md, "Capacity").
 */
export function installRequestLogging(fastify: FastifyInstance, logger: () => Logger): void {
  fastify.addHook('onRequest', (req, _reply, done) => currentRequest.run(req.id, done));
  fastify.addHook('onResponse', (req, reply, done) => {
    const log = logger();
    const level = requestLogLevel(reply.statusCode);
    if (log.isLevelEnabled(level)) log[level]({ ...requestFields(req), res: reply.raw, responseTime: Math.round(reply.elapsedTime) }, 'request');
    done();
  });
  fastify.addHook('onRequestAbort', (req, done) => {
    const log = logger();
    if (log.isLevelEnabled('info')) log.info({ ...requestFields(req), aborted: true }, 'request aborted');
    done();
  });
}
