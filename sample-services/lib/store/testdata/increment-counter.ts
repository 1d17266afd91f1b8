// Test helper run as a separate process (a "replica"): increments a shared counter N times, each
// in its own read-modify-write transaction. Usage: increment-counter.ts <db file> <times>
import { SqliteStore } from '../sqlite-store.ts';

const [file, times] = process.argv.slice(2);
const store = SqliteStore.open({
  file,
  migrations: [
    { version: 1, name: 'counter', sql: 'CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)' },
  ],
});
await store.run('INSERT INTO counter (id, n) VALUES (1, 0) ON CONFLICT (id) DO NOTHING');
for (let i = 0; i < Number(times); i++) {
  await store.transaction(async (tx) => {
    const row = await tx.get<{ n: number }>('SELECT n FROM counter WHERE id = 1');
    await tx.run('UPDATE counter SET n = ? WHERE id = 1', [row!.n + 1]);
  });
}
await store.close();
