import { Module } from '@nestjs/common';
import { SdkBundleSource } from './sdk-bundle';
import { SdkController } from './sdk.controller';

/** Serves the browser client built into dist/clients/browser at /sdk/*. */
@Module({
  controllers: [SdkController],
  providers: [{ provide: SdkBundleSource, useFactory: () => new SdkBundleSource() }],
})
export class SdkModule {}
