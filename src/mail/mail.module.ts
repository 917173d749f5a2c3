import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MailOutbox } from './mail-outbox.entity';
import { MailProcessor, RUN_MAIL_WORKER } from './mail.processor';
import { MailProducer } from './mail.producer';
import { SandboxOutboxController } from './sandbox-outbox.controller';
import { TemplatesService } from './templates.service';

@Global()
@Module({})
export class MailModule {
  static forRoot(opts: { runWorker: boolean }): DynamicModule {
    return {
      module: MailModule,
      imports: [TypeOrmModule.forFeature([MailOutbox])],
      controllers: [SandboxOutboxController],
      providers: [TemplatesService, MailProducer, MailProcessor, { provide: RUN_MAIL_WORKER, useValue: opts.runWorker }],
      exports: [TemplatesService, MailProducer, MailProcessor],
    };
  }
}
