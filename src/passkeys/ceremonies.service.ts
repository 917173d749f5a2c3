import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../common/api-error';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { CeremonyKind, CeremonyOwner, ConsumedCeremony } from './webauthn-ceremony.model';
import { WebauthnCeremonyRepository } from './webauthn-ceremony.repository';

export interface CeremonyStart {
  appId: string;
  kind: CeremonyKind;
  challenge: string;
  userId?: string | null;
  tokenJti?: string | null;
}

@Injectable()
export class CeremoniesService {
  constructor(
    private readonly ceremonies: WebauthnCeremonyRepository,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  async create(c: CeremonyStart): Promise<{ id: string; expiresAt: Date }> {
    const id = randomUUID();
    const expiresAt = new Date(Date.now() + this.config.otpTtlMs);
    await this.ceremonies.insert({ id, appId: c.appId, kind: c.kind, challenge: c.challenge, userId: c.userId ?? null, tokenJti: c.tokenJti ?? null, expiresAt });
    return { id, expiresAt };
  }

  /** Of concurrent finishes exactly one gets the challenge back; the others learn why not. */
  async consume(id: string, owner: CeremonyOwner): Promise<ConsumedCeremony> {
    const found = await this.ceremonies.consume(id, owner);
    if (found) return found;
    const why = await this.ceremonies.state(id, owner);
    if (!why) throw new ApiError('challenge_not_found', 'No such ceremony for this application and token.');
    const reason = why.used ? 'used' : 'expired';
    throw new ApiError('session_expired', `This ceremony is no longer valid (${reason}); start again.`, { reason });
  }
}
