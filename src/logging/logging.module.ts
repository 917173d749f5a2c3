import { DynamicModule, Module } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import pino, { DestinationStream } from 'pino';

export interface LoggingOptions {
  level: string;
  /** Where the JSON lines go (stdout by default; tests capture them). */
  destination?: DestinationStream;
}

/**
 * pino through nestjs-pino, for every process root. Request bodies and headers are never logged,
 * so codes, tokens and addresses stay out of the logs; paths are logged without their query
 * string. Successful requests log at debug: at thousands a second an info line each is real CPU.
 */
@Module({})
export class LoggingModule {
  static forRoot({ level, destination }: LoggingOptions): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: [
            {
              level,
              base: { service: 'mellon-recovery' },
              redact: { paths: ['*.token', '*.code', '*.email', '*.authorization'], censor: '[redacted]' },
              customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug'),
              customSuccessMessage: () => 'request',
              customErrorMessage: () => 'request',
              serializers: {
                req: (req: { id?: unknown; method?: string; url?: string }) => ({ id: req.id, method: req.method, path: req.url?.split('?')[0] }),
                res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
              },
            },
            destination ?? pino.destination(1),
          ],
        }),
      ],
      exports: [LoggerModule],
    };
  }
}
