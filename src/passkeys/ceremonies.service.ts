import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ApiError } from '../common/api-error';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { rows as sqlRows } from '../database/sql';
import { CeremonyKind } from './webauthn-ceremony.entity';

export interface NewCeremony {
  appId: string;
  kind: CeremonyKind;
  challenge: string;
  userId?: string | null;
  tokenJti?: string | null;
}

export interface ConsumedCeremony {
  challenge: string;
  userId: string | null;
}

/** Who may finish a ceremony: the same application and kind, and for a registration the same user and token. */
export interface CeremonyOwner {
  appId: string;
  kind: CeremonyKind;
  userId?: string;
  tokenJti?: string;
}

@Injectable()
export class CeremoniesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  async create(c: NewCeremony): Promise<{ id: string; expiresAt: Date }> {
    const id = randomUUID();
    const expiresAt = new Date(Date.now() + this.config.otpTtlMs);
    await this.db.query(
      `INSERT INTO webauthn_ceremonies (id, app_id, user_id, kind, challenge, token_jti, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [id, c.appId, c.userId ?? null, c.kind, c.challenge, c.tokenJti ?? null, expiresAt],
    );
    return { id, expiresAt };
  }

  /** One conditional UPDATE: of concurrent finishes exactly one gets the challenge back. */
  async consume(id: string, owner: CeremonyOwner): Promise<ConsumedCeremony> {
    const params = [id, owner.appId, owner.kind, owner.userId ?? null, owner.tokenJti ?? null];
    const found = await sqlRows<{ challenge: string; user_id: string | null }>(
      this.db,
      `UPDATE webauthn_ceremonies SET consumed_at = now()
       WHERE ${this.ownedBy()} AND consumed_at IS NULL AND expires_at > now()
       RETURNING challenge, user_id`,
      params,
    );
    if (found[0]) return { challenge: found[0].challenge, userId: found[0].user_id };

    const why: { used: boolean }[] = await this.db.query(
      `SELECT consumed_at IS NOT NULL AS used FROM webauthn_ceremonies WHERE ${this.ownedBy()}`,
      params,
    );
    if (!why[0]) throw new ApiError('challenge_not_found', 'No such ceremony for this application and token.');
    const reason = why[0].used ? 'used' : 'expired';
    throw new ApiError('session_expired', `This ceremony is no longer valid (${reason}); start again.`, { reason });
  }

  private ownedBy(): string {
    return `id = $1 AND app_id = $2 AND kind = $3
       AND ($4::uuid IS NULL OR user_id = $4::uuid)
       AND ($5::uuid IS NULL OR token_jti = $5::uuid)`;
  }
}
