import { simpleParser, ParsedMail } from 'mailparser';
import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  deliveryId?: string;
  raw: ParsedMail;
}

/** A real SMTP server inside the test: mails are parsed with mailparser and kept in order. */
export class TestSmtp {
  readonly mails: ReceivedMail[] = [];
  private server!: SMTPServer;
  private waiters: (() => void)[] = [];
  port = 0;
  /** Deliveries refused with a temporary error so far, and how many more to refuse. */
  refused = 0;
  refuseNext = 0;
  /** The SMTP reply code of a refusal: 451 (try again later) unless a test wants a permanent 5xx. */
  refuseCode = 451;
  /** While set, each mail waits for it after its DATA arrived and before it is accepted (a slow server). */
  hold?: Promise<void>;
  /** Mails waiting for `hold` now, and the most that ever waited at once. */
  held = 0;
  mostHeld = 0;

  async start(): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      // A client that has not hung up by stop() is cut off after 2 s, not smtp-server's default
      // 30 s, which together with a slow service close could outlast jest's 60 s hook timeout.
      closeTimeout: 2000,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, _session, cb) => {
        if (this.refuseNext > 0) {
          this.refuseNext -= 1;
          this.refused += 1;
          stream.resume();
          const responseCode = this.refuseCode;
          stream.on('end', () => cb(Object.assign(new Error(responseCode >= 500 ? 'mailbox unavailable' : 'try again later'), { responseCode })));
          return;
        }
        simpleParser(stream)
          .then(async (parsed) => {
            if (this.hold) {
              this.mostHeld = Math.max(this.mostHeld, ++this.held);
              await this.hold;
              this.held -= 1;
            }
            const to = (Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : []).flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase()));
            this.mails.push({
              to,
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              deliveryId: parsed.headers.get('x-mellon-delivery-id') as string | undefined,
              raw: parsed,
            });
            this.waiters.splice(0).forEach((w) => w());
            cb();
          })
          .catch((err) => cb(err));
      },
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}?ignoreTLS=true`;
  }

  to(address: string): ReceivedMail[] {
    return this.mails.filter((m) => m.to.includes(address.toLowerCase()));
  }

  /** Waits for the n-th mail (1-based) to an address. */
  async waitFor(address: string, n = 1, timeoutMs = 10_000): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    while (this.to(address).length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no mail #${n} to ${address} within ${timeoutMs} ms (have ${this.to(address).length})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.to(address)[n - 1];
  }

  /**
   * Waits for the `nth` mail (1-based) to an address whose subject matches `subject`, counting only
   * mails after the first `after` ones. Other mails (a security mail of an earlier step still on
   * its way) are passed over, not mistaken for the one wanted.
   */
  async waitForMatching(address: string, subject: RegExp, { after = 0, nth = 1 }: { after?: number; nth?: number } = {}): Promise<ReceivedMail> {
    for (let n = after + 1; ; n++) {
      await this.waitFor(address, n);
      const matching = this.to(address)
        .slice(after)
        .filter((m) => subject.test(m.subject));
      if (matching.length >= nth) return matching[nth - 1];
    }
  }

  async stop(): Promise<void> {
    const open = this.server.connections.size;
    if (open > 0) process.stderr.write(`TestSmtp.stop: ${open} client connection(s) still open; cutting them off after 2 s\n`);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A code in a mail's subject (6 to 8 digits). */
const CODE = /\b(\d{6,8})\b/;

/** The code of the first mail with a code to `address` after the `seen` mails already there. */
export async function nextCodeFor(smtp: TestSmtp, address: string, seen: number): Promise<string> {
  return codeFrom(await smtp.waitForMatching(address, CODE, { after: seen }));
}

export function codeFrom(mail: ReceivedMail): string {
  const m = CODE.exec(mail.subject);
  if (!m) throw new Error(`no code in subject "${mail.subject}"`);
  return m[1];
}
