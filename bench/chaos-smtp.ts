import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server for the chaos run: keeps the delivery id (`X-Mellon-Delivery-Id`) of every
 * accepted mail and can refuse deliveries with a reply code for a while. Clients that vanish
 * mid-session (a SIGKILLed worker) are expected, so connection errors are ignored.
 */
export class ChaosSmtp {
  /** Delivery ids of accepted mails, in arrival order (repeats are duplicates). */
  readonly deliveries: (string | undefined)[] = [];
  refused = 0;
  /** While set, every delivery is refused with this SMTP reply code (e.g. 421). */
  refuseWith?: number;
  port = 0;
  private server!: SMTPServer;

  async start(): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, _session, cb) => {
        let head = '';
        stream.on('data', (chunk: Buffer) => {
          if (head.length < 16_384 && !head.includes('\r\n\r\n')) head += chunk.toString('latin1');
        });
        stream.on('end', () => {
          const code = this.refuseWith;
          if (code) {
            this.refused++;
            return cb(Object.assign(new Error('try again later'), { responseCode: code }));
          }
          const headers = head.split('\r\n\r\n')[0].replace(/\r\n[ \t]+/g, ' ');
          this.deliveries.push(/^X-Mellon-Delivery-Id:\s*(\S+)/im.exec(headers)?.[1]);
          cb();
        });
      },
    });
    this.server.on('error', () => undefined);
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}?ignoreTLS=true`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
