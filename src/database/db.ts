import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { isBackendDown } from '../common/backend-down';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * What a repository runs its SQL on: the pool (`Db`) or one open transaction (`Tx`). Repository
 * methods that may take part in a caller's transaction accept an optional `SqlExecutor`.
 */
export interface SqlExecutor {
  /** Rows of the statement (also for UPDATE/DELETE … RETURNING); `[]` when it returns none. */
  rows<T>(text: string, values?: unknown[]): Promise<T[]>;
  /** Rows affected by an INSERT/UPDATE/DELETE without RETURNING. */
  count(text: string, values?: unknown[]): Promise<number>;
}

/** Statement names derive from the text, so a name can never point at a different statement. */
const names = new Map<string, string>();
function statementName(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `m_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    if (names.size > 1000) names.clear();
    names.set(text, name);
  }
  return name;
}

class ClientExecutor implements SqlExecutor {
  constructor(private readonly client: PoolClient) {}

  async rows<T>(text: string, values: unknown[] = []): Promise<T[]> {
    return (await this.client.query({ name: statementName(text), text, values })).rows as T[];
  }

  async count(text: string, values: unknown[] = []): Promise<number> {
    return (await this.client.query({ name: statementName(text), text, values })).rowCount ?? 0;
  }
}

/**
 * The one way the service talks SQL. Every statement runs as a named prepared statement on the
 * connection TypeORM manages (PostgreSQL parses and plans it once per connection), through the
 * driver's public `obtainMasterConnection`. TypeORM keeps the pool, its configuration and the
 * migrations; the repositories own the statements.
 */
@Injectable()
export class Db implements SqlExecutor {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  rows<T>(text: string, values: unknown[] = []): Promise<T[]> {
    return this.withClient((c) => c.rows<T>(text, values));
  }

  count(text: string, values: unknown[] = []): Promise<number> {
    return this.withClient((c) => c.count(text, values));
  }

  /** Round trip to PostgreSQL, for readiness checks. */
  async ping(): Promise<void> {
    await this.rows('SELECT 1');
  }

  /** Runs `work` in one transaction (READ COMMITTED): committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.withClient(async (c, client) => {
      await client.query('BEGIN');
      try {
        const result = await work(c);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  private async withClient<T>(work: (c: SqlExecutor, client: PoolClient) => Promise<T>): Promise<T> {
    const [client, release] = (await (this.dataSource.driver as PostgresDriver).obtainMasterConnection()) as [PoolClient, (err?: unknown) => void];
    // While a client is checked out the pool does not listen for its errors: a connection that
    // drops now (PostgreSQL cut) would otherwise be an unhandled 'error' event and end the process.
    // The statement in flight fails on its own; the error only marks the client as broken.
    let broken: unknown;
    const onError = (err: unknown) => (broken = err);
    client.on('error', onError);
    let failure: unknown;
    try {
      return await work(new ClientExecutor(client), client);
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      client.off('error', onError);
      // A connection that broke mid-statement is discarded rather than handed to the next request.
      const discard = broken ?? (failure && isBackendDown(failure) ? failure : undefined);
      release(discard);
    }
  }
}
