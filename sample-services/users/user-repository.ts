// Accounts: one row per user, the email unique (stored lower-case).

import { randomUUID } from 'node:crypto';
import { isoTime, type Migration, type Store } from '../lib/index.ts';

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'users',
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('user', 'admin')),
        password_hash TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );`,
  },
];

export type Role = 'user' | 'admin';

interface UserRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  password_hash: string;
  created_at: number;
  updated_at: number;
}

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  createdAt: string;
  updatedAt: string;
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    createdAt: isoTime(row.created_at),
    updatedAt: isoTime(row.updated_at),
  };
}

export class UserRepository {
  constructor(private readonly store: Store) {}

  /** The new user, or undefined when the email is taken. */
  async create(input: {
    email: string;
    name: string;
    role: Role;
    passwordHash: string;
  }): Promise<User | undefined> {
    const now = Date.now();
    const rows = await this.store.all<UserRow>(
      `INSERT INTO users (id, email, name, role, password_hash, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (email) DO NOTHING
       RETURNING *`,
      [randomUUID(), input.email, input.name, input.role, input.passwordHash, now, now],
    );
    return rows[0] ? toUser(rows[0]) : undefined;
  }

  async byId(id: string): Promise<User | undefined> {
    const row = await this.store.get<UserRow>('SELECT * FROM users WHERE id = ?', [id]);
    return row ? toUser(row) : undefined;
  }

  async credentials(email: string): Promise<{ user: User; passwordHash: string } | undefined> {
    const row = await this.store.get<UserRow>('SELECT * FROM users WHERE email = ?', [email]);
    return row ? { user: toUser(row), passwordHash: row.password_hash } : undefined;
  }

  async rename(id: string, name: string): Promise<User | undefined> {
    const rows = await this.store.all<UserRow>(
      'UPDATE users SET name = ?, updated_at = ? WHERE id = ? RETURNING *',
      [name, Date.now(), id],
    );
    return rows[0] ? toUser(rows[0]) : undefined;
  }
}
