import { Module } from '@nestjs/common';
import { SigningKeyRepository } from './signing-key.repository';
import { SigningKeysService } from './signing-keys.service';

/** The token signing keys alone (no guards, Redis or timers), so the CLI can rotate them. */
@Module({
  providers: [SigningKeyRepository, SigningKeysService],
  exports: [SigningKeysService],
})
export class SigningKeysModule {}
