// The eviction subresource decides from the PodDisruptionBudget's status, as kube-apiserver does,
// and spends a disruption in the same step as it deletes the pod.
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from './errors.ts';
import { evictPod } from './eviction.ts';
import { ResourceRegistry } from './resources.ts';
import { Rest, type WriteOptions } from './rest.ts';
import { Store } from './store.ts';

const write: WriteOptions = { dryRun: false, fieldValidation: 'Strict' };
const registry = new ResourceRegistry();
const pods = registry.get('', 'v1', 'pods')!;
const pdbs = registry.get('policy', 'v1', 'poddisruptionbudgets')!;

let rest: Rest;

function pod(name: string, ready: boolean) {
  const created = rest.create(
    pods,
    'ns',
    {
      metadata: { name, labels: { app: 'web' } },
      spec: { containers: [{ name: 'c', image: 'img' }] },
    },
    write,
  ).obj;
  rest.update(
    pods,
    'ns',
    name,
    {
      ...created,
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
    },
    write,
    'status',
  );
}

/** A budget whose status the disruption controller has (or has not yet) written. */
function budget(status: Record<string, unknown> | undefined, spec: Record<string, unknown> = {}) {
  const created = rest.create(
    pdbs,
    'ns',
    {
      metadata: { name: 'web-pdb' },
      spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } }, ...spec },
    },
    write,
  ).obj;
  if (status)
    rest.update(
      pdbs,
      'ns',
      'web-pdb',
      { ...created, status: { observedGeneration: 1, expectedPods: 3, ...status } },
      write,
      'status',
    );
}

function evict(name: string, opts: Partial<WriteOptions> = {}): ApiError | undefined {
  try {
    evictPod(rest, pods, 'ns', name, { metadata: { name } }, { ...write, ...opts });
    return undefined;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
}

const exists = (name: string) => rest.store.get('/pods', `ns/${name}`) !== undefined;
const pdbStatus = () => rest.get(pdbs, 'ns', 'web-pdb').status;

beforeEach(() => {
  rest = new Rest(new Store());
  rest.create(registry.get('', 'v1', 'namespaces')!, undefined, { metadata: { name: 'ns' } }, write);
  for (const n of ['a', 'b', 'c']) pod(n, true);
});

describe('eviction', () => {
  it('spends one disruption and records the pod, then refuses once none is left', () => {
    budget({ currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1, disruptedPods: {} });
    expect(evict('a')).toBeUndefined();
    expect(exists('a')).toBe(false);
    expect(pdbStatus()).toMatchObject({ disruptionsAllowed: 0, disruptedPods: { a: expect.any(String) } });

    const refused = evict('b');
    expect(refused?.code).toBe(429);
    expect(refused?.message).toBe("Cannot evict pod as it would violate the pod's disruption budget.");
    expect(refused?.toStatus().details?.causes?.[0]).toMatchObject({
      reason: 'DisruptionBudget',
      message: 'The disruption budget web-pdb needs 2 healthy pods and has 3 currently',
    });
    expect(exists('b')).toBe(true);
  });

  it('answers 429 while the budget has not been processed by the disruption controller', () => {
    budget(undefined);
    const refused = evict('a');
    expect(refused?.code).toBe(429);
    expect(refused?.toStatus().details?.causes?.[0]?.message).toBe(
      'The disruption budget web-pdb is still being processed by the server.',
    );
    expect(exists('a')).toBe(true);
  });

  it('lets an unready pod go without spending a disruption while the budget is met', () => {
    pod('d', false);
    budget({ currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1, disruptedPods: {} });
    expect(evict('d')).toBeUndefined();
    expect(pdbStatus().disruptionsAllowed).toBe(1);
  });

  it('spends nothing on a dry run', () => {
    budget({ currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1, disruptedPods: {} });
    expect(evict('a', { dryRun: true })).toBeUndefined();
    expect(exists('a')).toBe(true);
    expect(pdbStatus().disruptionsAllowed).toBe(1);
  });

  it('refuses a pod covered by two budgets', () => {
    budget({ currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1, disruptedPods: {} });
    rest.create(
      pdbs,
      'ns',
      { metadata: { name: 'other' }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } } },
      write,
    );
    expect(evict('a')?.code).toBe(500);
    expect(exists('a')).toBe(true);
  });
});
