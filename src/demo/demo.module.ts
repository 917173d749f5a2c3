import { Module } from '@nestjs/common';
import { DemoController, DemoRootController } from './demo.controller';
import { DEMO_FILES, loadDemoFiles } from './demo-files';
import { PasskeysModule } from '../passkeys/passkeys.module';
import { DemoService } from './demo.service';

/** The `/demo` page: static files, its config, and a sign-up helper for the sandbox demo app. */
@Module({
  imports: [PasskeysModule],
  controllers: [DemoController, DemoRootController],
  providers: [DemoService, { provide: DEMO_FILES, useFactory: () => loadDemoFiles() }],
})
export class DemoModule {}
