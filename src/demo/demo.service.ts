import { Inject, Injectable } from '@nestjs/common';
import { Application } from '../applications/application.model';
import { ApplicationsService } from '../applications/applications.service';
import { AuditService } from '../audit/audit.service';
import { ApiError } from '../common/api-error';
import { RequestMeta } from '../common/request';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { UserCredentialsService } from '../passkeys/user-credentials.service';
import { SupportResetService } from '../recovery/support-reset.service';
import { TokenClaims } from '../sessions/token.types';
import { UsersService } from '../users/users.service';
import { DemoSignupDto } from './dto/signup.dto';

export interface DemoConfig {
  clientId: string;
  rpId: string;
  rpName: string;
  publicUrl: string;
}

/**
 * Server-side helpers for the /demo page. A real app's backend creates users and enrollment
 * tokens with its secret key; a browser page cannot hold that key, so this stands in for it —
 * only for the sandbox demo application.
 */
@Injectable()
export class DemoService {
  constructor(
    private readonly apps: ApplicationsService,
    private readonly users: UsersService,
    private readonly enrollments: UserCredentialsService,
    private readonly audit: AuditService,
    private readonly resets: SupportResetService,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  async pageConfig(): Promise<DemoConfig> {
    const demo = await this.apps.findDemo();
    if (!demo) {
      throw new ApiError('application_not_found', 'No demo application exists; start the service in development (or with DEMO_APP=on) to create one.');
    }
    return { clientId: demo.clientId, rpId: demo.rpId, rpName: demo.rpName, publicUrl: this.config.publicUrl };
  }

  /** Creates a new user of the demo application and mints an enrollment token for a first passkey. */
  async signup(app: Application, dto: DemoSignupDto, meta: RequestMeta) {
    if (!app.isDemo || app.mode !== 'sandbox') throw new ApiError('not_found', 'The sign-up helper exists only for the sandbox demo application.');
    // Re-signing up must not take over an account by changing its email address.
    if (await this.users.find(app.id, dto.externalUserId)) {
      throw new ApiError('conflict', 'That user name is taken; sign in, or use "Lost your passkey?".', { field: 'externalUserId' });
    }
    const { user, created } = await this.users.upsert(app.id, dto.externalUserId, dto.email);
    if (!created) throw new ApiError('conflict', 'That user name is taken; sign in, or use "Lost your passkey?".', { field: 'externalUserId' });
    await this.audit.record({ appId: app.id, userId: user.id, externalUserId: user.externalUserId, type: 'user.created', actor: 'demo_signup', meta });
    const enrollment = await this.enrollments.enrollmentFor(app, user, meta, 'demo_signup');
    return { user: { externalUserId: user.externalUserId }, ...enrollment };
  }

  /**
   * Stands in for a support agent: a support reset of the signed-in demo user with a one-minute
   * cooling-off period, handed over as a link. The account holder is mailed at once, with a
   * "This wasn't me" link that cancels it; the link works only after the delay.
   */
  async supportReset(app: Application, claims: TokenClaims, meta: RequestMeta) {
    if (!app.isDemo || app.mode !== 'sandbox') throw new ApiError('not_found', 'The support-reset helper exists only for the sandbox demo application.');
    return this.resets.start(
      app,
      claims.sub,
      { actor: 'demo-support', reason: 'Demo: support reset with a cooling-off period', revokeCredentials: 'none', delivery: 'link', coolingOff: DEMO_COOLING_OFF },
      meta,
    );
  }
}

export const DEMO_COOLING_OFF = '1m';
