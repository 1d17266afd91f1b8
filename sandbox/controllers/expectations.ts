// ControllerExpectations: a controller that just created or deleted pods must not act again on a
// cache that does not show those changes yet, or it would create (or delete) twice. It records what
// it expects to observe and syncs only once the informer has seen it all — or the expectation has
// expired, in case an event was lost.

export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface Expectation {
  adds: number;
  /** Keys of the pods whose deletion is awaited (UIDTrackingControllerExpectations). */
  deletes: Set<string>;
  at: number;
}

export class Expectations {
  private readonly map = new Map<string, Expectation>();

  constructor(private readonly timeoutMs = EXPECTATIONS_TIMEOUT_MS) {}

  /** True when the controller may trust its cache for this key. */
  satisfied(key: string, now = Date.now()): boolean {
    const e = this.map.get(key);
    if (!e) return true;
    if (e.adds <= 0 && e.deletes.size === 0) return true;
    return now - e.at > this.timeoutMs;
  }

  expectCreations(key: string, n: number): void {
    this.map.set(key, { adds: n, deletes: new Set(), at: Date.now() });
  }

  expectDeletions(key: string, podKeys: string[]): void {
    this.map.set(key, { adds: 0, deletes: new Set(podKeys), at: Date.now() });
  }

  creationObserved(key: string): void {
    const e = this.map.get(key);
    if (e && e.adds > 0) e.adds--;
  }

  deletionObserved(key: string, podKey: string): void {
    this.map.get(key)?.deletes.delete(podKey);
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  pending(key: string): { adds: number; deletes: number } | undefined {
    const e = this.map.get(key);
    return e && { adds: e.adds, deletes: e.deletes.size };
  }
}
