import { DataSource, EntityManager } from 'typeorm';

/**
 * Rows of a raw statement. TypeORM's postgres driver answers UPDATE/DELETE … RETURNING with
 * `[rows, rowCount]` and everything else with `rows`; this gives rows either way.
 */
export async function rows<T>(db: DataSource | EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  const result = await db.query(sql, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
