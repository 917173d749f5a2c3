import { Module, OnModuleInit } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module';
import { RetentionService } from '../database/retention.service';
import { UsersModule } from '../users/users.module';
import { JwksController, SessionsController } from './sessions.controller';
import { SigningKeysModule } from './signing-keys.module';
import { TokenGuard } from './token.guard';
import { TokenRepository } from './token.repository';
import { TokenService } from './token.service';

@Module({
  imports: [ApplicationsModule, SigningKeysModule, UsersModule],
  controllers: [JwksController, SessionsController],
  providers: [TokenRepository, TokenService, TokenGuard],
  exports: [SigningKeysModule, TokenService, TokenGuard, ApplicationsModule],
})
export class SessionsModule implements OnModuleInit {
  constructor(
    private readonly retention: RetentionService,
    private readonly tokens: TokenRepository,
  ) {}

  onModuleInit(): void {
    this.retention.register('opaque_tokens', (tx, batch) => this.tokens.purgeExpiredOpaque(tx, batch));
    this.retention.register('spent_tokens', (tx, batch) => this.tokens.purgeExpiredSpent(tx, batch));
  }
}
