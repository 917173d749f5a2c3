import { backoffMs, webhookEventFor } from './webhook-events';
import { newWebhookSecret, signWebhook } from './webhook-signature';
import { checkTarget, isForbiddenAddress, RefusedTarget, registrationProblem } from './webhook-target';

describe('webhook signatures (Standard Webhooks)', () => {
  it("matches the reference library's own test vector", () => {
    expect(signWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('makes whsec_ secrets of 32 random bytes', () => {
    const s = newWebhookSecret();
    expect(s).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(s.slice(6), 'base64')).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(s);
  });
});

describe('webhook events', () => {
  it('maps audit events to webhook events, and leaves OTP events out', () => {
    expect(webhookEventFor({ type: 'recovery.support_reset' })).toBe('support_reset.created');
    expect(webhookEventFor({ type: 'recovery.started', data: { method: 'recovery_link' } })).toBe('support_reset.redeemed');
    expect(webhookEventFor({ type: 'recovery.started', data: { method: 'email_otp' } })).toBeNull();
    expect(webhookEventFor({ type: 'recovery.cancelled' })).toBe('support_reset.cancelled');
    expect(webhookEventFor({ type: 'passkey.revoked' })).toBe('passkey.revoked');
    for (const type of ['otp.sent', 'otp.verified', 'user.created', 'passkey.signed_in']) expect(webhookEventFor({ type })).toBeNull();
  });

  it('backs off exponentially with ±20 % jitter and a cap', () => {
    expect(backoffMs(1, 10_000, () => 0.5)).toBe(10_000);
    expect(backoffMs(2, 10_000, () => 0.5)).toBe(20_000);
    expect(backoffMs(1, 10_000, () => 0)).toBe(8_000);
    expect(backoffMs(1, 10_000, () => 1)).toBe(12_000);
    expect(backoffMs(30, 10_000, () => 0.5)).toBe(4 * 3_600_000);
  });
});

describe('webhook targets (SSRF rules)', () => {
  it('knows loopback, private, link-local and reserved addresses, also inside IPv6', () => {
    for (const a of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '64:ff9b::a00:1',
      '2002:c0a8:101::1',
      'fe80::1%eth0',
      'nonsense',
    ]) {
      expect([a, isForbiddenAddress(a)]).toEqual([a, true]);
    }
    for (const a of ['93.184.215.14', '8.8.8.8', '2606:4700::6810:84e5', '::ffff:93.184.215.14', '172.32.0.1']) {
      expect([a, isForbiddenAddress(a)]).toEqual([a, false]);
    }
  });

  it('at registration refuses what is certain without DNS', () => {
    expect(registrationProblem(new URL('http://127.0.0.1:9/x'), 'sandbox')).toBeNull();
    expect(registrationProblem(new URL('http://hooks.example.com/x'), 'production')).toMatch(/https/);
    expect(registrationProblem(new URL('https://LOCALHOST./x'), 'production')).toMatch(/loopback/);
    expect(registrationProblem(new URL('https://[::ffff:10.0.0.1]/x'), 'production')).toMatch(/private/);
    expect(registrationProblem(new URL('https://hooks.example.com/x'), 'production')).toBeNull();
    expect(registrationProblem(new URL('https://a:b@hooks.example.com/x'), 'sandbox')).toMatch(/credentials/);
  });

  it('when delivering, refuses a name with any forbidden address and connects to the address it checked', async () => {
    const url = new URL('https://hooks.example.com/x');
    await expect(
      checkTarget(url, 'production', async () => [
        { address: '93.184.215.14', family: 4 },
        { address: '10.0.0.1', family: 4 },
      ]),
    ).rejects.toBeInstanceOf(RefusedTarget);
    await expect(checkTarget(new URL('http://hooks.example.com/x'), 'production', async () => [])).rejects.toBeInstanceOf(RefusedTarget);
    const target = await checkTarget(url, 'production', async () => [{ address: '93.184.215.14', family: 4 }]);
    const answers: unknown[] = [];
    target.lookup!('hooks.example.com', {}, (...args: unknown[]) => answers.push(args));
    target.lookup!('hooks.example.com', { all: true }, (...args: unknown[]) => answers.push(args));
    expect(answers).toEqual([
      [null, '93.184.215.14', 4],
      [null, [{ address: '93.184.215.14', family: 4 }]],
    ]);
    expect(await checkTarget(new URL('http://127.0.0.1/x'), 'sandbox')).toEqual({});
  });
});
