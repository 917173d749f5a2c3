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
      rateOtpPerUserHour: 3,
      rateOtpPerEmailHour: 5,
      rateApiPerIpMinute: 100,
      logLevel: 'info',
    });
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
});
