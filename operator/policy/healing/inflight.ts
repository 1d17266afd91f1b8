/** Pods acted on so recently that their last action may not have shown yet. */
import { type Context, countsAsAction } from '../context.ts';

export function podsInFlight(ctx: Context): Set<string> {
  const busy = new Set<string>();
  for (const d of ctx.history) {
    if (d.pod === undefined || ctx.now - d.time >= ctx.options.inflightMs) continue;
    if ((d.action === 'Restart' || d.action === 'Quarantine') && countsAsAction(d.outcome, ctx.mode))
      busy.add(d.pod);
  }
  return busy;
}
