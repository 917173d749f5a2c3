import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { exportJWK, generateKeyPair, importJWK, JWK, CryptoKey } from 'jose';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Secrets } from '../config/secrets';

interface LoadedKey {
  kid: string;
  publicJwk: JWK;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  createdAt: Date;
  retiredAt: Date | null;
}

const REFRESH_MS = 60_000;
/** Retired keys stay published this long, longer than any JWT lives, so rotation never invalidates a live token. */
const PUBLISH_RETIRED_MS = 25 * 3600_000;

@Injectable()
export class SigningKeysService {
  private readonly logger = new Logger('SigningKeys');
  private keys: LoadedKey[] = [];
  private loadedAt = 0;

  constructor(@InjectDataSource() private readonly db: DataSource, private readonly secrets: Secrets) {}

  async current(): Promise<LoadedKey> {
    await this.refreshIfStale();
    let key = this.keys.find((k) => !k.retiredAt);
    if (!key) {
      await this.createKey();
      await this.reload();
      key = this.keys.find((k) => !k.retiredAt);
    }
    return key!;
  }

  async byKid(kid: string): Promise<LoadedKey | undefined> {
    await this.refreshIfStale();
    let key = this.keys.find((k) => k.kid === kid);
    if (!key) {
      await this.reload();
      key = this.keys.find((k) => k.kid === kid);
    }
    return key;
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    await this.refreshIfStale();
    if (!this.keys.length) await this.current();
    return { keys: this.keys.map((k) => ({ ...k.publicJwk, kid: k.kid, alg: 'ES256', use: 'sig' })) };
  }

  /** New signing key; the old ones stop signing but keep verifying until every token they signed has expired. */
  async rotate(): Promise<string> {
    const kid = await this.createKey();
    await this.db.query(`UPDATE signing_keys SET retired_at = now() WHERE retired_at IS NULL AND kid <> $1`, [kid]);
    await this.reload();
    this.logger.log(`rotated signing key; new kid ${kid}`);
    return kid;
  }

  private async createKey(): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const kid = randomUUID();
    const pub = await exportJWK(publicKey);
    const priv = await exportJWK(privateKey);
    await this.db.query(`INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk_enc) VALUES ($1, 'ES256', $2, $3)`, [
      kid,
      pub,
      this.secrets.encrypt(JSON.stringify(priv)),
    ]);
    return kid;
  }

  private async refreshIfStale(): Promise<void> {
    if (Date.now() - this.loadedAt > REFRESH_MS) await this.reload();
  }

  private async reload(): Promise<void> {
    const rows: { kid: string; public_jwk: JWK; private_jwk_enc: Buffer; created_at: Date; retired_at: Date | null }[] = await this.db.query(
      `SELECT kid, public_jwk, private_jwk_enc, created_at, retired_at FROM signing_keys
       WHERE retired_at IS NULL OR retired_at > now() - ($1 || ' milliseconds')::interval
       ORDER BY created_at DESC`,
      [String(PUBLISH_RETIRED_MS)],
    );
    const known = new Map(this.keys.map((k) => [k.kid, k]));
    this.keys = await Promise.all(
      rows.map(async (r) => {
        const prev = known.get(r.kid);
        if (prev) return { ...prev, retiredAt: r.retired_at };
        const privateJwk = JSON.parse(this.secrets.decrypt(r.private_jwk_enc)) as JWK;
        return {
          kid: r.kid,
          publicJwk: r.public_jwk,
          privateKey: (await importJWK(privateJwk, 'ES256')) as CryptoKey,
          publicKey: (await importJWK(r.public_jwk, 'ES256')) as CryptoKey,
          createdAt: r.created_at,
          retiredAt: r.retired_at,
        };
      }),
    );
    this.loadedAt = Date.now();
  }
}
