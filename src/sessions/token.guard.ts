import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ClientGuard } from '../applications/guards';
import { ApiError } from '../common/api-error';
import { bearer, MellonRequest } from '../common/request';
import { TokenService } from './token.service';
import { Amr, TokenScope } from './token.types';

const SCOPES = 'mellon:scopes';
const SESSION_AMR = 'mellon:session-amr';
/** The token scopes a route accepts; a recovery token can do only what its routes list. */
export const Scopes = (...scopes: TokenScope[]) => SetMetadata(SCOPES, scopes);
/**
 * A session token passes only if it was proven with this method (SPEC §9.1: an email-only session
 * may not add a passkey; that takes a recovery, whose completion is announced and ends other sessions).
 */
export const SessionProvenBy = (amr: Amr) => SetMetadata(SESSION_AMR, amr);

/** End users: `X-Client-Id` (with the Origin rules) plus `Authorization: Bearer <token>` from a verify step. */
@Injectable()
export class TokenGuard implements CanActivate {
  constructor(
    private readonly client: ClientGuard,
    private readonly tokens: TokenService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    await this.client.canActivate(ctx);
    const req = ctx.switchToHttp().getRequest<MellonRequest>();
    const token = bearer(req);
    if (!token) throw new ApiError('invalid_token', 'Missing bearer token.');
    const claims = await this.tokens.verify(req.mellonApp!, token);
    const allowed = this.reflector.getAllAndOverride<TokenScope[]>(SCOPES, [ctx.getHandler(), ctx.getClass()]) ?? ['session'];
    if (!allowed.includes(claims.scope)) {
      throw new ApiError('insufficient_scope', `This route needs a token with scope ${allowed.join(' or ')}.`, { requiredScopes: allowed });
    }
    const amr = this.reflector.getAllAndOverride<Amr | undefined>(SESSION_AMR, [ctx.getHandler(), ctx.getClass()]);
    if (amr && claims.scope === 'session' && !claims.amr.includes(amr)) {
      throw new ApiError('insufficient_scope', `A session proven by ${claims.amr.join(', ')} cannot do this; sign in with a passkey, or start a recovery (email-otp/start with purpose "recovery").`, {
        requiredAmr: amr,
      });
    }
    req.tokenClaims = claims;
    req.rawToken = token;
    return true;
  }
}
