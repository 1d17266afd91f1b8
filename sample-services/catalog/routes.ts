// The catalog API: browsing (public through the gateway), product administration (admin through
// the gateway) and stock reservations (called by orders).

import type { Router } from 'express';
import { z } from 'zod';
import { HttpError, orderLines, pageQuery, parseInput, productId } from '../lib/index.ts';
import type { Inventory } from './inventory.ts';

const productParams = z.object({ id: productId });
const orderParams = z.object({ orderId: z.uuid() });
const listQuery = pageQuery.extend({ category: z.string().trim().min(1).max(40).optional() });
const searchQuery = z.object({
  q: z.string().trim().min(1, 'give a search term').max(100),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
const newProduct = z.strictObject({
  id: productId.optional(),
  name: z.string().trim().min(1).max(200),
  description: z.string().trim().max(2000).default(''),
  category: z.string().trim().min(1).max(40),
  priceCents: z.number().int().min(0).max(100_000_000),
  stock: z.number().int().min(0).max(1_000_000_000),
});
const stockUpdate = z.strictObject({ stock: z.number().int().min(0).max(1_000_000_000) });
const reservationRequest = z.strictObject({ orderId: z.uuid(), items: orderLines });

export function registerCatalogRoutes(router: Router, inventory: Inventory): void {
  router.get('/api/v1/products', async (req, res) => {
    res.json(await inventory.list(parseInput(listQuery, req.query, 'query')));
  });

  router.get('/api/v1/products/search', async (req, res) => {
    const { q, limit } = parseInput(searchQuery, req.query, 'query');
    res.json(await inventory.search(q, limit));
  });

  router.get('/api/v1/products/:id', async (req, res) => {
    const { id } = parseInput(productParams, req.params, 'params');
    const product = await inventory.get(id);
    if (!product) throw new HttpError(404, 'not_found', `no product ${id}`);
    res.json(product);
  });

  router.post('/api/v1/products', async (req, res) => {
    const input = parseInput(newProduct, req.body, 'body');
    const [product] = await inventory.add([input]);
    if (!product) throw new HttpError(409, 'product_exists', `a product with id ${input.id} already exists`);
    res.status(201).location(`/api/v1/products/${product.id}`).json(product);
  });

  router.put('/api/v1/products/:id/stock', async (req, res) => {
    const { id } = parseInput(productParams, req.params, 'params');
    const { stock } = parseInput(stockUpdate, req.body, 'body');
    const product = await inventory.setStock(id, stock);
    if (!product) throw new HttpError(404, 'not_found', `no product ${id}`);
    res.json(product);
  });

  router.post('/api/v1/reservations', async (req, res) => {
    const { orderId, items } = parseInput(reservationRequest, req.body, 'body');
    const { reservation, created } = await inventory.reserve(orderId, items);
    res.status(created ? 201 : 200).json(reservation);
  });

  router.get('/api/v1/reservations/:orderId', async (req, res) => {
    const { orderId } = parseInput(orderParams, req.params, 'params');
    const reservation = await inventory.reservation(orderId);
    if (!reservation) throw new HttpError(404, 'not_found', `no reservation for order ${orderId}`);
    res.json(reservation);
  });

  router.post('/api/v1/reservations/:orderId/commit', async (req, res) => {
    const { orderId } = parseInput(orderParams, req.params, 'params');
    res.json(await inventory.commit(orderId));
  });

  router.delete('/api/v1/reservations/:orderId', async (req, res) => {
    const { orderId } = parseInput(orderParams, req.params, 'params');
    res.json(await inventory.release(orderId));
  });
}
