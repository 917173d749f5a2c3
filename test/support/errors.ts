import type { Response } from 'supertest';

/**
 * Asserts an error answer: its status and the SPEC §2 body `{code, message, ...details}` (details
 * matched as toMatchObject does: the fields named must be there, others may be too).
 */
export function expectError(res: Pick<Response, 'status' | 'body'>, status: number, code: string, details: Record<string, unknown> = {}): void {
  expect({ status: res.status, body: res.body }).toMatchObject({ status, body: { code, message: expect.any(String), ...details } });
}
