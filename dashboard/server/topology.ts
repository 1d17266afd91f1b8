// Which service calls which. Services do not declare their upstreams in their manifests (they find
// each other by name), so the bundled fleet's call graph is known here, and any Deployment can
// state its own with the `homeostat.dev/calls` annotation (comma-separated Deployment names).
export const CALLS_ANNOTATION = 'homeostat.dev/calls';

/** The bundled fleet: gateway → users, catalog, orders; the orders saga → catalog, payments, notifications. */
export const FLEET_CALLS: Readonly<Record<string, readonly string[]>> = {
  gateway: ['users', 'catalog', 'orders'],
  orders: ['catalog', 'payments', 'notifications'],
};

export function callsOf(name: string, annotations: Record<string, string> | undefined): string[] {
  const declared = annotations?.[CALLS_ANNOTATION];
  if (declared !== undefined)
    return declared
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  return [...(FLEET_CALLS[name] ?? [])];
}
