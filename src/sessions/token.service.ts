import { Inject, Injectable } from '@nestjs/common';
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { randomBytes, randomUUID } from 'node:crypto';
import { Application } from '../applications/application.model';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { Secrets } from '../config/secrets';
import { ApiError } from '../common/api-error';
import { SqlExecutor } from '../database/db';
import { SigningKeysService } from './signing-keys.service';
import { TokenRepository } from './token.repository';
import { Amr, IssuedToken, SANDBOX_PREFIX, TokenClaims, TokenScope } from './token.types';

export interface IssueInput {
  userId: string;
  externalUserId: string;
  scope: TokenScope;
  amr: Amr[];
  ttlMs: number;
}

const invalidToken = () => new ApiError('invalid_token', 'The token is not valid for this application.');

/**
 * Production applications get ES256 JWTs (verifiable offline with the JWKS); sandbox applications
 * get opaque `SANDBOX_SESSION_TOKEN…` strings, stored only as a keyed hash, that no production
 * application accepts.
 */
@Injectable()
export class TokenService {
  constructor(
    private readonly repo: TokenRepository,
    private readonly keys: SigningKeysService,
    private readonly secrets: Secrets,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  async issue(app: Application, input: IssueInput, tx?: SqlExecutor): Promise<IssuedToken> {
    const now = Math.floor(Date.now() / 1000);
    const claims: TokenClaims = {
      iss: this.config.publicUrl,
      aud: app.id,
      sub: input.externalUserId,
      scope: input.scope,
      amr: input.amr,
      jti: randomUUID(),
      iat: now,
      exp: now + Math.floor(input.ttlMs / 1000),
      uid: input.userId,
      mode: app.mode,
    };
    const expiresAt = new Date(claims.exp * 1000).toISOString();
    if (app.mode === 'sandbox') {
      const token = `${SANDBOX_PREFIX}_${randomBytes(32).toString('base64url')}`;
      await this.repo.insertOpaque(this.secrets.hashToken(token), claims, expiresAt, tx);
      return { token, tokenType: 'sandbox', expiresAt, claims };
    }
    const key = await this.keys.current();
    const { iss, aud, sub, jti, iat, exp, ...rest } = claims;
    const token = await new SignJWT(rest as unknown as Record<string, unknown>)
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' })
      .setIssuer(iss)
      .setAudience(aud)
      .setSubject(sub)
      .setJti(jti)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(key.privateKey);
    return { token, tokenType: 'jwt', expiresAt, claims };
  }

  /** Verifies a token for `app`; single-use scopes (recovery, enrollment) must not be spent. */
  async verify(app: Application, token: string): Promise<TokenClaims> {
    if (typeof token !== 'string' || token.length > 4096) throw invalidToken();
    const claims = token.startsWith(SANDBOX_PREFIX) ? await this.verifySandbox(app, token) : await this.verifyJwt(app, token);
    if (claims.scope !== 'session' && (await this.repo.isSpent(claims.jti))) {
      throw new ApiError('session_expired', 'This token was already used.', { reason: 'used' });
    }
    return claims;
  }

  /** Atomically marks a single-use token as spent; false when another request spent it first. */
  spend(claims: TokenClaims, tx?: SqlExecutor): Promise<boolean> {
    return this.repo.spend(claims.jti, claims.aud, claims.exp, tx);
  }

  private async verifySandbox(app: Application, token: string): Promise<TokenClaims> {
    if (app.mode !== 'sandbox') throw invalidToken();
    const found = await this.repo.findOpaque(this.secrets.hashToken(token), app.id);
    if (!found) throw invalidToken();
    if (found.expired) throw new ApiError('invalid_token', 'The token has expired.', { reason: 'expired' });
    return found.claims;
  }

  private async verifyJwt(app: Application, token: string): Promise<TokenClaims> {
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      throw invalidToken();
    }
    const key = kid ? await this.keys.byKid(kid) : undefined;
    if (!key) throw invalidToken();
    try {
      const { payload } = await jwtVerify(token, key.publicKey, { issuer: this.config.publicUrl, audience: app.id, algorithms: ['ES256'] });
      const claims = payload as unknown as TokenClaims;
      if (claims.mode !== app.mode) throw invalidToken();
      return claims;
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_JWT_EXPIRED') throw new ApiError('invalid_token', 'The token has expired.', { reason: 'expired' });
      throw invalidToken();
    }
  }
}
