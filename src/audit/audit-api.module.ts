import { Module } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module';
import { AuditController } from './audit.controller';
import { AuditModule } from './audit.module';

/** `GET /v1/audit-events` for app backends (its guard needs ApplicationsModule, which itself records events). */
@Module({ imports: [ApplicationsModule, AuditModule], controllers: [AuditController] })
export class AuditApiModule {}
