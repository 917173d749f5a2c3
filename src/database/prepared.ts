import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';

/**
 * Hot-path statements as named prepared statements on TypeORM's own pg pool: PostgreSQL parses
 * and plans each one once per connection instead of on every request, and the call skips
 * TypeORM's query-runner bookkeeping. The name is derived from the text, so it can never point
 * at a different statement.
 */
@Injectable()
export class PreparedStatements {
  private readonly names = new Map<string, string>();

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async rows<T>(text: string, values: unknown[]): Promise<T[]> {
    const pool = (this.db.driver as unknown as { master: Pool }).master;
    const res = await pool.query({ name: this.nameOf(text), text, values });
    return res.rows as T[];
  }

  private nameOf(text: string): string {
    let name = this.names.get(text);
    if (!name) {
      name = `m_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
      if (this.names.size > 1000) this.names.clear();
      this.names.set(text, name);
    }
    return name;
  }
}
