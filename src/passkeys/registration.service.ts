import { Inject, Injectable } from '@nestjs/common';
import { generateRegistrationOptions } from '@simplewebauthn/server';
import { Application } from '../applications/application.model';
import { AuditService } from '../audit/audit.service';
import { ApiError } from '../common/api-error';
import { RequestMeta } from '../common/request';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { Db, SqlExecutor } from '../database/db';
import { SecurityMailService } from '../mail/security-mail.service';
import { TokenService } from '../sessions/token.service';
import { Amr, TokenClaims } from '../sessions/token.types';
import { User } from '../users/user.model';
import { UsersService } from '../users/users.service';
import { CeremoniesService } from './ceremonies.service';
import { CredentialsService } from './credentials.service';
import { RegisterFinishDto } from './dto/passkeys.dto';
import { PasskeyCredential, toPublicCredential } from './passkey-credential.model';
import { responseCredentialId, userHandle, verifyRegistration } from './webauthn';

@Injectable()
export class RegistrationService {
  constructor(
    private readonly db: Db,
    private readonly ceremonies: CeremoniesService,
    private readonly credentials: CredentialsService,
    private readonly users: UsersService,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
    private readonly mail: SecurityMailService,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  async start(app: Application, claims: TokenClaims) {
    const user = await this.userOf(app, claims);
    const active = await this.credentials.listActive(app.id, user.id);
    const options = await generateRegistrationOptions({
      rpName: app.rpName,
      rpID: app.rpId,
      userName: user.email,
      userDisplayName: user.email,
      userID: userHandle(user.id),
      attestationType: 'none',
      timeout: this.config.otpTtlMs,
      excludeCredentials: active.map((c) => ({ id: c.credentialId, transports: c.transports })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    const ceremony = await this.ceremonies.create({ appId: app.id, kind: 'registration', challenge: options.challenge, userId: user.id, tokenJti: claims.jti });
    return { ceremonyId: ceremony.id, expiresAt: ceremony.expiresAt.toISOString(), options };
  }

  /**
   * Stores the new passkey and returns a session. With a recovery token this ends the recovery:
   * the token is spent in the same transaction, and the passkeys the user chose are revoked.
   */
  async finish(app: Application, claims: TokenClaims, dto: RegisterFinishDto, meta: RequestMeta) {
    if (dto.revokeCredentialIds !== undefined && claims.scope !== 'recovery') {
      throw new ApiError('invalid_request', 'revokeCredentialIds is accepted only with a recovery token.', {
        details: [{ field: 'revokeCredentialIds', problem: 'only with a recovery token' }],
      });
    }
    responseCredentialId(dto.response);
    const user = await this.userOf(app, claims);
    const ceremony = await this.ceremonies.consume(dto.ceremonyId, { appId: app.id, kind: 'registration', userId: user.id, tokenJti: claims.jti });
    const info = await verifyRegistration(app, dto.response, ceremony.challenge);

    const { credential, session, revoked, mailIds } = await this.db.transaction(async (tx) => {
      if (claims.scope !== 'session' && !(await this.tokens.spend(claims, tx))) {
        throw new ApiError('session_expired', 'This token was already used.', { reason: 'used' });
      }
      const revoked = await this.revokeChosen(tx, app, user, dto);
      const credential = await this.credentials.insert(tx, {
        appId: app.id,
        userId: user.id,
        credentialId: info.credential.id,
        publicKey: info.credential.publicKey,
        counter: info.credential.counter,
        transports: info.credential.transports ?? [],
        deviceType: info.credentialDeviceType,
        backedUp: info.credentialBackedUp,
        aaguid: info.aaguid,
        label: dto.label ?? 'Passkey',
      });
      await this.record(tx, app, user, claims, credential, revoked, meta);
      const mailIds = await this.notify(tx, app, user, claims, credential, revoked);
      // A completed recovery ends every other session (the one who lost the account may hold one);
      // the new session is issued after that instant and says it came from a recovery.
      const recovered = claims.scope === 'recovery';
      const notBefore = recovered ? await this.users.revokeSessions(app.id, user.id, tx) : undefined;
      const session = await this.tokens.issue(
        app,
        { userId: user.id, externalUserId: user.externalUserId, scope: 'session', amr: sessionAmr(claims), ttlMs: this.config.sessionTtlMs, recovered, notBefore },
        tx,
      );
      return { credential, session, revoked, mailIds };
    });
    await this.mail.dispatch(mailIds);
    return {
      credential: toPublicCredential(credential),
      session: { token: session.token, tokenType: 'session', expiresAt: session.expiresAt },
      revokedCredentialIds: revoked,
      signal: await this.acceptedSignal(app, user),
    };
  }

  /** The user a token was issued to, as long as it still exists with the same externalUserId. */
  private async userOf(app: Application, claims: TokenClaims): Promise<User> {
    const user = await this.users.byId(app.id, claims.uid);
    if (!user || user.externalUserId !== claims.sub) throw new ApiError('invalid_token', 'The user of this token no longer exists.');
    return user;
  }

  /** Arguments for PublicKeyCredential.signalAllAcceptedCredentials, so revoked passkeys leave the password manager. */
  private async acceptedSignal(app: Application, user: User) {
    const active = await this.credentials.listActive(app.id, user.id);
    return {
      rpId: app.rpId,
      userId: Buffer.from(userHandle(user.id)).toString('base64url'),
      allAcceptedCredentialIds: active.map((c) => c.credentialId),
    };
  }

  private revokeChosen(tx: SqlExecutor, app: Application, user: User, dto: RegisterFinishDto): Promise<string[]> {
    const chosen = dto.revokeCredentialIds;
    if (chosen === undefined) return Promise.resolve([]);
    // Revoked before the new passkey is inserted, so "all_others" and a list can never hit it.
    return this.credentials.revoke(tx, app.id, user.id, chosen === 'all_others' ? { allExcept: null } : { ids: chosen }, 'recovery');
  }

  private async record(tx: SqlExecutor, app: Application, user: User, claims: TokenClaims, c: PasskeyCredential, revoked: string[], meta: RequestMeta) {
    const base = { appId: app.id, userId: user.id, externalUserId: user.externalUserId, actor: 'end_user', meta };
    await this.audit.record({ ...base, type: 'passkey.registered', data: { credentialId: c.credentialId, label: c.label, via: claims.scope, aaguid: c.aaguid } }, tx);
    for (const credentialId of revoked) {
      await this.audit.record({ ...base, type: 'passkey.revoked', data: { credentialId, reason: 'recovery' } }, tx);
    }
    if (claims.scope === 'recovery') {
      await this.audit.record({ ...base, type: 'recovery.completed', data: { credentialId: c.credentialId, method: claims.amr[0], revokedCount: revoked.length } }, tx);
    }
  }

  private async notify(tx: SqlExecutor, app: Application, user: User, claims: TokenClaims, c: PasskeyCredential, revoked: string[]): Promise<string[]> {
    // Every new passkey is announced, whatever token added it (SPEC §9.1).
    const ids: string[] = [await this.mail.write(tx, app, user, 'passkey-added', { label: c.label }, { event: 'passkey.registered', data: { credentialIds: [c.credentialId] } })];
    if (revoked.length) ids.push(await this.mail.write(tx, app, user, 'passkeys-revoked', { count: revoked.length }, { event: 'passkeys.revoked', data: { credentialIds: revoked } }));
    return ids;
  }
}

/** The new session records how the user proved themselves: the earlier factor (if any) and the passkey. */
function sessionAmr(claims: TokenClaims): Amr[] {
  const earlier = claims.amr.filter((a) => a !== 'app_backend' && a !== 'passkey');
  return [...earlier, 'passkey'];
}
