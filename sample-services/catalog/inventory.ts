// Products and stock. A reservation holds stock for one order (keyed by order id) and is
// idempotent: reserving again with the same items returns the same reservation. Releasing a
// reservation that does not exist yet leaves a tombstone, so a reserve that arrives late (after
// the order's saga already gave up and compensated) cannot take stock nobody will release.

import { createHash, randomUUID } from 'node:crypto';
import { HttpError, isoTime, type Migration, type SqlExecutor, type Store } from '../lib/index.ts';

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'products and reservations',
    sql: `
      CREATE TABLE products (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        category TEXT NOT NULL,
        price_cents BIGINT NOT NULL CHECK (price_cents >= 0),
        stock BIGINT NOT NULL CHECK (stock >= 0),
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX products_category ON products (category, id);
      CREATE TABLE reservations (
        order_id TEXT PRIMARY KEY,
        status TEXT NOT NULL CHECK (status IN ('reserved', 'committed', 'released')),
        items TEXT NOT NULL,
        items_hash TEXT NOT NULL,
        total_cents BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );`,
  },
];

export const CURRENCY = 'USD';

interface ProductRow {
  id: string;
  name: string;
  description: string;
  category: string;
  price_cents: number;
  stock: number;
  created_at: number;
  updated_at: number;
}

export interface Product {
  id: string;
  name: string;
  description: string;
  category: string;
  priceCents: number;
  currency: string;
  stock: number;
  updatedAt: string;
}

function toProduct(row: ProductRow): Product {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    category: row.category,
    priceCents: row.price_cents,
    currency: CURRENCY,
    stock: row.stock,
    updatedAt: isoTime(row.updated_at),
  };
}

export type ReservationStatus = 'reserved' | 'committed' | 'released';

interface ReservationRow {
  order_id: string;
  status: ReservationStatus;
  items: string;
  items_hash: string;
  total_cents: number;
  created_at: number;
  updated_at: number;
}

export interface ReservedItem {
  productId: string;
  quantity: number;
  unitPriceCents: number;
}

export interface Reservation {
  orderId: string;
  status: ReservationStatus;
  items: ReservedItem[];
  totalCents: number;
  currency: string;
  updatedAt: string;
}

function toReservation(row: ReservationRow): Reservation {
  return {
    orderId: row.order_id,
    status: row.status,
    items: JSON.parse(row.items) as ReservedItem[],
    totalCents: row.total_cents,
    currency: CURRENCY,
    updatedAt: isoTime(row.updated_at),
  };
}

export interface NewProduct {
  id?: string;
  name: string;
  description: string;
  category: string;
  priceCents: number;
  stock: number;
}

/** Same product twice in one request counts once, with the quantities added. */
function mergeItems(items: readonly { productId: string; quantity: number }[]): Map<string, number> {
  const merged = new Map<string, number>();
  for (const item of items) merged.set(item.productId, (merged.get(item.productId) ?? 0) + item.quantity);
  return new Map([...merged.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export class Inventory {
  constructor(private readonly store: Store) {}

  async list(filter: { category?: string; limit: number; offset: number }) {
    const where = filter.category ? 'WHERE category = ?' : '';
    const params = filter.category ? [filter.category] : [];
    const rows = await this.store.all<ProductRow>(
      `SELECT * FROM products ${where} ORDER BY id LIMIT ? OFFSET ?`,
      [...params, filter.limit, filter.offset],
    );
    const count = await this.store.get<{ n: number }>(`SELECT COUNT(*) AS n FROM products ${where}`, params);
    return { items: rows.map(toProduct), total: count?.n ?? 0, limit: filter.limit, offset: filter.offset };
  }

  async search(query: string, limit: number) {
    const pattern = `%${escapeLike(query.toLowerCase())}%`;
    const rows = await this.store.all<ProductRow>(
      `SELECT * FROM products
       WHERE lower(name) LIKE ? ESCAPE '\\' OR lower(description) LIKE ? ESCAPE '\\' OR lower(category) LIKE ? ESCAPE '\\'
       ORDER BY name LIMIT ?`,
      [pattern, pattern, pattern, limit],
    );
    return { items: rows.map(toProduct), query };
  }

  async get(id: string): Promise<Product | undefined> {
    const row = await this.store.get<ProductRow>('SELECT * FROM products WHERE id = ?', [id]);
    return row ? toProduct(row) : undefined;
  }

  /** Inserts products whose ids are new; returns how many were inserted. */
  async add(products: readonly NewProduct[]): Promise<Product[]> {
    return this.store.transaction(async (tx) => {
      const added: Product[] = [];
      const now = Date.now();
      for (const p of products) {
        const rows = await tx.all<ProductRow>(
          `INSERT INTO products (id, name, description, category, price_cents, stock, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING *`,
          [p.id ?? randomUUID(), p.name, p.description, p.category, p.priceCents, p.stock, now, now],
        );
        if (rows[0]) added.push(toProduct(rows[0]));
      }
      return added;
    });
  }

  async setStock(id: string, stock: number): Promise<Product | undefined> {
    const rows = await this.store.all<ProductRow>(
      'UPDATE products SET stock = ?, updated_at = ? WHERE id = ? RETURNING *',
      [stock, Date.now(), id],
    );
    return rows[0] ? toProduct(rows[0]) : undefined;
  }

  async reservation(orderId: string): Promise<Reservation | undefined> {
    const row = await this.store.get<ReservationRow>('SELECT * FROM reservations WHERE order_id = ?', [
      orderId,
    ]);
    return row ? toReservation(row) : undefined;
  }

  /** Takes stock for every item or none. `created` is false when the same reservation already existed. */
  async reserve(
    orderId: string,
    items: readonly { productId: string; quantity: number }[],
  ): Promise<{ reservation: Reservation; created: boolean }> {
    const merged = mergeItems(items);
    const itemsHash = createHash('sha256')
      .update(JSON.stringify([...merged]))
      .digest('hex');
    return this.store.transaction(async (tx) => {
      const existing = await tx.get<ReservationRow>('SELECT * FROM reservations WHERE order_id = ?', [
        orderId,
      ]);
      if (existing) return { reservation: this.replay(existing, itemsHash), created: false };
      const reserved: ReservedItem[] = [];
      for (const [productId, quantity] of merged) {
        reserved.push(await this.take(tx, productId, quantity));
      }
      const total = reserved.reduce((sum, item) => sum + item.unitPriceCents * item.quantity, 0);
      const now = Date.now();
      const rows = await tx.all<ReservationRow>(
        `INSERT INTO reservations (order_id, status, items, items_hash, total_cents, created_at, updated_at)
         VALUES (?, 'reserved', ?, ?, ?, ?, ?) RETURNING *`,
        [orderId, JSON.stringify(reserved), itemsHash, total, now, now],
      );
      return { reservation: toReservation(rows[0]), created: true };
    });
  }

  /** Returns the stock of a held reservation. Idempotent; unknown orders get a tombstone. */
  async release(orderId: string): Promise<Reservation> {
    return this.store.transaction(async (tx) => {
      const now = Date.now();
      const existing = await tx.get<ReservationRow>('SELECT * FROM reservations WHERE order_id = ?', [
        orderId,
      ]);
      if (!existing) {
        const rows = await tx.all<ReservationRow>(
          `INSERT INTO reservations (order_id, status, items, items_hash, total_cents, created_at, updated_at)
           VALUES (?, 'released', '[]', '', 0, ?, ?) RETURNING *`,
          [orderId, now, now],
        );
        return toReservation(rows[0]);
      }
      if (existing.status === 'released') return toReservation(existing);
      if (existing.status === 'committed') {
        throw new HttpError(
          409,
          'reservation_committed',
          `the reservation of order ${orderId} is already committed`,
        );
      }
      for (const item of JSON.parse(existing.items) as ReservedItem[]) {
        await tx.run('UPDATE products SET stock = stock + ?, updated_at = ? WHERE id = ?', [
          item.quantity,
          now,
          item.productId,
        ]);
      }
      const rows = await tx.all<ReservationRow>(
        `UPDATE reservations SET status = 'released', updated_at = ? WHERE order_id = ? RETURNING *`,
        [now, orderId],
      );
      return toReservation(rows[0]);
    });
  }

  /** Makes a reservation final (the order is confirmed). Idempotent. */
  async commit(orderId: string): Promise<Reservation> {
    return this.store.transaction(async (tx) => {
      const existing = await tx.get<ReservationRow>('SELECT * FROM reservations WHERE order_id = ?', [
        orderId,
      ]);
      if (!existing) throw new HttpError(404, 'not_found', `no reservation for order ${orderId}`);
      if (existing.status === 'released') {
        throw new HttpError(409, 'reservation_released', `the reservation of order ${orderId} was released`);
      }
      if (existing.status === 'committed') return toReservation(existing);
      const rows = await tx.all<ReservationRow>(
        `UPDATE reservations SET status = 'committed', updated_at = ? WHERE order_id = ? RETURNING *`,
        [Date.now(), orderId],
      );
      return toReservation(rows[0]);
    });
  }

  private replay(existing: ReservationRow, itemsHash: string): Reservation {
    if (existing.status === 'released') {
      throw new HttpError(
        409,
        'reservation_released',
        `the reservation of order ${existing.order_id} was released`,
        {
          reservation: toReservation(existing),
        },
      );
    }
    if (existing.items_hash !== itemsHash) {
      throw new HttpError(
        409,
        'reservation_conflict',
        `order ${existing.order_id} already holds a reservation with different items`,
      );
    }
    return toReservation(existing);
  }

  private async take(tx: SqlExecutor, productId: string, quantity: number): Promise<ReservedItem> {
    const product = await tx.get<ProductRow>('SELECT * FROM products WHERE id = ?', [productId]);
    if (!product) {
      throw new HttpError(422, 'unknown_product', `no product ${productId}`, { productId });
    }
    const { changes } = await tx.run(
      'UPDATE products SET stock = stock - ?, updated_at = ? WHERE id = ? AND stock >= ?',
      [quantity, Date.now(), productId, quantity],
    );
    if (changes === 0) {
      throw new HttpError(
        409,
        'insufficient_stock',
        `only ${product.stock} of ${productId} left, ${quantity} wanted`,
        {
          productId,
          available: product.stock,
          requested: quantity,
        },
      );
    }
    return { productId, quantity, unitPriceCents: product.price_cents };
  }
}
