import { Injectable, Logger } from '@nestjs/common';
import { exportJWK, generateKeyPair, importJWK, JWK, CryptoKey } from 'jose';
import { createPrivateKey, JsonWebKeyInput, KeyObject, randomUUID } from 'node:crypto';
import { Secrets } from '../config/secrets';
import { SigningKeyRepository } from './signing-key.repository';

interface LoadedKey {
  kid: string;
  publicJwk: JWK;
  privateKey: CryptoKey;
  /** The same private key for node:crypto's synchronous sign (a WebCrypto job per token costs far more). */
  signingKey: KeyObject;
  publicKey: CryptoKey;
  createdAt: Date;
  retiredAt: Date | null;
}

const REFRESH_MS = 60_000;
/**
 * A token naming an unknown kid may reload the keys (another instance rotated) at most this
 * often: a flood of forged kids must not become a flood of database reads.
 */
const UNKNOWN_KID_RELOAD_MS = 5_000;
/** Retired keys stay published this long, longer than any JWT lives, so rotation never invalidates a live token. */
const PUBLISH_RETIRED_MS = 25 * 3600_000;

@Injectable()
export class SigningKeysService {
  private readonly logger = new Logger('SigningKeys');
  private keys: LoadedKey[] = [];
  private loadedAt = 0;
  private missReloadAt = 0;
  private loading?: Promise<void>;

  constructor(
    private readonly repo: SigningKeyRepository,
    private readonly secrets: Secrets,
  ) {}

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
    if (!key && Date.now() - this.missReloadAt >= UNKNOWN_KID_RELOAD_MS) {
      this.missReloadAt = Date.now();
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
    await this.repo.retireAllBut(kid);
    await this.reload();
    this.logger.log(`rotated signing key; new kid ${kid}`);
    return kid;
  }

  private async createKey(): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const kid = randomUUID();
    const pub = await exportJWK(publicKey);
    const priv = await exportJWK(privateKey);
    await this.repo.insert(kid, pub, this.secrets.encrypt(JSON.stringify(priv)));
    return kid;
  }

  private async refreshIfStale(): Promise<void> {
    if (Date.now() - this.loadedAt > REFRESH_MS) await this.reload();
  }

  /** Concurrent callers share one load. */
  private reload(): Promise<void> {
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(): Promise<void> {
    const rows = await this.repo.published(PUBLISH_RETIRED_MS);
    const known = new Map(this.keys.map((k) => [k.kid, k]));
    this.keys = await Promise.all(
      rows.map(async (r) => {
        const prev = known.get(r.kid);
        if (prev) return { ...prev, retiredAt: r.retiredAt };
        const privateJwk = JSON.parse(this.secrets.decrypt(r.privateJwkEnc)) as JWK;
        return {
          kid: r.kid,
          publicJwk: r.publicJwk,
          privateKey: (await importJWK(privateJwk, 'ES256')) as CryptoKey,
          signingKey: createPrivateKey({ key: privateJwk as JsonWebKeyInput['key'], format: 'jwk' }),
          publicKey: (await importJWK(r.publicJwk, 'ES256')) as CryptoKey,
          createdAt: r.createdAt,
          retiredAt: r.retiredAt,
        };
      }),
    );
    this.loadedAt = Date.now();
  }
}
