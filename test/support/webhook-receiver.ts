import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as signed. */
  body: string;
  /** What the endpoint answered. */
  status: number;
}

/** An app backend's webhook endpoint on 127.0.0.1: records every request and answers what `answer` says (200 by default). */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private readonly answers = new Map<string, (n: number) => number>();
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        const n = this.received.filter((r) => r.path === path).length + 1;
        const status = this.answers.get(path)?.(n) ?? 200;
        this.received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** `status(n)` is the answer to the n-th request to `path`. */
  answer(path: string, status: (n: number) => number): void {
    this.answers.set(path, status);
  }

  at(path: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

type Verify = (body: string, headers: Record<string, string>) => unknown;

/**
 * Verifies a webhook as a consumer would, with the specification's reference library
 * (`standardwebhooks`) when it is installed. Until then, the same algorithm by hand:
 * TODO(webhooks): drop the fallback once `standardwebhooks` is a devDependency.
 */
export function webhookVerifier(secret: string): Verify {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Webhook } = require('standardwebhooks') as { Webhook: new (s: string) => { verify: Verify } };
    const wh = new Webhook(secret);
    return (body, headers) => wh.verify(body, headers);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    return (body, headers) => verifyBySpec(secret, body, headers);
  }
}

export const usingReferenceLibrary = (() => {
  try {
    require.resolve('standardwebhooks');
    return true;
  } catch {
    return false;
  }
})();

/** Standard Webhooks, "Verifying signatures": HMAC-SHA256 over `id.timestamp.body` with the base64-decoded secret, timestamp within 5 minutes. */
function verifyBySpec(secret: string, body: string, headers: Record<string, string>): unknown {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !timestamp || !signatures) throw new Error('Missing required headers');
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) throw new Error('Message timestamp too old or too new');
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = Buffer.from(createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64'));
  const ok = signatures.split(' ').some((s) => {
    const [version, sig] = s.split(',');
    return version === 'v1' && sig !== undefined && Buffer.byteLength(sig) === expected.length && timingSafeEqual(Buffer.from(sig), expected);
  });
  if (!ok) throw new Error('No matching signature found');
  return JSON.parse(body);
}
