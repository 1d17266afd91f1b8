// payments: idempotent charges and refunds.

import { positiveInt, runService } from '../lib/index.ts';
import { Ledger, migrations } from './ledger.ts';
import { registerPaymentRoutes } from './routes.ts';

await runService({
  name: 'payments',
  config: {
    // Charges above this amount are declined, like a card limit.
    MAX_CHARGE_CENTS: positiveInt(1_000_000),
  },
  migrations,
  setup({ config, store, metrics }, router) {
    registerPaymentRoutes(router, new Ledger(store, config.MAX_CHARGE_CENTS), metrics);
    return {};
  },
});
