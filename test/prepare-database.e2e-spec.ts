import { prepareDatabase } from '../src/database/prepare-database';
import { dropDatabase, freshDatabaseUrl, sql } from './support/database';

/** The README promises that instances may start together, also against a database that does not exist yet. */
describe('instances starting together against a missing database', () => {
  const databaseUrl = freshDatabaseUrl('prepare_race');

  afterAll(() => dropDatabase(databaseUrl));

  it('creates it once and migrates it once, whichever instance wins', async () => {
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => prepareDatabase(databaseUrl)));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill('fulfilled'));
    const applied = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
    const migrations = await sql<{ name: string }>(databaseUrl, `SELECT name FROM migrations ORDER BY id`);
    // Every migration ran exactly once in total, under the advisory lock.
    expect([...applied].sort()).toEqual(migrations.map((m) => m.name).sort());
    expect(new Set(migrations.map((m) => m.name)).size).toBe(migrations.length);
  });
});
