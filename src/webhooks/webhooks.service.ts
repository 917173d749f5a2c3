import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Application } from '../applications/application.model';
import { ApiError } from '../common/api-error';
import { Secrets } from '../config/secrets';
import { CreateWebhookDto } from './dto/webhook.dto';
import { MAX_ENDPOINTS_PER_APP, WEBHOOK_EVENTS } from './webhook.constants';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { WebhookEndpointRepository } from './webhook-endpoint.repository';
import { toPublicEndpoint } from './webhook.model';
import { newWebhookSecret } from './webhook-signature';
import { registrationProblem } from './webhook-target';

const notFound = () => new ApiError('not_found', 'No such webhook endpoint.');

@Injectable()
export class WebhooksService {
  constructor(
    private readonly endpoints: WebhookEndpointRepository,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly secrets: Secrets,
  ) {}

  /** The secret is returned here only; it is stored encrypted because every delivery is signed with it. */
  async create(app: Application, dto: CreateWebhookDto) {
    const url = new URL(dto.url);
    const problem = registrationProblem(url, app.mode);
    if (problem) throw new ApiError('invalid_request', `The webhook URL ${problem}.`, { details: [{ field: 'url', problem }] });
    const secret = newWebhookSecret();
    const created = await this.endpoints.insert(
      { id: randomUUID(), appId: app.id, url: url.toString(), events: dto.events ?? [...WEBHOOK_EVENTS], secretEnc: this.secrets.encrypt(secret) },
      MAX_ENDPOINTS_PER_APP,
    );
    if (!created) throw new ApiError('conflict', `An application can have at most ${MAX_ENDPOINTS_PER_APP} webhook endpoints.`);
    return { ...toPublicEndpoint(created), secret };
  }

  async list(app: Application) {
    return { webhooks: (await this.endpoints.list(app.id)).map(toPublicEndpoint) };
  }

  async delete(app: Application, id: string): Promise<void> {
    if (!(await this.endpoints.delete(app.id, id))) throw notFound();
  }

  async deliveryLog(app: Application, id: string, q: { limit: number; cursor?: string }) {
    let before: string | null = null;
    if (q.cursor) {
      before = Buffer.from(q.cursor, 'base64url').toString('utf8');
      if (!/^\d{1,19}$/.test(before)) {
        throw new ApiError('invalid_request', 'The cursor is not valid.', { details: [{ field: 'cursor', problem: 'not a cursor from a previous page' }] });
      }
    }
    if (!(await this.endpoints.exists(app.id, id))) throw notFound();
    const rows = await this.deliveries.log(app.id, id, before, q.limit + 1);
    const page = rows.slice(0, q.limit);
    const more = rows.length > q.limit;
    return {
      deliveries: page.map(({ seq: _seq, ...d }) => d),
      nextCursor: more ? Buffer.from(page[page.length - 1].seq).toString('base64url') : null,
    };
  }
}
