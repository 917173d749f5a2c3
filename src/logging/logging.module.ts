import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import pino, { DestinationStream, LoggerOptions } from 'pino';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { prettyDestination } from './pretty';
import { requestIdFor } from './request-id';

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
 * pino through nestjs-pino, for every process root. Request bodies and headers are never logged,
 * so codes, tokens and addresses stay out of the logs; paths are logged without their query
 * string. Successful requests log at debug: at thousands a second an info line each is real CPU.
 * Every line written while serving a request carries its `requestId` (the `X-Request-Id`).
 * In development (NODE_ENV=development, pino-pretty installed) lines are pretty-printed; JSON otherwise.
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
            forRoutes: [{ path: '*path', method: RequestMethod.ALL }],
            pinoHttp: [
              {
                level,
                base: { service: 'mellon-recovery' },
                hooks: { logMethod: quietStartUp },
                redact: { paths: ['*.token', '*.code', '*.email', '*.authorization'], censor: '[redacted]' },
                genReqId: requestIdFor,
                quietReqLogger: true,
                customAttributeKeys: { reqId: 'requestId' },
                customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug'),
                customSuccessMessage: () => 'request',
                customErrorMessage: () => 'request',
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
