// Each service owns its data in a store outside the process, so a killed pod loses nothing and
// replicas of one service share state. The interface is small, asynchronous and SQL-shaped, with two
// implementations: SQLite (one machine, the sandbox) and PostgreSQL (a real cluster). Services write
// SQL both understand: `?` placeholders (numbered for PostgreSQL), ON CONFLICT, RETURNING, partial
// indexes, CAST(? AS ...) where a parameter's type would be ambiguous, and BIGINT for every integer
// column (SQLite's INTEGER is 64-bit, PostgreSQL's is 32-bit; both return BIGINT as a number).

export type SqlValue = string | number | bigint | null | Buffer;

export interface SqlExecutor {
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
}

export interface Store extends SqlExecutor {
  /**
   * Runs `fn` in a serializable write transaction: committed when it resolves, rolled back when it
   * throws. Inside, use only the executor passed in. `fn` may run more than once (PostgreSQL retries
   * a transaction that lost a serialization conflict), so it must have no effects outside the store.
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
