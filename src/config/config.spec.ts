import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config';

const varDir = () => mkdtempSync(join(tmpdir(), 'mellon-cfg-'));

describe('loadConfig', () => {
  it('applies the SPEC defaults', () => {
    const c = loadConfig({ VAR_DIR: varDir() });
    expect(c).toMatchObject({
      port: 3000,
      publicUrl: 'http://localhost:3000',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/mellon',
      redisUrl: 'redis://127.0.0.1:6379',
      worker: 'inline',
      otpTtlMs: 600_000,
      otpMaxAttempts: 5,
      otpStartMinMs: 15,
      rateOtpPerUserHour: 3,
      rateOtpPerEmailHour: 5,
      rateApiPerIpMinute: 100,
      logLevel: 'info',
    });
  });

  it('takes OTP_START_MIN_MS from 0 (no floor) to 1000 ms', () => {
    expect(loadConfig({ VAR_DIR: varDir(), OTP_START_MIN_MS: '0' }).otpStartMinMs).toBe(0);
    expect(() => loadConfig({ VAR_DIR: varDir(), OTP_START_MIN_MS: '1001' })).toThrow(/OTP_START_MIN_MS/);
    expect(() => loadConfig({ VAR_DIR: varDir(), OTP_START_MIN_MS: '-1' })).toThrow(/OTP_START_MIN_MS/);
  });

  it('stops with a message naming each bad variable', () => {
    expect(() => loadConfig({ VAR_DIR: varDir(), OTP_TTL: 'soon', PORT: 'x', WORKER: 'maybe' })).toThrow(ConfigError);
    try {
      loadConfig({ VAR_DIR: varDir(), OTP_TTL: 'soon', PORT: 'x' });
    } catch (e) {
      expect((e as Error).message).toMatch(/OTP_TTL/);
      expect((e as Error).message).toMatch(/PORT/);
    }
  });

  it('requires SECRET_KEY in production', () => {
    expect(() => loadConfig({ VAR_DIR: varDir(), NODE_ENV: 'production', ADMIN_TOKEN: 'x'.repeat(20) })).toThrow(/SECRET_KEY/);
  });

  it('generates a development secret once and keeps it', () => {
    const dir = varDir();
    const a = loadConfig({ VAR_DIR: dir });
    const b = loadConfig({ VAR_DIR: dir });
    expect(a.secretKey).toBe(b.secretKey);
    expect(readFileSync(join(dir, 'secret.key'), 'utf8').trim()).toBe(a.secretKey);
    expect(a.adminTokenGenerated).toBe(true);
    expect(b.adminTokenGenerated).toBe(false);
  });

  it('parses durations', () => {
    expect(loadConfig({ VAR_DIR: varDir(), OTP_TTL: '90s' }).otpTtlMs).toBe(90_000);
  });

  it('listens on 127.0.0.1 in development and 0.0.0.0 in production, metrics on 9464', () => {
    expect(loadConfig({ VAR_DIR: varDir() })).toMatchObject({ host: '127.0.0.1', metricsPort: 9464, rateOtpPerAppMinute: 600, auditRetentionMs: 400 * 86400_000 });
    const prod = { VAR_DIR: varDir(), NODE_ENV: 'production', SECRET_KEY: 'k'.repeat(40), ADMIN_TOKEN: 'a'.repeat(20), SMTP_URL: 'smtp://mail.test:25' };
    expect(loadConfig(prod).host).toBe('0.0.0.0');
    expect(loadConfig({ ...prod, HOST: '10.0.0.2' }).host).toBe('10.0.0.2');
  });

  it('takes TRUST_PROXY as a hop count or an address/CIDR list, and refuses trusting every hop', () => {
    expect(loadConfig({ VAR_DIR: varDir(), TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ VAR_DIR: varDir(), TRUST_PROXY: '10.0.0.0/8, 192.168.1.1, fd00::/8' }).trustProxy).toEqual(['10.0.0.0/8', '192.168.1.1', 'fd00::/8']);
    for (const bad of ['true', '*', 'TRUE', 'proxy.local', '10.0.0.0/33']) expect(() => loadConfig({ VAR_DIR: varDir(), TRUST_PROXY: bad })).toThrow(/TRUST_PROXY/);
  });

  it('refuses production without SMTP_URL unless MAIL_DIR is set explicitly', () => {
    const prod = { VAR_DIR: varDir(), NODE_ENV: 'production', SECRET_KEY: 'k'.repeat(40), ADMIN_TOKEN: 'a'.repeat(20) };
    expect(() => loadConfig(prod)).toThrow(/SMTP_URL: required when NODE_ENV=production/);
    expect(loadConfig({ ...prod, MAIL_DIR: '/var/mail/mellon' }).mailDir).toBe('/var/mail/mellon');
  });
});
