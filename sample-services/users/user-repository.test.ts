import { expect, it } from 'vitest';
import { describeEachStore } from '../lib/store/testing/index.ts';
import { migrations, UserRepository } from './user-repository.ts';

const ann = { email: 'ann@example.com', name: 'Ann', role: 'user' as const, passwordHash: 'hash' };

describeEachStore('UserRepository', ({ open }) => {
  it('creates a user once per email, finds and renames it', async () => {
    const users = new UserRepository(await open(migrations));
    const created = await users.create(ann);
    expect(created).toMatchObject({ email: 'ann@example.com', name: 'Ann', role: 'user' });
    expect(created!.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await users.create({ ...ann, name: 'Other Ann' })).toBeUndefined();
    expect(await users.byId(created!.id)).toEqual(created);
    expect(await users.credentials('ann@example.com')).toEqual({ user: created, passwordHash: 'hash' });
    const renamed = await users.rename(created!.id, 'Annie');
    expect(renamed).toMatchObject({ id: created!.id, name: 'Annie' });
    expect(await users.rename('00000000-0000-4000-8000-000000000000', 'Nobody')).toBeUndefined();
  });

  it('gives a contested email to exactly one of two replicas registering at once', async () => {
    const replicas = [new UserRepository(await open(migrations)), new UserRepository(await open(migrations))];
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => replicas[i % 2].create({ ...ann, name: `Ann ${i}` })),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
