import { Injectable } from '@nestjs/common';
import type { JWK } from 'jose';
import { Db } from '../database/db';

export interface StoredSigningKey {
  kid: string;
  publicJwk: JWK;
  privateJwkEnc: Buffer;
  createdAt: Date;
  retiredAt: Date | null;
}

@Injectable()
export class SigningKeyRepository {
  constructor(private readonly db: Db) {}

  async insert(kid: string, publicJwk: JWK, privateJwkEnc: Buffer): Promise<void> {
    await this.db.count(`INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk_enc) VALUES ($1, 'ES256', $2, $3)`, [kid, publicJwk, privateJwkEnc]);
  }

  async retireAllBut(kid: string): Promise<void> {
    await this.db.count(`UPDATE signing_keys SET retired_at = now() WHERE retired_at IS NULL AND kid <> $1`, [kid]);
  }

  /** Live keys and those retired less than `retiredWithinMs` ago, newest first. */
  published(retiredWithinMs: number): Promise<StoredSigningKey[]> {
    return this.db.rows<StoredSigningKey>(
      `SELECT kid, public_jwk AS "publicJwk", private_jwk_enc AS "privateJwkEnc", created_at AS "createdAt", retired_at AS "retiredAt"
       FROM signing_keys
       WHERE retired_at IS NULL OR retired_at > now() - ($1 || ' milliseconds')::interval
       ORDER BY created_at DESC`,
      [String(retiredWithinMs)],
    );
  }
}
