import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import ms, { StringValue } from 'ms';
import { z } from 'zod';

const duration = z
  .string()
  .refine((v) => typeof ms(v as StringValue) === 'number' && ms(v as StringValue) > 0, 'must be a duration such as 10m, 1h, 30s')
  .transform((v) => ms(v as StringValue));

const positiveInt = z.coerce.number().int().positive();

function validProxyEntry(entry: string): boolean {
  const [addr, bits, extra] = entry.split('/');
  const family = isIP(addr);
  if (!family || extra !== undefined) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n <= (family === 4 ? 32 : 128);
}

/**
 * How many proxies in front are trusted (a hop count) or which (addresses/CIDRs). Trusting every
 * hop (`true`, `*`) would let any client choose its own IP, and with it its rate-limit key.
 */
const trustProxy = z
  .string()
  .refine((v) => !['true', '*'].includes(v.trim().toLowerCase()), 'trusting every proxy lets any client pick its own IP; give a hop count (1, 2, …) or the proxy addresses/CIDRs')
  .transform((v, ctx): number | string[] => {
    const t = v.trim();
    if (/^\d+$/.test(t)) return Number(t);
    const list = t
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = list.filter((e) => !validProxyEntry(e));
    if (!list.length || bad.length) ctx.addIssue({ code: 'custom', message: `not a hop count or a list of addresses/CIDRs: ${bad.join(', ') || v}` });
    return list;
  });

/**
 * Every setting once: the property the code reads, the environment variable it comes from, and its
 * validation and default. `AppConfig` is derived from this table.
 */
const SETTINGS = {
  env: ['NODE_ENV', z.enum(['development', 'production', 'test']).default('development')],
  port: ['PORT', z.coerce.number().int().min(0).max(65535).default(3000)],
  /** Listen address of the API and metrics ports; defaults to 127.0.0.1, or 0.0.0.0 in production. */
  host: ['HOST', z.string().min(1).optional()],
  /** Prometheus metrics are served here, never on the API port. */
  metricsPort: ['METRICS_PORT', z.coerce.number().int().min(0).max(65535).default(9464)],
  /** Defaults to http://localhost:$PORT. */
  publicUrl: ['PUBLIC_URL', z.url().optional()],
  databaseUrl: ['DATABASE_URL', z.url().default('postgres://postgres@127.0.0.1:5432/mellon')],
  /** PostgreSQL connections per process: opened as needed, then kept open. */
  dbPoolSize: ['DB_POOL_SIZE', positiveInt.max(200).default(20)],
  redisUrl: ['REDIS_URL', z.url().default('redis://127.0.0.1:6379')],
  /** Namespace of every Redis key (queue and counters), so deployments can share one Redis. */
  redisPrefix: [
    'REDIS_PREFIX',
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/, 'letters, digits, _ and - only')
      .default('mellon'),
  ],
  smtpUrl: ['SMTP_URL', z.url().optional()],
  /** Required in production; in development generated once and kept in VAR_DIR. */
  secretKey: ['SECRET_KEY', z.string().min(32, 'must be at least 32 characters').optional()],
  adminToken: ['ADMIN_TOKEN', z.string().min(16, 'must be at least 16 characters').optional()],
  worker: ['WORKER', z.enum(['inline', 'off']).default('inline')],
  otpTtlMs: ['OTP_TTL', duration.default(ms('10m'))],
  otpMaxAttempts: ['OTP_MAX_ATTEMPTS', positiveInt.default(5)],
  otpMaxFailuresPerDay: ['OTP_MAX_FAILURES_PER_DAY', positiveInt.default(100)],
  /** The least time an OTP start takes to answer, in ms, whatever it found (0: no floor). */
  otpStartMinMs: ['OTP_START_MIN_MS', z.coerce.number().int().min(0).max(1000).default(15)],
  rateOtpPerUserHour: ['RATE_OTP_PER_USER_HOUR', positiveInt.default(3)],
  rateOtpPerEmailHour: ['RATE_OTP_PER_EMAIL_HOUR', positiveInt.default(5)],
  rateApiPerIpMinute: ['RATE_API_PER_IP_MINUTE', positiveInt.default(100)],
  /** OTP sends per application and minute, across all its accounts. */
  rateOtpPerAppMinute: ['RATE_OTP_PER_APP_MINUTE', positiveInt.default(600)],
  sessionTtlMs: ['SESSION_TTL', duration.default(ms('1h'))],
  recoveryTokenTtlMs: ['RECOVERY_TOKEN_TTL', duration.default(ms('10m'))],
  recoveryLinkTtlMs: ['RECOVERY_LINK_TTL', duration.default(ms('24h'))],
  enrollmentTokenTtlMs: ['ENROLLMENT_TOKEN_TTL', duration.default(ms('1h'))],
  trustProxy: ['TRUST_PROXY', trustProxy.optional()],
  logLevel: ['LOG_LEVEL', z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')],
  varDir: ['VAR_DIR', z.string().default('var')],
  /** Defaults to $VAR_DIR/mail. */
  mailDir: ['MAIL_DIR', z.string().optional()],
  outboxRedriveAfterMs: ['OUTBOX_REDRIVE_AFTER', duration.default(ms('30s'))],
  /** Delivery attempts per mail, and the first retry delay (doubling each time). */
  mailAttempts: ['MAIL_ATTEMPTS', positiveInt.default(8)],
  mailBackoffMs: ['MAIL_BACKOFF', duration.default(ms('1s'))],
  /** First webhook retry delay (doubling each time, with jitter, for up to 24 h). */
  webhookBackoffMs: ['WEBHOOK_BACKOFF', duration.default(ms('10s'))],
  auditRetentionMs: ['AUDIT_RETENTION', duration.default(ms('400d'))],
  /** Defaults to on in development. */
  demoApp: ['DEMO_APP', z.enum(['on', 'off']).optional()],
} as const satisfies Record<string, readonly [string, z.ZodType]>;

type Settings = typeof SETTINGS;
type Parsed = { [K in keyof Settings]: z.output<Settings[K][1]> };

/** The validated configuration; settings with a derived default are resolved. */
export type AppConfig = Omit<Parsed, 'host' | 'publicUrl' | 'secretKey' | 'adminToken' | 'mailDir' | 'demoApp'> & {
  host: string;
  publicUrl: string;
  secretKey: string;
  adminToken: string;
  adminTokenGenerated: boolean;
  mailDir: string;
  demoApp: boolean;
};

export type Env = Record<string, string | undefined>;

const EnvSchema = z.object(Object.fromEntries(Object.values(SETTINGS).map(([name, schema]) => [name, schema])));

export class ConfigError extends Error {}

/** Secrets a developer machine needs are generated once and kept in var/, so restarts keep tokens valid. */
function persistedSecret(varDir: string, name: string): { value: string; generated: boolean } {
  const file = join(varDir, name);
  if (existsSync(file)) return { value: readFileSync(file, 'utf8').trim(), generated: false };
  mkdirSync(varDir, { recursive: true });
  const value = randomBytes(32).toString('base64url');
  writeFileSync(file, value + '\n', { mode: 0o600 });
  return { value, generated: true };
}

function invalid(lines: string[]): ConfigError {
  return new ConfigError(`Invalid configuration:\n${lines.map((l) => `  ${l}`).join('\n')}`);
}

export function loadConfig(source: Env = process.env): AppConfig {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = EnvSchema.safeParse(cleaned);
  if (!result.success) throw invalid(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const byName = result.data as Record<string, unknown>;
  const e = Object.fromEntries(Object.entries(SETTINGS).map(([key, [name]]) => [key, byName[name]])) as Parsed;

  if (e.env === 'production') {
    const missing: string[] = (['SECRET_KEY', 'ADMIN_TOKEN'] as const).filter((n) => !byName[n]);
    if (!e.smtpUrl && !e.mailDir) missing.push('SMTP_URL');
    if (missing.length)
      throw invalid(
        missing.map((n) => (n === 'SMTP_URL' ? 'SMTP_URL: required when NODE_ENV=production (or set MAIL_DIR to write mail to files on purpose)' : `${n}: required when NODE_ENV=production`)),
      );
  }
  const secret = e.secretKey ? { value: e.secretKey, generated: false } : persistedSecret(e.varDir, 'secret.key');
  const admin = e.adminToken ? { value: e.adminToken, generated: false } : persistedSecret(e.varDir, 'admin.token');
  return {
    ...e,
    host: e.host ?? (e.env === 'production' ? '0.0.0.0' : '127.0.0.1'),
    publicUrl: (e.publicUrl ?? `http://localhost:${e.port}`).replace(/\/$/, ''),
    secretKey: secret.value,
    adminToken: admin.value,
    adminTokenGenerated: admin.generated,
    mailDir: e.mailDir ?? join(e.varDir, 'mail'),
    demoApp: (e.demoApp ?? (e.env === 'development' ? 'on' : 'off')) === 'on',
  };
}
