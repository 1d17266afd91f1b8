// The demo catalogue: 24 products with stable ids (sku-0001 … sku-0024), so load generators and
// examples can name products without asking first.

import type { NewProduct } from './inventory.ts';

const CATALOGUE: Record<string, string[]> = {
  books: ['Field Guide to Birds', 'Site Reliability Workbook', 'Queueing Theory Primer', 'Atlas of Rivers'],
  kitchen: ['Cast Iron Skillet', 'Pour-Over Kettle', 'Chef Knife', 'Sourdough Starter Kit'],
  garden: ['Pruning Shears', 'Rain Barrel', 'Heirloom Tomato Seeds', 'Compost Bin'],
  outdoor: ['Trail Backpack', 'Insulated Bottle', 'Camping Lantern', 'Trekking Poles'],
  tools: ['Cordless Drill', 'Torque Wrench', 'Laser Level', 'Socket Set'],
  games: ['Chess Set', 'Puzzle 1000 Pieces', 'Card Game Classics', 'Strategy Board Game'],
};

export function demoCatalogue(stock: number): NewProduct[] {
  const products: NewProduct[] = [];
  for (const [category, names] of Object.entries(CATALOGUE)) {
    for (const name of names) {
      const n = products.length + 1;
      products.push({
        id: `sku-${String(n).padStart(4, '0')}`,
        name,
        description: `${name} from the Homeostat demo shop (${category}).`,
        category,
        priceCents: 499 + ((n * 731) % 9000),
        stock,
      });
    }
  }
  return products;
}
