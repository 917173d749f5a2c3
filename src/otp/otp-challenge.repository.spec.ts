import type { Db } from '../database/db';
import { InsertPart } from '../database/statement';
import { StartChallenge } from './otp-challenge.model';
import { OtpChallengeRepository } from './otp-challenge.repository';

/** Captures the statements the repository sends; the end-to-end tests run them on PostgreSQL. */
function capturingDb() {
  const sent: { text: string; values: unknown[] }[] = [];
  const db = { rows: async (text: string, values: unknown[] = []) => (sent.push({ text, values }), [{ outcome: 'unknown_account' }]) } as unknown as Db;
  return { db, sent };
}

const challenge = (externalUserId: string | null, email: string): StartChallenge => ({
  id: '00000000-0000-4000-8000-000000000001',
  appId: 'app_1',
  purpose: 'login',
  codeHash: Buffer.alloc(32),
  maxAttempts: 5,
  expiresAt: new Date(0),
  named: { externalUserId, email },
  fallbackSubject: externalUserId ? `ext:${externalUserId}` : `email:${email}`,
  maxFailures: 100,
  auditTypes: { sent: 'otp.sent', unknown_account: 'otp.start_unknown_account', recovery_locked: 'otp.refused_recovery_locked', budget_spent: 'otp.refused_locked' },
  preferredLocale: null,
});
const audit: InsertPart = { table: 'audit_events', columns: ['app_id', 'user_id', 'external_user_id', 'type'], values: ['app_1', null, null, 'otp.sent'] };
const outbox: InsertPart = { table: 'mail_outbox', columns: ['id', 'user_id', 'locale', 'to_address'], values: ['m', null, 'en', ''] };

describe('OtpChallengeRepository.start', () => {
  it('is one statement, the same text whichever account the caller names (one prepared statement, one plan: timing parity)', async () => {
    const { db, sent } = capturingDb();
    const repo = new OtpChallengeRepository(db);
    await repo.start(challenge('alice', 'alice@example.com'), audit, outbox);
    await repo.start(challenge('nobody-by-that-id', 'nobody@example.com'), audit, outbox);
    await repo.start(challenge(null, 'alice@example.com'), audit, outbox);
    await repo.start(challenge(null, 'nobody@example.com'), audit, outbox);
    expect(sent).toHaveLength(4);
    expect(sent[1].text).toBe(sent[0].text);
    expect(sent[3].text).toBe(sent[2].text);
    expect(new Set(sent.map((s) => s.values.length)).size).toBe(2);
  });

  it('takes the address, user and locale of the mail from the account the statement finds, and sends only on the outcome "sent"', async () => {
    const { db, sent } = capturingDb();
    await new OtpChallengeRepository(db).start(challenge(null, 'nobody@example.com'), audit, outbox);
    const [{ text, values }] = sent;
    const insert = /INSERT INTO mail_outbox \(([^)]*)\) SELECT (.*?) FROM named WHERE named\.outcome = 'sent'/s.exec(text);
    expect(insert).not.toBeNull();
    expect(insert![2]).toContain('named.email');
    // The part's own address ('') is not sent: the found user's is used.
    expect(values).not.toContain('');
  });
});
