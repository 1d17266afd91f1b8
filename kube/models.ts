// Decoding raw JSON into @kubernetes/client-node's typed models (Date fields and all), so objects from
// informers look exactly like those the generated API clients return.
import type { KubernetesObject } from '@kubernetes/client-node';
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';

/** A decoder for an informer, e.g. `modelDecoder<V1Pod>('V1Pod')`. */
export function modelDecoder<T extends KubernetesObject>(typeName: string): (raw: unknown) => T {
  const probe = {};
  // The serializer hands back unknown types untouched: that is how a typo shows.
  if (ObjectSerializer.deserialize(probe, typeName, '') === probe)
    throw new Error(`unknown @kubernetes/client-node model "${typeName}" (expected a name such as "V1Pod")`);
  return (raw) => ObjectSerializer.deserialize(raw, typeName, '') as T;
}
