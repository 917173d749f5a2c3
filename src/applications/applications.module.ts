import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AdminController } from './admin.controller';
import { ApplicationRepository } from './application.repository';
import { ApplicationsService } from './applications.service';
import { AdminGuard, ClientGuard, SecretKeyGuard } from './guards';

/** Tenants and the guards that identify them. Needs only CONFIG, Secrets and Db (the CLI boots it alone). */
@Module({
  imports: [AuditModule],
  controllers: [AdminController],
  providers: [ApplicationRepository, ApplicationsService, ClientGuard, SecretKeyGuard, AdminGuard],
  exports: [ApplicationsService, ClientGuard, SecretKeyGuard, AdminGuard],
})
export class ApplicationsModule {}
