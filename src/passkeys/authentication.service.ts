import { Inject, Injectable } from '@nestjs/common';
import { generateAuthenticationOptions } from '@simplewebauthn/server';
import { Application } from '../applications/application.model';
import { AuditService } from '../audit/audit.service';
import { ApiError } from '../common/api-error';
import { RequestMeta } from '../common/request';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { TokenService } from '../sessions/token.service';
import { UsersService } from '../users/users.service';
import { CeremoniesService } from './ceremonies.service';
import { CredentialsService } from './credentials.service';
import { AuthFinishDto, AuthStartDto } from './dto/passkeys.dto';
import { handleMatches, responseCredentialId, verifyAuthentication } from './webauthn';

@Injectable()
export class AuthenticationService {
  constructor(
    private readonly ceremonies: CeremoniesService,
    private readonly credentials: CredentialsService,
    private readonly users: UsersService,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * The options never list credential ids (passkeys are discoverable), so the answer is the same
   * for every account, known or not (SPEC §9.1). With an externalUserId of an existing user the
   * ceremony is bound to that user: a passkey of someone else does not finish it.
   */
  async start(app: Application, dto: AuthStartDto) {
    const user = dto.externalUserId ? await this.users.find(app.id, dto.externalUserId) : null;
    const options = await generateAuthenticationOptions({ rpID: app.rpId, allowCredentials: [], userVerification: 'required', timeout: this.config.otpTtlMs });
    const ceremony = await this.ceremonies.create({ appId: app.id, kind: 'authentication', challenge: options.challenge, userId: user?.id ?? null });
    return { ceremonyId: ceremony.id, expiresAt: ceremony.expiresAt.toISOString(), options };
  }

  async finish(app: Application, dto: AuthFinishDto, meta: RequestMeta) {
    const credentialId = responseCredentialId(dto.response);
    const ceremony = await this.ceremonies.consume(dto.ceremonyId, { appId: app.id, kind: 'authentication' });
    const credential = await this.credentials.find(app.id, credentialId);
    const owned = credential && !credential.revokedAt && (!ceremony.userId || ceremony.userId === credential.userId);
    if (!credential || !owned) {
      const holder = credential ? await this.users.byId(app.id, credential.userId) : null;
      await this.audit.record({
        appId: app.id,
        userId: holder?.id,
        externalUserId: holder?.externalUserId,
        type: 'passkey.sign_in_refused',
        actor: 'end_user',
        meta,
        data: { credentialId, reason: credential?.revokedAt ? 'revoked' : 'unknown' },
      });
      throw notFound(credentialId);
    }
    const response = dto.response.response as Record<string, unknown>;
    if (!handleMatches(credential.userId, response.userHandle)) {
      throw new ApiError('webauthn_verification_failed', 'The passkey response did not verify.', { reason: 'user handle does not match the credential' });
    }
    const info = await verifyAuthentication(app, dto.response, ceremony.challenge, {
      id: credential.credentialId,
      publicKey: new Uint8Array(credential.publicKey),
      counter: credential.counter,
      transports: credential.transports,
    });
    if (!(await this.credentials.touch(app.id, credentialId, info.newCounter, info.credentialBackedUp))) throw notFound(credentialId);

    const user = await this.users.byId(app.id, credential.userId);
    if (!user) throw notFound(credentialId);
    const issued = await this.tokens.issue(app, {
      userId: user.id,
      externalUserId: user.externalUserId,
      scope: 'session',
      amr: ['passkey'],
      ttlMs: this.config.sessionTtlMs,
    });
    await this.audit.record({
      appId: app.id,
      userId: user.id,
      externalUserId: user.externalUserId,
      type: 'passkey.signed_in',
      actor: 'end_user',
      meta,
      data: { credentialId, ceremonyId: dto.ceremonyId },
    });
    return { token: issued.token, tokenType: 'session', expiresAt: issued.expiresAt, user: { externalUserId: user.externalUserId } };
  }
}

function notFound(credentialId: string): ApiError {
  return new ApiError('credential_not_found', 'This passkey is unknown or was revoked; use another passkey or recover the account.', { credentialId });
}
