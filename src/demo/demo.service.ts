import { Inject, Injectable } from '@nestjs/common';
import { Application } from '../applications/application.model';
import { ApplicationsService } from '../applications/applications.service';
import { AuditService } from '../audit/audit.service';
import { ApiError } from '../common/api-error';
import { RequestMeta } from '../common/request';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { UserCredentialsService } from '../passkeys/user-credentials.service';
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
}
