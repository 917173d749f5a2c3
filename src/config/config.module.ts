import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from './config';
import { Secrets } from './secrets';

export const CONFIG = Symbol('CONFIG');

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: Secrets, useValue: new Secrets(config.secretKey) },
      ],
      exports: [CONFIG, Secrets],
    };
  }
}
