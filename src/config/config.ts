import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ms, { StringValue } from 'ms';
import { z } from 'zod';

const duration = z
  .string()
  .refine((v) => typeof ms(v as StringValue) === 'number' && ms(v as StringValue) > 0, 'must be a duration such as 10m, 1h, 30s')
  .transform((v) => ms(v as StringValue));

const positiveInt = z.coerce.number().int().positive();

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.url().optional(),
  DATABASE_URL: z.url().default('postgres://postgres@127.0.0.1:5432/mellon'),
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'letters, digits, _ and - only').default('mellon'),
  SMTP_URL: z.url().optional(),
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  WORKER: z.enum(['inline', 'off']).default('inline'),
  OTP_TTL: duration.default(ms('10m')),
  OTP_MAX_ATTEMPTS: positiveInt.default(5),
  OTP_MAX_FAILURES_PER_DAY: positiveInt.default(100),
  RATE_OTP_PER_USER_HOUR: positiveInt.default(3),
  RATE_OTP_PER_EMAIL_HOUR: positiveInt.default(5),
  RATE_API_PER_IP_MINUTE: positiveInt.default(100),
  SESSION_TTL: duration.default(ms('1h')),
  RECOVERY_TOKEN_TTL: duration.default(ms('10m')),
  RECOVERY_LINK_TTL: duration.default(ms('24h')),
  ENROLLMENT_TOKEN_TTL: duration.default(ms('1h')),
  TRUST_PROXY: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  VAR_DIR: z.string().default('var'),
  MAIL_DIR: z.string().optional(),
  OUTBOX_REDRIVE_AFTER: duration.default(ms('30s')),
  MAIL_ATTEMPTS: positiveInt.default(8),
  MAIL_BACKOFF: duration.default(ms('1s')),
  DEMO_APP: z.enum(['on', 'off']).optional(),
});

export type Env = z.input<typeof EnvSchema>;

export interface AppConfig {
  env: 'development' | 'production' | 'test';
  port: number;
  publicUrl: string;
  databaseUrl: string;
  redisUrl: string;
  /** Namespace of every Redis key (queue and counters), so deployments can share one Redis. */
  redisPrefix: string;
  smtpUrl?: string;
  secretKey: string;
  adminToken: string;
  adminTokenGenerated: boolean;
  worker: 'inline' | 'off';
  otpTtlMs: number;
  otpMaxAttempts: number;
  otpMaxFailuresPerDay: number;
  rateOtpPerUserHour: number;
  rateOtpPerEmailHour: number;
  rateApiPerIpMinute: number;
  sessionTtlMs: number;
  recoveryTokenTtlMs: number;
  recoveryLinkTtlMs: number;
  enrollmentTokenTtlMs: number;
  trustProxy?: string;
  logLevel: string;
  varDir: string;
  mailDir: string;
  outboxRedriveAfterMs: number;
  /** Delivery attempts per mail, and the first retry delay (doubling each time). */
  mailAttempts: number;
  mailBackoffMs: number;
  demoApp: boolean;
}

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

export function loadConfig(source: Record<string, string | undefined> = process.env): AppConfig {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production' && !e.SECRET_KEY) {
    throw new ConfigError('Invalid configuration:\n  SECRET_KEY: required when NODE_ENV=production');
  }
  if (e.NODE_ENV === 'production' && !e.ADMIN_TOKEN) {
    throw new ConfigError('Invalid configuration:\n  ADMIN_TOKEN: required when NODE_ENV=production');
  }
  const secret = e.SECRET_KEY ? { value: e.SECRET_KEY, generated: false } : persistedSecret(e.VAR_DIR, 'secret.key');
  const admin = e.ADMIN_TOKEN ? { value: e.ADMIN_TOKEN, generated: false } : persistedSecret(e.VAR_DIR, 'admin.token');
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    smtpUrl: e.SMTP_URL,
    secretKey: secret.value,
    adminToken: admin.value,
    adminTokenGenerated: admin.generated,
    worker: e.WORKER,
    otpTtlMs: e.OTP_TTL,
    otpMaxAttempts: e.OTP_MAX_ATTEMPTS,
    otpMaxFailuresPerDay: e.OTP_MAX_FAILURES_PER_DAY,
    rateOtpPerUserHour: e.RATE_OTP_PER_USER_HOUR,
    rateOtpPerEmailHour: e.RATE_OTP_PER_EMAIL_HOUR,
    rateApiPerIpMinute: e.RATE_API_PER_IP_MINUTE,
    sessionTtlMs: e.SESSION_TTL,
    recoveryTokenTtlMs: e.RECOVERY_TOKEN_TTL,
    recoveryLinkTtlMs: e.RECOVERY_LINK_TTL,
    enrollmentTokenTtlMs: e.ENROLLMENT_TOKEN_TTL,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    varDir: e.VAR_DIR,
    mailDir: e.MAIL_DIR ?? join(e.VAR_DIR, 'mail'),
    outboxRedriveAfterMs: e.OUTBOX_REDRIVE_AFTER,
    mailAttempts: e.MAIL_ATTEMPTS,
    mailBackoffMs: e.MAIL_BACKOFF,
    demoApp: (e.DEMO_APP ?? (e.NODE_ENV === 'development' ? 'on' : 'off')) === 'on',
  };
}
