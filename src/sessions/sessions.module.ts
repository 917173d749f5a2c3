import { Global, Module } from '@nestjs/common';
import { JwksController, SessionsController } from './sessions.controller';
import { SigningKeysService } from './signing-keys.service';
import { TokenGuard } from './token.guard';
import { TokenService } from './token.service';

@Global()
@Module({
  controllers: [JwksController, SessionsController],
  providers: [SigningKeysService, TokenService, TokenGuard],
  exports: [SigningKeysService, TokenService, TokenGuard],
})
export class SessionsModule {}
