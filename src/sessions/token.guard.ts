import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ClientGuard } from '../applications/guards';
import { ApiError } from '../common/api-error';
import { bearer, MellonRequest } from '../common/request';
import { TokenService } from './token.service';
import { TokenScope } from './token.types';

const SCOPES = 'mellon:scopes';
/** The token scopes a route accepts; a recovery token can do only what its routes list. */
export const Scopes = (...scopes: TokenScope[]) => SetMetadata(SCOPES, scopes);

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
    req.tokenClaims = claims;
    req.rawToken = token;
    return true;
  }
}
