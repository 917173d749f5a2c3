import { LoggerService } from '@nestjs/common';
import pino, { DestinationStream, Logger } from 'pino';

/**
 * pino behind Nest's logger interface. Request bodies and headers are never logged, so codes,
 * tokens and addresses stay out of the logs; paths are logged without their query string.
 */
export class PinoLogger implements LoggerService {
  readonly pino: Logger;

  constructor(level: string, destination?: DestinationStream) {
    this.pino = pino({ level, base: { service: 'mellon-recovery' }, redact: { paths: ['*.token', '*.code', '*.email', '*.authorization'], censor: '[redacted]' } }, destination);
  }

  log(message: unknown, context?: string) {
    this.write('info', message, context);
  }
  error(message: unknown, stackOrContext?: string, context?: string) {
    // Nest passes (message, stack, context) or (message, context)
    this.write('error', message, context ?? (stackOrContext?.includes('\n') ? undefined : stackOrContext));
  }
  warn(message: unknown, context?: string) {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string) {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string) {
    this.write('trace', message, context);
  }

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace', message: unknown, context?: string) {
    if (message instanceof Error) this.pino[level]({ context, err: { name: message.name, message: message.message, stack: message.stack } }, message.message);
    else if (typeof message === 'object' && message !== null) this.pino[level]({ context, ...(message as object) });
    else this.pino[level]({ context }, String(message));
  }
}
