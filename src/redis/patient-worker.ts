import { Logger } from '@nestjs/common';
import { Processor, RedisOptions, Worker, WorkerOptions } from 'bullmq';
import { redisReady, settlesWithin } from './redis-state';

/** In-flight jobs get this long to finish when the worker closes (SPEC §9.2: the process is gone within 10 s). */
export const WORKER_CLOSE_MS = 4000;

/**
 * A worker takes its connection from the queue it serves, and a queue's connection fails fast for
 * the producer. A worker's must instead wait out a Redis outage: BullMQ requires
 * `maxRetriesPerRequest: null` there (it would override it, with a warning), and it keeps the
 * default connect timeout.
 *
 * That patience makes BullMQ's own close wait forever while Redis is away (its bookkeeping
 * commands queue up for a connection that is not coming back), so closing is bounded here: jobs
 * already taken finish their own work (SQL, SMTP), which needs no Redis; then the connections go.
 */
export class PatientWorker extends Worker {
  private inFlight!: Set<Promise<unknown>>;
  private stopping?: Promise<void>;

  constructor(name: string, processor: Processor, opts: WorkerOptions) {
    const connection: RedisOptions = { ...(opts.connection as RedisOptions), maxRetriesPerRequest: null };
    delete connection.connectTimeout;
    const running = new Set<Promise<unknown>>();
    const tracked: Processor =
      typeof processor === 'function'
        ? (job, token, signal) => {
            const work = Promise.resolve(processor(job, token, signal));
            running.add(work);
            work.then(
              () => running.delete(work),
              () => running.delete(work),
            );
            return work;
          }
        : processor;
    super(name, tracked, { ...opts, connection });
    this.inFlight = running;
  }

  /** BullMQ hands every later caller the first close; here the first caller's close is bounded. */
  override close(force = false): Promise<void> {
    this.stopping ??= this.closeWithin(force);
    return this.stopping;
  }

  private async closeWithin(force: boolean): Promise<void> {
    // Without Redis a graceful close would wait for job bookkeeping that cannot happen: force it,
    // and wait for the processor's own work below instead.
    const reachable = await redisReady(this.backend.client);
    const closing = super.close(force || !reachable);
    const finished = Promise.allSettled([closing, ...this.inFlight]);
    if (await settlesWithin(finished, WORKER_CLOSE_MS)) return;
    new Logger('Worker').warn(`${this.name}: jobs still running ${WORKER_CLOSE_MS} ms after close; dropping the Redis connection (the outbox re-drives them)`);
    await settlesWithin(this.disconnect(), 500);
  }
}
