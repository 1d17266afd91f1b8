// Run as a separate process (a "replica"): increments a shared counter N times, each in its own
// read-modify-write transaction. Usage: STORE_LOCATION=<json StoreLocation> increment-counter.ts <times>

import { COUNTER_MIGRATIONS, openAt, type StoreLocation } from './store-location.ts';

const location = JSON.parse(process.env.STORE_LOCATION ?? '') as StoreLocation;
const times = Number(process.argv[2]);
const store = await openAt(location, COUNTER_MIGRATIONS);
await store.run('INSERT INTO counter (id, n) VALUES (1, 0) ON CONFLICT (id) DO NOTHING');
for (let i = 0; i < times; i++) {
  await store.transaction(async (tx) => {
    const row = await tx.get<{ n: number }>('SELECT n FROM counter WHERE id = 1');
    await tx.run('UPDATE counter SET n = ? WHERE id = 1', [row!.n + 1]);
  });
}
await store.close();
