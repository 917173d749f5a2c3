import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SPEC §9.2: an outbox row may end `skipped` (its OTP challenge was no longer live when the worker
 * took it), and audit events are purged by age, which needs an index on their creation time.
 */
export class Operations1764410000000 implements MigrationInterface {
  name = 'Operations1764410000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_status_check`);
    await q.query(`ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_status_check CHECK (status IN ('pending','queued','sending','sent','failed','skipped'))`);
    await q.query(`CREATE INDEX audit_events_created_idx ON audit_events (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX audit_events_created_idx`);
    await q.query(`UPDATE mail_outbox SET status = 'failed' WHERE status = 'skipped'`);
    await q.query(`ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_status_check`);
    await q.query(`ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_status_check CHECK (status IN ('pending','queued','sending','sent','failed'))`);
  }
}
