import { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { SMTPServer } from 'smtp-server';

export interface Arrival {
  at: number; // performance.now() when the DATA stream ended
  code?: string; // the code in the Subject, when the sink captures codes
}

/**
 * A local SMTP server that keeps only what the benchmark and the chaos run need: the arrival time
 * per recipient (from the SMTP envelope); while `captureCodes` is on, the numeric code in the
 * Subject header; while `captureDeliveryIds` is on, every accepted mail's `X-Mellon-Delivery-Id`
 * (repeats are duplicates). While `refuseWith` is set, every mail is refused with that reply code.
 * The body is read and discarded.
 */
export class SmtpSink {
  readonly arrivals = new Map<string, Arrival>();
  /** Delivery ids of accepted mails, in arrival order (with `captureDeliveryIds`). */
  readonly deliveries: (string | undefined)[] = [];
  count = 0;
  refused = 0;
  captureCodes = false;
  captureDeliveryIds = false;
  /** While set, every delivery is refused with this SMTP reply code (e.g. 421). */
  refuseWith?: number;
  port = 0;
  private server!: SMTPServer;
  private readonly listeners = new Set<() => void>();

  async start(): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, session, cb) => {
        let head = '';
        const capture = this.captureCodes || this.captureDeliveryIds;
        stream.on('data', (chunk: Buffer) => {
          if (capture && head.length < 16_384 && !head.includes('\r\n\r\n')) head += chunk.toString('latin1');
        });
        stream.on('end', () => {
          if (this.refuseWith) {
            this.refused++;
            return cb(Object.assign(new Error('try again later'), { responseCode: this.refuseWith }));
          }
          const at = performance.now();
          const headers = capture ? head.split('\r\n\r\n')[0].replace(/\r\n[ \t]+/g, ' ') : '';
          const code = this.captureCodes ? /^Subject:.*?\b(\d{6,8})\b/im.exec(headers)?.[1] : undefined;
          if (this.captureDeliveryIds) this.deliveries.push(/^X-Mellon-Delivery-Id:\s*(\S+)/im.exec(headers)?.[1]);
          for (const rcpt of session.envelope.rcptTo) this.arrivals.set(rcpt.address.toLowerCase(), { at, code });
          this.count++;
          for (const l of this.listeners) l();
          cb();
        });
      },
    });
    // A client reset (the service stopped with pooled connections open, a SIGKILLed worker) must not crash the run.
    this.server.on('error', () => undefined);
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}?ignoreTLS=true`;
  }

  /** Resolves when `count` reaches n, or after timeoutMs (whichever first). */
  waitForCount(n: number, timeoutMs: number): Promise<void> {
    if (this.count >= n) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      const check = () => {
        if (this.count >= n) done();
      };
      const timer = setTimeout(done, timeoutMs);
      this.listeners.add(check);
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
