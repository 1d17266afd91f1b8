// users: registration, password checks and profiles.

import { z } from 'zod';
import { runService } from '../lib/index.ts';
import { hashPassword } from './passwords.ts';
import { registerUserRoutes } from './routes.ts';
import { migrations, UserRepository } from './user-repository.ts';

await runService({
  name: 'users',
  config: {
    // scrypt N; the work factor of every new hash. 2^14 keeps logins around 50 ms of one core.
    PASSWORD_SCRYPT_COST: z.coerce
      .number()
      .int()
      .min(1024)
      .max(1_048_576)
      .refine((n) => (n & (n - 1)) === 0, 'must be a power of two')
      .default(16_384),
    // An administrator created at start when missing (the only way to get the admin role).
    SEED_ADMIN_EMAIL: z.string().trim().toLowerCase().pipe(z.email()).optional(),
    SEED_ADMIN_PASSWORD: z.string().min(8).max(128).optional(),
  },
  migrations,
  setup({ config, store, log }, router) {
    const users = new UserRepository(store);
    registerUserRoutes(router, users, config.PASSWORD_SCRYPT_COST);
    return {
      async beforeReady() {
        if (!config.SEED_ADMIN_EMAIL || !config.SEED_ADMIN_PASSWORD) return;
        const created = await users.create({
          email: config.SEED_ADMIN_EMAIL,
          name: 'Administrator',
          role: 'admin',
          passwordHash: await hashPassword(config.SEED_ADMIN_PASSWORD, config.PASSWORD_SCRYPT_COST),
        });
        if (created) log.info({ email: created.email }, 'seeded the administrator account');
      },
    };
  },
});
