import { Webhook } from 'standardwebhooks';
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

/** Verifies a webhook as a consumer would: with the Standard Webhooks reference library. */
export function webhookVerifier(secret: string): (body: string, headers: Record<string, string>) => unknown {
  const wh = new Webhook(secret);
  return (body, headers) => wh.verify(body, headers);
}
