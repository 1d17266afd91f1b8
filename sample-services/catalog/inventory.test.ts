import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeEachStore } from '../lib/store/testing/index.ts';
import { Inventory, migrations, type NewProduct } from './inventory.ts';

const product = (id: string, overrides: Partial<NewProduct> = {}): NewProduct => ({
  id,
  name: `Product ${id}`,
  description: 'A thing',
  category: 'things',
  priceCents: 1_000,
  stock: 10,
  ...overrides,
});

describeEachStore('Inventory', ({ open }) => {
  it('adds products once, lists them by category with a total, and searches literally', async () => {
    const inventory = new Inventory(await open(migrations));
    const added = await inventory.add([
      product('p1', { name: '100% Cotton Shirt', category: 'clothes' }),
      product('p2', { name: 'Cotton_Candy' }),
      product('p3', { name: 'Plain shirt', category: 'clothes' }),
    ]);
    expect(added.map((p) => p.id)).toEqual(['p1', 'p2', 'p3']);
    expect(await inventory.add([product('p1'), product('p4')])).toMatchObject([{ id: 'p4' }]);
    expect(await inventory.list({ category: 'clothes', limit: 1, offset: 1 })).toMatchObject({
      items: [{ id: 'p3' }],
      total: 2,
    });
    expect((await inventory.list({ limit: 10, offset: 0 })).total).toBe(4);
    // % and _ in the query are text, not wildcards; matching ignores case.
    expect((await inventory.search('100%', 10)).items.map((p) => p.id)).toEqual(['p1']);
    expect((await inventory.search('N_C', 10)).items.map((p) => p.id)).toEqual(['p2']);
    expect((await inventory.search('SHIRT', 10)).items.map((p) => p.id)).toEqual(['p1', 'p3']);
  });

  it('reserves all items or none, replays the same reservation, and commits it', async () => {
    const inventory = new Inventory(await open(migrations));
    await inventory.add([product('a', { stock: 5, priceCents: 200 }), product('b', { stock: 1 })]);
    const orderId = randomUUID();
    await expect(
      inventory.reserve(orderId, [
        { productId: 'a', quantity: 2 },
        { productId: 'b', quantity: 2 },
      ]),
    ).rejects.toMatchObject({ status: 409, code: 'insufficient_stock' });
    expect((await inventory.get('a'))!.stock).toBe(5);
    const items = [
      { productId: 'a', quantity: 1 },
      { productId: 'a', quantity: 2 },
    ];
    const first = await inventory.reserve(orderId, items);
    expect(first).toMatchObject({ created: true, reservation: { status: 'reserved', totalCents: 600 } });
    expect(await inventory.reserve(orderId, items)).toMatchObject({ created: false });
    await expect(inventory.reserve(orderId, [{ productId: 'b', quantity: 1 }])).rejects.toMatchObject({
      code: 'reservation_conflict',
    });
    expect((await inventory.get('a'))!.stock).toBe(2);
    expect(await inventory.commit(orderId)).toMatchObject({ status: 'committed' });
    await expect(inventory.release(orderId)).rejects.toMatchObject({ code: 'reservation_committed' });
  });

  it('releases stock once, and a release that comes first blocks a late reserve', async () => {
    const inventory = new Inventory(await open(migrations));
    await inventory.add([product('a', { stock: 3 })]);
    const orderId = randomUUID();
    await inventory.reserve(orderId, [{ productId: 'a', quantity: 3 }]);
    expect(await inventory.release(orderId)).toMatchObject({ status: 'released' });
    expect(await inventory.release(orderId)).toMatchObject({ status: 'released' });
    expect((await inventory.get('a'))!.stock).toBe(3);
    const late = randomUUID();
    expect(await inventory.release(late)).toMatchObject({ status: 'released', items: [] });
    await expect(inventory.reserve(late, [{ productId: 'a', quantity: 1 }])).rejects.toMatchObject({
      code: 'reservation_released',
    });
    expect((await inventory.get('a'))!.stock).toBe(3);
  });

  it('never oversells when two replicas reserve the last units at once', async () => {
    const replicas = [new Inventory(await open(migrations)), new Inventory(await open(migrations))];
    await replicas[0].add([product('last', { stock: 3 })]);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        replicas[i % 2].reserve(randomUUID(), [{ productId: 'last', quantity: 1 }]),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'insufficient_stock' });
    }
    expect((await replicas[1].get('last'))!.stock).toBe(0);
  });
});
