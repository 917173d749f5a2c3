import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import secureJson from 'secure-json-parse';
import { ApiError } from './api-error';

export const MAX_JSON_DEPTH = 32;
export const MAX_URL_LENGTH = 2048;

/** True when the JSON text nests arrays/objects deeper than `max`; a linear scan, before any parse recursion. */
export function jsonDepthExceeds(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

const badBody = (problem: string) => new ApiError('invalid_request', 'The request body is not valid JSON.', { details: [{ field: 'body', problem }] });

/** JSON bodies: prototype poisoning refused, nesting bounded, every failure a section-2 400. */
export function installJsonParser(fastify: FastifyInstance, bodyLimit: number): void {
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_req: FastifyRequest, body: string | Buffer, done: (err: Error | null, value?: unknown) => void) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (!text.trim()) return done(badBody('empty body'));
    if (jsonDepthExceeds(text)) return done(badBody(`nested deeper than ${MAX_JSON_DEPTH} levels`));
    try {
      done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch {
      done(badBody('malformed JSON'));
    }
  });
}

/** Refuses over-long request targets before routing (414, section-2 body). */
export function installUrlLimit(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (req, reply, done) => {
    if (req.raw.url && req.raw.url.length > MAX_URL_LENGTH) {
      void reply
        .status(414)
        .header('content-type', 'application/json; charset=utf-8')
        .send({ code: 'uri_too_long', message: `The request path and query are longer than ${MAX_URL_LENGTH} characters.` });
      return;
    }
    done();
  });
}

/**
 * The router's own refusals (a malformed percent-encoding, an over-long route parameter) answer
 * before any Nest code runs; they get the section-2 body, never Fastify's code or message.
 */
export function frameworkErrors(error: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  void reply
    .status(tooLong ? 414 : 400)
    .header('content-type', 'application/json; charset=utf-8')
    .send(
      tooLong
        ? { code: 'uri_too_long', message: 'A path segment is too long.' }
        : { code: 'invalid_request', message: 'The request path is not valid.', details: [{ field: 'path', problem: 'malformed URL' }] },
    );
}

/** Errors Node's HTTP parser raises before Fastify sees a request (oversized headers, garbage), in the section-2 shape. */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  let status = 400;
  let body: object = { code: 'invalid_request', message: 'The request could not be read.' };
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    body = { code: 'headers_too_large', message: 'The request line or headers are too large.' };
  } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    body = { code: 'request_timeout', message: 'The request took too long to arrive.' };
  }
  const text = JSON.stringify(body);
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(text)}\r\nContent-Type: application/json; charset=utf-8\r\n\r\n${text}`);
  }
  socket.destroy();
}

const TOKEN_FIELD = /"(?:[A-Za-z]*Token|token|secretKey)"\s*:\s*"/;
const PAGES = /^\/(?:demo|report)(?:[/?]|$)/;

/** Responses that carry a token or a secret, and the demo and report pages, are never stored by a cache. */
export function installNoStore(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (req, reply, payload, done) => {
    const url = req.raw.url ?? '';
    if (PAGES.test(url) || (typeof payload === 'string' && TOKEN_FIELD.test(payload))) reply.header('cache-control', 'no-store');
    done(null, payload);
  });
}

const closing = new WeakSet<FastifyInstance>();

/** Once `beginClosing` is called, requests still arriving on kept-alive connections get a section-2 503 and `Connection: close`. */
export function installClosingGate(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (_req, reply, done) => {
    if (!closing.has(fastify)) return done();
    void reply
      .status(503)
      .header('connection', 'close')
      .header('content-type', 'application/json; charset=utf-8')
      .send({ code: 'service_unavailable', message: 'This instance is shutting down; try again.' });
  });
}

export function beginClosing(fastify: FastifyInstance): void {
  closing.add(fastify);
}
