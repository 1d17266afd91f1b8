// Controller references and the adopt/release rules of Kubernetes' ControllerRefManager.

import type { KubernetesObject, V1OwnerReference } from '@kubernetes/client-node';
import { isNotFound } from './errors.ts';

export function controllerRefOf(obj: KubernetesObject | undefined): V1OwnerReference | undefined {
  return obj?.metadata?.ownerReferences?.find((r) => r.controller === true);
}

export function newControllerRef(
  owner: KubernetesObject,
  apiVersion: string,
  kind: string,
): V1OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata?.name as string,
    uid: owner.metadata?.uid as string,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export interface ClaimOptions<T extends KubernetesObject> {
  owner: KubernetesObject;
  /** Whether the object should belong to the owner (its selector matches). */
  matches: (obj: T) => boolean;
  /** Writes the owner's controller reference onto the orphan. */
  adopt: (obj: T) => Promise<void>;
  /** Removes the owner's reference from an object it no longer selects. */
  release: (obj: T) => Promise<void>;
  /**
   * Fresh check (not from cache) that the owner still exists with the same uid and is not being
   * deleted; adopting for a deleted owner would hand the object to the garbage collector.
   */
  canAdopt: () => Promise<void>;
}

/**
 * The objects the owner controls after adopting matching orphans and releasing owned objects that
 * no longer match. Errors are collected and rethrown after every object was tried, so one failure
 * does not stop the rest but still makes the caller retry.
 */
export async function claimObjects<T extends KubernetesObject>(
  objects: readonly T[],
  o: ClaimOptions<T>,
): Promise<T[]> {
  const claimed: T[] = [];
  const errors: unknown[] = [];
  const ownerUid = o.owner.metadata?.uid;
  const ownerDeleting = !!o.owner.metadata?.deletionTimestamp;
  let adoptable: Promise<void> | undefined;
  for (const obj of objects) {
    const ref = controllerRefOf(obj);
    try {
      if (ref) {
        if (ref.uid !== ownerUid) continue;
        if (o.matches(obj)) {
          claimed.push(obj);
          continue;
        }
        if (ownerDeleting) continue;
        await o.release(obj);
        continue;
      }
      if (ownerDeleting || !o.matches(obj) || obj.metadata?.deletionTimestamp) continue;
      if (o.owner.metadata?.namespace && o.owner.metadata.namespace !== obj.metadata?.namespace) continue;
      adoptable ??= o.canAdopt();
      await adoptable;
      await o.adopt(obj);
      claimed.push(obj);
    } catch (err) {
      if (!isNotFound(err)) errors.push(err);
    }
  }
  if (errors.length) throw errors[0];
  return claimed;
}
