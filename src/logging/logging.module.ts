import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino, { DestinationStream, LoggerOptions } from 'pino';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { prettyDestination } from './pretty';
import { requestIdMixin } from './request-logging';

export interface LoggingOptions {
  level: string;
  /** Where the JSON lines go (stdout by default; tests capture them). */
  destination?: DestinationStream;
}

/** Nest's start-up chatter: one line per module and per route. Kept, but at debug. */
const START_UP_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

const PINO_INFO = 30;

/** Moves Nest's start-up lines from info to debug, so `LOG_LEVEL=info` starts quietly. */
export const quietStartUp: NonNullable<LoggerOptions['hooks']>['logMethod'] = function (this: pino.Logger, args, method, level) {
  const first = args[0] as unknown;
  if (level === PINO_INFO && first && typeof first === 'object' && START_UP_CONTEXTS.has((first as { context?: string }).context ?? '')) {
    return this.debug(...(args as [object, string]));
  }
  return method.apply(this, args);
};

/**
 * pino through nestjs-pino, for every process root. Nest's own logger and every injected Logger
 * write through it. In development (NODE_ENV=development, pino-pretty installed) lines are
 * pretty-printed; JSON otherwise. The HTTP service adds its request lines and the `requestId` of
 * every line written while serving a request with two Fastify hooks (request-logging.ts), not
 * with nestjs-pino's per-request middleware, so `forRoutes` is empty.
 */
@Module({})
export class LoggingModule {
  static forRoot({ level, destination }: LoggingOptions): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [CONFIG],
          useFactory: (config: AppConfig) => ({
            forRoutes: [],
            pinoHttp: [
              {
                level,
                base: { service: 'mellon-recovery' },
                hooks: { logMethod: quietStartUp },
                mixin: requestIdMixin,
                redact: { paths: ['*.token', '*.code', '*.email', '*.authorization'], censor: '[redacted]' },
                // A request is logged as its method and path (no query string, headers or body); a response as its status.
                serializers: {
                  req: (req: { method?: string; url?: string }) => ({ method: req.method, path: req.url?.split('?')[0] }),
                  res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
                },
              },
              destination ?? (config.env === 'development' ? prettyDestination() : null) ?? pino.destination(1),
            ],
          }),
        }),
      ],
      exports: [LoggerModule],
    };
  }
}
