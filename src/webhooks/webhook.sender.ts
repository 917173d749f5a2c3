import { Injectable } from '@nestjs/common';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AppMode } from '../applications/application.model';
import { WEBHOOK_TIMEOUT_MS } from './webhook.constants';
import { checkTarget } from './webhook-target';

export interface WebhookRequest {
  url: string;
  mode: AppMode;
  headers: Record<string, string>;
  body: string;
}

/**
 * POSTs one signed webhook and answers the status code. Throws on network errors, timeouts and
 * refused targets (`RefusedTarget`). Redirects are not followed: a 3xx is a failed attempt.
 */
@Injectable()
export class WebhookSender {
  async post(req: WebhookRequest): Promise<number> {
    const url = new URL(req.url);
    const target = await checkTarget(url, req.mode);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<number>((resolve, reject) => {
      const r = send(
        url,
        {
          method: 'POST',
          agent: false,
          lookup: target.lookup,
          timeout: WEBHOOK_TIMEOUT_MS,
          headers: { 'content-type': 'application/json', 'user-agent': 'mellon-recovery-webhooks', 'content-length': Buffer.byteLength(req.body), ...req.headers },
        },
        (res) => {
          // Only the status counts; the body is not read, so a slow or endless one cannot hold a worker.
          resolve(res.statusCode ?? 0);
          res.destroy();
        },
      );
      r.on('timeout', () => r.destroy(new Error(`no answer within ${WEBHOOK_TIMEOUT_MS / 1000} s`)));
      r.on('error', reject);
      r.end(req.body);
    });
  }
}
