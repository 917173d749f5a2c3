import { Module } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module';
import { AuditModule } from '../audit/audit.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { AccountService } from './account.service';
import { UserRepository } from './user.repository';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';
import { UserViewService } from './user-view.service';

@Module({
  imports: [ApplicationsModule, AuditModule, RateLimitModule],
  controllers: [UsersController],
  providers: [UserRepository, UsersService, AccountService, UserViewService],
  exports: [UsersService, UserViewService],
})
export class UsersModule {}
