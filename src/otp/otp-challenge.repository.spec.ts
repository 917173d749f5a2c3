import type { Db } from '../database/db';
import { InsertPart } from '../database/statement';
import { NewChallenge } from './otp-challenge.model';
import { OtpChallengeRepository } from './otp-challenge.repository';

/** Captures the statements the repository sends; the end-to-end tests run them on PostgreSQL. */
function capturingDb() {
  const sent: { text: string; values: unknown[] }[] = [];
  const db = { rows: async (text: string, values: unknown[] = []) => (sent.push({ text, values }), []) } as unknown as Db;
  return { db, sent };
}

const challenge = (userId: string | null): NewChallenge => ({
  id: '00000000-0000-4000-8000-000000000001',
  appId: '00000000-0000-4000-8000-000000000002',
  userId,
  subject: userId ? `user:${userId}` : 'email:nobody@example.com',
  purpose: 'login',
  codeHash: Buffer.alloc(32),
  maxAttempts: 5,
  expiresAt: new Date(0),
});
const audit: InsertPart = { table: 'audit_events', columns: ['id', 'type'], values: ['a', 'otp.sent'] };
const outbox: InsertPart = { table: 'mail_outbox', columns: ['id', 'to_address'], values: ['m', 'someone@example.com'] };

describe('OtpChallengeRepository.start', () => {
  it('sends the same statement text for a known and an unknown account (one prepared statement, one plan: timing parity)', async () => {
    const { db, sent } = capturingDb();
    const repo = new OtpChallengeRepository(db);
    await repo.start(challenge('00000000-0000-4000-8000-000000000003'), audit, outbox, true);
    await repo.start(challenge(null), audit, { ...outbox, values: ['m', ''] }, false);
    expect(sent).toHaveLength(2);
    expect(sent[1].text).toBe(sent[0].text);
    expect(sent[0].values).toHaveLength(sent[1].values.length);
  });

  it('inserts the outbox row only when asked to send, through a boolean parameter', async () => {
    const { db, sent } = capturingDb();
    await new OtpChallengeRepository(db).start(challenge(null), audit, outbox, false);
    const [{ text, values }] = sent;
    const guard = /INSERT INTO mail_outbox \([^)]*\) SELECT [^;]*? WHERE \$(\d+)::boolean/.exec(text);
    expect(guard).not.toBeNull();
    expect(values[Number(guard![1]) - 1]).toBe(false);
  });
});
