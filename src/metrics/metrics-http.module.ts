import { Module } from '@nestjs/common';
import { MetricsServer } from './metrics.server';

/** The metrics listener, for the process roots that serve it (API and worker; not the CLI). */
@Module({ providers: [MetricsServer], exports: [MetricsServer] })
export class MetricsHttpModule {}
