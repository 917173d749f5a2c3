import { Module, OnModuleInit } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module';
import { AuditModule } from '../audit/audit.module';
import { RetentionService } from '../database/retention.service';
import { MailModule } from '../mail/mail.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UserViewService } from '../users/user-view.service';
import { UsersModule } from '../users/users.module';
import { AuthenticationService } from './authentication.service';
import { CeremoniesService } from './ceremonies.service';
import { CredentialsService } from './credentials.service';
import { PasskeyCredentialRepository } from './passkey-credential.repository';
import { toPublicCredential } from './passkey-credential.model';
import { PasskeysController } from './passkeys.controller';
import { RegistrationService } from './registration.service';
import { UserCredentialsController } from './user-credentials.controller';
import { UserCredentialsService } from './user-credentials.service';
import { WebauthnCeremonyRepository } from './webauthn-ceremony.repository';

@Module({
  imports: [ApplicationsModule, UsersModule, AuditModule, SessionsModule, MailModule],
  controllers: [PasskeysController, UserCredentialsController],
  providers: [PasskeyCredentialRepository, WebauthnCeremonyRepository, CeremoniesService, CredentialsService, RegistrationService, AuthenticationService, UserCredentialsService],
  exports: [CredentialsService, UserCredentialsService],
})
export class PasskeysModule implements OnModuleInit {
  constructor(
    private readonly view: UserViewService,
    private readonly credentials: CredentialsService,
    private readonly ceremonies: WebauthnCeremonyRepository,
    private readonly retention: RetentionService,
  ) {}

  onModuleInit(): void {
    // `GET /v1/users/{id}` shows the user's passkeys without the users module depending on this one.
    this.view.register(async (user) => ({ passkeys: (await this.credentials.list(user.appId, user.id)).map(toPublicCredential) }));
    this.retention.register('webauthn_ceremonies', (tx, batch) => this.ceremonies.purgeExpired(tx, batch));
  }
}
