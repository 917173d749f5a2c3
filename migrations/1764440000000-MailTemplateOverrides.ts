import { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-application mail templates (issue 8 item 5): an operator's subject, text and HTML for one template in one locale. */
export class MailTemplateOverrides1764440000000 implements MigrationInterface {
  name = 'MailTemplateOverrides1764440000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mail_template_overrides (
        app_id text NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
        template text NOT NULL,
        locale text NOT NULL,
        subject text NOT NULL,
        text_body text NOT NULL,
        html_body text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (app_id, template, locale)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS mail_template_overrides`);
  }
}
