/**
 * One row to insert, as a piece of a larger statement: hot paths fold several inserts into a
 * single statement (data-modifying CTEs are atomic and cost one round trip instead of a transaction).
 */
export interface InsertPart {
  table: string;
  columns: string[];
  values: unknown[];
}

/**
 * `INSERT INTO t (cols) VALUES ($n, …)` with placeholders numbered after the `params` so far;
 * with `from`, `INSERT … SELECT … FROM <from>` (a row only when the CTE `from` produced one, so
 * one statement text serves both cases). `computed` replaces some of the part's values with SQL
 * expressions over `from`, in which `$value` stands for the part's own value of that column.
 */
export function insertSql(part: InsertPart, params: unknown[], opts: { literals?: Record<string, string>; computed?: Record<string, string>; returning?: string; from?: string } = {}): string {
  const placeholders = part.values.map((v, i) => {
    const expr = opts.computed?.[part.columns[i]];
    if (expr === undefined) return `$${params.push(v)}`;
    return expr.includes('$value') ? expr.replaceAll('$value', `$${params.push(v)}`) : expr;
  });
  const literals = Object.entries(opts.literals ?? {});
  const cols = [...part.columns, ...literals.map(([c]) => c)].join(', ');
  const vals = [...placeholders, ...literals.map(([, v]) => v)].join(', ');
  const source = opts.from ? `SELECT ${vals} FROM ${opts.from}` : `VALUES (${vals})`;
  return `INSERT INTO ${part.table} (${cols}) ${source}${opts.returning ? ` RETURNING ${opts.returning}` : ''}`;
}
