import { Module } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module';
import { AuditModule } from '../audit/audit.module';
import { UserRepository } from './user.repository';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';
import { UserViewService } from './user-view.service';

@Module({
  imports: [ApplicationsModule, AuditModule],
  controllers: [UsersController],
  providers: [UserRepository, UsersService, UserViewService],
  exports: [UsersService, UserViewService],
})
export class UsersModule {}
