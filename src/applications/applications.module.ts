import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminController } from './admin.controller';
import { Application } from './application.entity';
import { ApplicationsService } from './applications.service';
import { AdminGuard, ClientGuard, SecretKeyGuard } from './guards';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Application])],
  controllers: [AdminController],
  providers: [ApplicationsService, ClientGuard, SecretKeyGuard, AdminGuard],
  exports: [ApplicationsService, ClientGuard, SecretKeyGuard, AdminGuard],
})
export class ApplicationsModule {}
