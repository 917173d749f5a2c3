import 'reflect-metadata';
import { ValidationPipe } from '@nestjs/common';
import { ApiError } from '../../common/api-error';
import { createValidationPipe } from '../../common/validation.pipe';
import { StartOtpDto, VerifyOtpDto } from './otp.dto';

/** The hot DTOs' fast check must answer exactly as class-validator does: the same instance, or the same 400. */
describe('OTP DTO fast path', () => {
  const pipe = createValidationPipe();
  const run = async (metatype: new () => object, body: unknown, fast: boolean) => {
    const meta = { type: 'body' as const, metatype };
    try {
      const out = (await (fast ? pipe.transform(body, meta) : ValidationPipe.prototype.transform.call(pipe, body, meta))) as object;
      return { ok: true, proto: Object.getPrototypeOf(out) === metatype.prototype, value: JSON.parse(JSON.stringify(out)) as unknown };
    } catch (err) {
      return { ok: false, body: (err as ApiError).details };
    }
  };
  const uuid = '3f2b8a4e-9c1d-4e5f-8a7b-6c5d4e3f2a1b';
  const starts: unknown[] = [
    { email: 'ada@example.com' },
    { email: '  Ada@Example.com ' },
    { email: 'ada@example.com', purpose: 'recovery', locale: 'fr', externalUserId: 'user_42' },
    { email: 'ada@example.com', purpose: null, locale: null, externalUserId: null },
    { email: 'ada@example', purpose: 'login' },
    { email: 'a@b.co', extra: 1 },
    { email: 'ada@example.com', purpose: 'other' },
    { email: 'ada@example.com', locale: 'xx' },
    { email: 'ada@example.com', externalUserId: 'bad id' },
    { email: 'ada@example.com', externalUserId: 42 },
    { email: 42 },
    { email: ['ada@example.com'] },
    { email: `${'a'.repeat(250)}@example.com` },
    {},
    [],
  ];
  const verifies: unknown[] = [
    { challengeId: uuid, code: '123456' },
    { challengeId: uuid, code: '12345678' },
    { challengeId: uuid, code: '12345' },
    { challengeId: uuid, code: 123456 },
    { challengeId: 'nope', code: '123456' },
    { challengeId: uuid, code: '123456', extra: true },
    { challengeId: uuid },
  ];

  it.each(starts.map((b) => [JSON.stringify(b)]))('start %s', async (json) => {
    expect(await run(StartOtpDto, JSON.parse(json), true)).toEqual(await run(StartOtpDto, JSON.parse(json), false));
  });

  it.each(verifies.map((b) => [JSON.stringify(b)]))('verify %s', async (json) => {
    expect(await run(VerifyOtpDto, JSON.parse(json), true)).toEqual(await run(VerifyOtpDto, JSON.parse(json), false));
  });
});
