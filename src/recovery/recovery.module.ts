import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PasskeysModule } from '../passkeys/passkeys.module';
import { RecoveryLink } from './recovery-link.entity';
import { RecoveryController, SupportResetController } from './recovery.controller';
import { RecoveryService } from './recovery.service';
import { SupportResetService } from './support-reset.service';

@Module({
  imports: [TypeOrmModule.forFeature([RecoveryLink]), PasskeysModule],
  controllers: [RecoveryController, SupportResetController],
  providers: [RecoveryService, SupportResetService],
})
export class RecoveryModule {}
