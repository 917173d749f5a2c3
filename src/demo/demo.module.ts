import { Module } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module';
import { AuditModule } from '../audit/audit.module';
import { PasskeysModule } from '../passkeys/passkeys.module';
import { RecoveryModule } from '../recovery/recovery.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { DemoController, DemoRootController } from './demo.controller';
import { DEMO_FILES, loadDemoFiles } from './demo-files';
import { DemoService } from './demo.service';

/** The `/demo` page: static files, its config, and sign-up and support-reset helpers for the sandbox demo app. */
@Module({
  imports: [ApplicationsModule, UsersModule, AuditModule, PasskeysModule, RecoveryModule, SessionsModule],
  controllers: [DemoController, DemoRootController],
  providers: [DemoService, { provide: DEMO_FILES, useFactory: () => loadDemoFiles() }],
})
export class DemoModule {}
