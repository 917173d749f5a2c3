import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { Secrets } from '../config/secrets';
import { Db, SqlExecutor } from '../database/db';
import { AuditService } from '../audit/audit.service';
import { ApiError } from '../common/api-error';
import { RequestMeta } from '../common/request';
import { randomId } from '../common/ids';
import { Application } from './application.model';
import { parseCoolingOff } from './cooling-off';
import { ApplicationPatch, ApplicationRepository } from './application.repository';
import { CreateApplicationDto, UpdateApplicationDto } from './dto/application.dto';

const CACHE_MS = 5000;

type AppCache = Map<string, { app: Application | null; at: number }>;

/** The cached answer for `key` if it is younger than CACHE_MS, else undefined (null is a cached "no such application"). */
function fresh(cache: AppCache, key: string, now: number): Application | null | undefined {
  const hit = cache.get(key);
  return hit && now - hit.at < CACHE_MS ? hit.app : undefined;
}

/** Who performs an operator action: `operator:api` (with the caller's address), `operator:cli`, `system`. */
export interface OperatorContext {
  actor: string;
  meta?: RequestMeta;
}

const notFound = () => new ApiError('application_not_found', 'No application with that id.');

/**
 * Applications change rarely and are read on every request, so lookups are cached for a few
 * seconds per instance; an update or key rotation reaches other instances within that time.
 */
@Injectable()
export class ApplicationsService {
  private readonly byClient: AppCache = new Map();
  private readonly bySecret: AppCache = new Map();

  constructor(
    private readonly db: Db,
    private readonly repo: ApplicationRepository,
    private readonly secrets: Secrets,
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  async create(dto: CreateApplicationDto, opts: { isDemo?: boolean; by?: OperatorContext } = {}): Promise<{ app: Application; secretKey: string }> {
    this.checkRecoveryUrl(dto.recoveryUrl, dto.allowedOrigins);
    const secretKey = randomId('sk', 32);
    // The change and its audit event commit together: no operator action without its record.
    const app = await this.db.transaction(async (tx) => {
      const created = await this.repo.insert(
        {
          id: randomId('app'),
          clientId: randomId('cli'),
          secretKeyHash: this.secrets.hashToken(secretKey),
          name: dto.name,
          mode: dto.mode,
          allowedOrigins: dto.allowedOrigins,
          rpId: dto.rpId,
          rpName: dto.rpName,
          recoveryUrl: dto.recoveryUrl,
          mailFrom: dto.mailFrom,
          locale: dto.locale ?? 'en',
          otpLength: dto.otpLength ?? 6,
          supportResetCoolingOffSeconds: parseCoolingOff(dto.supportResetCoolingOff ?? '0s')!,
          recoveryPolicy: dto.recoveryPolicy ?? 'email',
          isDemo: opts.isDemo ?? false,
        },
        tx,
      );
      await this.recordOperator(tx, created.id, 'application.created', opts.by, { fields: Object.keys(dto).sort() });
      return created;
    });
    return { app, secretKey };
  }

  async update(appId: string, dto: UpdateApplicationDto, by?: OperatorContext): Promise<{ app: Application; secretKey?: string }> {
    const app = await this.get(appId);
    const { rotateSecretKey, supportResetCoolingOff, ...changes } = dto;
    const next = { ...app, ...changes };
    this.checkRecoveryUrl(next.recoveryUrl, next.allowedOrigins);
    let secretKey: string | undefined;
    const patch: ApplicationPatch = { ...changes };
    if (supportResetCoolingOff !== undefined) patch.supportResetCoolingOffSeconds = parseCoolingOff(supportResetCoolingOff)!;
    if (rotateSecretKey) {
      secretKey = randomId('sk', 32);
      patch.secretKeyHash = this.secrets.hashToken(secretKey);
    }
    const fields = Object.keys(dto)
      .filter((k) => k !== 'rotateSecretKey')
      .sort();
    const updated = await this.db.transaction(async (tx) => {
      const changed = Object.keys(patch).length ? await this.repo.update(appId, patch, tx) : app;
      if (!changed) throw notFound();
      if (fields.length) await this.recordOperator(tx, appId, 'application.updated', by, { fields });
      if (secretKey) await this.recordOperator(tx, appId, 'application.secret_rotated', by);
      return changed;
    });
    this.byClient.clear();
    this.bySecret.clear();
    return { app: updated, secretKey };
  }

  /** Operator actions are audit events of the application they change (field names only, never values or keys), in the change's transaction. */
  private recordOperator(tx: SqlExecutor, appId: string, type: string, by: OperatorContext = { actor: 'operator' }, data: Record<string, unknown> = {}): Promise<void> {
    return this.audit.record({ appId, type, actor: by.actor, meta: by.meta, data }, tx);
  }

  list(): Promise<Application[]> {
    return this.repo.list();
  }

  async get(appId: string): Promise<Application> {
    const app = await this.repo.findById(appId);
    if (!app) throw notFound();
    return app;
  }

  findDemo(): Promise<Application | null> {
    return this.repo.findDemo();
  }

  async byClientId(clientId: string): Promise<Application | null> {
    return this.cached(this.byClient, clientId, () => this.repo.findByClientId(clientId));
  }

  /** The cached answer of `byClientId` when it is fresh, else undefined: no promise for the per-request CORS check. */
  peekClientId(clientId: string): Application | null | undefined {
    return fresh(this.byClient, clientId, Date.now());
  }

  async bySecretKey(secretKey: string): Promise<Application | null> {
    const hash = this.secrets.hashToken(secretKey);
    return this.cached(this.bySecret, hash.toString('base64'), () => this.repo.findBySecretKeyHash(hash));
  }

  private async cached(cache: AppCache, key: string, load: () => Promise<Application | null>) {
    const now = Date.now();
    const hit = fresh(cache, key, now);
    if (hit !== undefined) return hit;
    const app = await load();
    if (cache.size > 10_000) cache.clear();
    cache.set(key, { app, at: now });
    return app;
  }

  private checkRecoveryUrl(recoveryUrl: string, allowedOrigins: string[]): void {
    const origin = new URL(recoveryUrl).origin;
    if (!allowedOrigins.includes(origin)) {
      throw new ApiError('invalid_request', 'recoveryUrl must be on one of allowedOrigins.', {
        details: [{ field: 'recoveryUrl', problem: `origin ${origin} is not in allowedOrigins` }],
      });
    }
  }

  demoDefaults(): CreateApplicationDto {
    const origin = new URL(this.config.publicUrl).origin;
    return {
      name: 'Mellon demo (sandbox)',
      mode: 'sandbox',
      allowedOrigins: [origin],
      rpId: new URL(this.config.publicUrl).hostname,
      rpName: 'Mellon demo',
      recoveryUrl: `${origin}/demo/`,
      mailFrom: 'no-reply@mellon.localhost',
      locale: 'en',
      // The demo shows a recovery that asks for the second factor (users without one are unaffected).
      recoveryPolicy: 'email+second_factor',
    };
  }
}
