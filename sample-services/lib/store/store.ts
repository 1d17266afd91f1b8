// Each service owns its data in a store outside the process, so a killed pod loses nothing and
// replicas of one service share state. The interface is small, asynchronous and SQL-shaped, so a
// PostgreSQL implementation (for real clusters) can sit behind it: services write portable SQL
// (ON CONFLICT, RETURNING, partial indexes; `?` placeholders, which a PG driver would number).

export type SqlValue = string | number | bigint | null | Buffer;

export interface SqlExecutor {
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
}

export interface Store extends SqlExecutor {
  /**
   * Runs `fn` in a write transaction: committed when it resolves, rolled back when it throws.
   * Inside, use only the executor passed in.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** One schema change; applied once, in version order, inside a transaction. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}
