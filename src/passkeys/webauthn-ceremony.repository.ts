import { Injectable } from '@nestjs/common';
import { Db, SqlExecutor } from '../database/db';
import { CeremonyOwner, ConsumedCeremony, NewCeremony } from './webauthn-ceremony.model';

const OWNED_BY = `id = $1 AND app_id = $2 AND kind = $3
       AND ($4::uuid IS NULL OR user_id = $4::uuid)
       AND ($5::uuid IS NULL OR token_jti = $5::uuid)`;

function ownerParams(id: string, owner: CeremonyOwner): unknown[] {
  return [id, owner.appId, owner.kind, owner.userId ?? null, owner.tokenJti ?? null];
}

@Injectable()
export class WebauthnCeremonyRepository {
  constructor(private readonly db: Db) {}

  async insert(c: NewCeremony): Promise<void> {
    await this.db.count(`INSERT INTO webauthn_ceremonies (id, app_id, user_id, kind, challenge, token_jti, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
      c.id,
      c.appId,
      c.userId,
      c.kind,
      c.challenge,
      c.tokenJti,
      c.expiresAt,
    ]);
  }

  /** One conditional UPDATE: of concurrent finishes exactly one gets the challenge back; null when it is not live or not the owner's. */
  async consume(id: string, owner: CeremonyOwner): Promise<ConsumedCeremony | null> {
    const rows = await this.db.rows<ConsumedCeremony>(
      `UPDATE webauthn_ceremonies SET consumed_at = now()
       WHERE ${OWNED_BY} AND consumed_at IS NULL AND expires_at > now()
       RETURNING challenge, user_id AS "userId"`,
      ownerParams(id, owner),
    );
    return rows[0] ?? null;
  }

  /** Whether the owner's ceremony was used (else it expired); null when there is no such ceremony for this owner. */
  async state(id: string, owner: CeremonyOwner): Promise<{ used: boolean } | null> {
    const rows = await this.db.rows<{ used: boolean }>(`SELECT consumed_at IS NOT NULL AS used FROM webauthn_ceremonies WHERE ${OWNED_BY}`, ownerParams(id, owner));
    return rows[0] ?? null;
  }

  purgeExpired(tx: SqlExecutor, batch: number): Promise<number> {
    return tx.count(`DELETE FROM webauthn_ceremonies WHERE ctid IN (SELECT ctid FROM webauthn_ceremonies WHERE expires_at < now() - interval '1 day' LIMIT $1)`, [batch]);
  }
}
