import { Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { User } from '../users/user.entity';
import { UserViewService } from '../users/user-view.service';
import { AuthenticationService } from './authentication.service';
import { CeremoniesService } from './ceremonies.service';
import { CredentialsService } from './credentials.service';
import { PasskeyCredential } from './passkey-credential.entity';
import { toPublicCredential } from './passkey-credential.model';
import { PasskeyUsersService } from './passkey-users.service';
import { PasskeysController } from './passkeys.controller';
import { RegistrationService } from './registration.service';
import { SecurityMailService } from './security-mail.service';
import { UserCredentialsController } from './user-credentials.controller';
import { UserCredentialsService } from './user-credentials.service';
import { WebauthnCeremony } from './webauthn-ceremony.entity';

@Module({
  imports: [TypeOrmModule.forFeature([PasskeyCredential, WebauthnCeremony, User])],
  controllers: [PasskeysController, UserCredentialsController],
  providers: [
    CeremoniesService,
    CredentialsService,
    PasskeyUsersService,
    SecurityMailService,
    RegistrationService,
    AuthenticationService,
    UserCredentialsService,
  ],
  exports: [CredentialsService, PasskeyUsersService, SecurityMailService, UserCredentialsService],
})
export class PasskeysModule implements OnModuleInit {
  constructor(
    private readonly view: UserViewService,
    private readonly credentials: CredentialsService,
  ) {}

  /** `GET /v1/users/{id}` shows the user's passkeys without the users module depending on this one. */
  onModuleInit(): void {
    this.view.register(async (user) => ({ passkeys: (await this.credentials.list(user.appId, user.id)).map(toPublicCredential) }));
  }
}
