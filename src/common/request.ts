import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Application } from '../applications/application.model';
import type { TokenClaims } from '../sessions/token.types';

export type MellonRequest = FastifyRequest & { mellonApp?: Application; tokenClaims?: TokenClaims; rawToken?: string };

export interface RequestMeta {
  ip: string;
  userAgent?: string;
  /** The browser's `Accept-Language`: a locale source for the mails a browser request triggers. Not audited. */
  acceptLanguage?: string;
}

export const CurrentApp = createParamDecorator((_: unknown, ctx: ExecutionContext): Application => {
  const app = ctx.switchToHttp().getRequest<MellonRequest>().mellonApp;
  if (!app) throw new Error('CurrentApp used on a route without an application guard');
  return app;
});

export const CurrentClaims = createParamDecorator((_: unknown, ctx: ExecutionContext): TokenClaims => {
  const claims = ctx.switchToHttp().getRequest<MellonRequest>().tokenClaims;
  if (!claims) throw new Error('CurrentClaims used on a route without a token guard');
  return claims;
});

/** Client IP (Fastify applies TRUST_PROXY) and user agent, for audit events and per-IP limits. */
export const Meta = createParamDecorator((_: unknown, ctx: ExecutionContext): RequestMeta => {
  const req = ctx.switchToHttp().getRequest<FastifyRequest>();
  const ua = req.headers['user-agent'];
  const lang = req.headers['accept-language'];
  return { ip: req.ip, userAgent: typeof ua === 'string' ? ua.slice(0, 400) : undefined, acceptLanguage: typeof lang === 'string' ? lang.slice(0, 400) : undefined };
});

export function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h.trim());
  return m?.[1];
}
