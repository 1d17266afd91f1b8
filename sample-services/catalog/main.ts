// catalog: products, search, and stock held by reservations keyed by order id.

import { envBoolean, positiveInt, runService } from '../lib/index.ts';
import { Inventory, migrations } from './inventory.ts';
import { registerCatalogRoutes } from './routes.ts';
import { demoCatalogue } from './seed.ts';

await runService({
  name: 'catalog',
  config: {
    // Load the demo catalogue at start when the product table is empty.
    SEED_CATALOG: envBoolean(true),
    SEED_STOCK: positiveInt(1_000_000),
  },
  migrations,
  setup({ config, store, log }, router) {
    const inventory = new Inventory(store);
    registerCatalogRoutes(router, inventory);
    return {
      async beforeReady() {
        if (!config.SEED_CATALOG) return;
        const { total } = await inventory.list({ limit: 1, offset: 0 });
        if (total > 0) return;
        const added = await inventory.add(demoCatalogue(config.SEED_STOCK));
        log.info({ products: added.length }, 'seeded the demo catalogue');
      },
    };
  },
});
