import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { ApiError, ERROR_STATUS } from './api-error';
import { isBackendDown, noteBackendDown } from './backend-down';

interface Body {
  code: string;
  message: string;
  [k: string]: unknown;
}

/** PostgreSQL class 22 (a NUL byte in text, a number out of range): the input, not the service, is at fault. */
function isDataException(err: unknown): boolean {
  const e = (err as { driverError?: unknown })?.driverError ?? err;
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code) && typeof (e as { severity?: unknown }).severity === 'string';
}

/** The one place that turns any thrown value into the SPEC §2 error body. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  catch(err: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body, headers } = this.toResponse(err);
    for (const [k, v] of Object.entries(headers)) reply.header(k, String(v));
    reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }

  toResponse(err: unknown): { status: number; body: Body; headers: Record<string, string | number> } {
    if (isBackendDown(err) || (err instanceof ApiError && err.code === 'service_unavailable')) noteBackendDown();
    if (err instanceof ApiError) {
      return { status: err.status, body: { code: err.code, message: err.message, ...err.details }, headers: err.headers };
    }
    if (err instanceof ThrottlerException) {
      return { status: 429, body: { code: 'rate_limit_exceeded', message: 'Too many requests; slow down.' }, headers: {} };
    }
    if (isBackendDown(err)) {
      this.logger.warn(`backing service unavailable: ${(err as Error).message}`);
      return { status: 503, body: { code: 'service_unavailable', message: 'A backing service is unavailable; try again shortly.' }, headers: {} };
    }
    if (isDataException(err)) {
      return { status: 400, body: { code: 'invalid_request', message: 'The request contains a value that cannot be stored or compared.' }, headers: {} };
    }
    const fastifyStatus = (err as { statusCode?: number })?.statusCode;
    const fastifyCode = (err as { code?: string })?.code;
    if (fastifyStatus === 413 || fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return { status: 413, body: { code: 'payload_too_large', message: 'The request body is larger than 16 KiB.' }, headers: {} };
    }
    if (fastifyStatus === 415 || fastifyCode === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return { status: 415, body: { code: 'unsupported_media_type', message: 'Send the body as application/json.' }, headers: {} };
    }
    if (fastifyStatus === 400 && typeof fastifyCode === 'string' && fastifyCode.startsWith('FST_ERR_CTP')) {
      return { status: 400, body: { code: 'invalid_request', message: 'The request body is not valid JSON.', details: [{ field: 'body', problem: 'malformed JSON' }] }, headers: {} };
    }
    if (err instanceof HttpException) {
      const status = err.getStatus();
      if (status === 404) return { status, body: { code: 'not_found', message: 'No such route.' }, headers: {} };
      if (status === 413) return { status, body: { code: 'payload_too_large', message: 'The request body is larger than 16 KiB.' }, headers: {} };
      if (status < 500) return { status, body: { code: 'invalid_request', message: err.message }, headers: {} };
    }
    if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
      return { status: fastifyStatus, body: { code: 'invalid_request', message: 'The request could not be read.' }, headers: {} };
    }
    const errorId = randomUUID();
    this.logger.error({ errorId, err: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err) }, 'unhandled error');
    return { status: ERROR_STATUS.internal_error, body: { code: 'internal_error', message: 'Something went wrong on our side.', errorId }, headers: {} };
  }
}
