import { Pool } from 'pg';
import { poolOptions } from '../src/database/database.module';
import { PG_ADMIN_URL } from './support/database';
import { waitFor } from './support/wait';

/**
 * The service's pool keeps the connections it opened: a burst after a quiet spell must not wait
 * for new PostgreSQL backends (and re-prepared statements). Shown against node-postgres's own
 * idle timeout, shortened here to 50 ms for both pools.
 */
describe('PostgreSQL pool', () => {
  const pools: Pool[] = [];
  afterAll(() => Promise.all(pools.map((p) => p.end())));

  const burst = (pool: Pool, n: number) => Promise.all(Array.from({ length: n }, () => pool.query('SELECT pg_sleep(0.05)')));

  it('keeps every connection it opened through idle spells', async () => {
    const ours = new Pool({ connectionString: PG_ADMIN_URL, ...poolOptions({ dbPoolSize: 4 }), idleTimeoutMillis: 50 });
    const plain = new Pool({ connectionString: PG_ADMIN_URL, max: 4, idleTimeoutMillis: 50 });
    pools.push(ours, plain);
    await Promise.all([burst(ours, 4), burst(plain, 4)]);
    expect([ours.totalCount, plain.totalCount]).toEqual([4, 4]);
    // Once the plain pool has closed its idle connections, the service's pool still holds all four.
    await waitFor(() => expect(plain.totalCount).toBe(0));
    expect(ours.totalCount).toBe(4);
    expect(ours.idleCount).toBe(4);
  });
});
