// How many of the eligible pods a selection mode hits, and which ones: a seeded shuffle of the pods
// in a canonical order, so the same seed and the same pods always give the same targets.
import type { SelectionMode } from '../../../crds/index.ts';
import { seededRandom } from './random.ts';

export interface PodRef {
  namespace: string;
  name: string;
}

export function podKey(p: PodRef): string {
  return `${p.namespace}/${p.name}`;
}

export function comparePods(a: PodRef, b: PodRef): number {
  return a.namespace === b.namespace
    ? a.name < b.name
      ? -1
      : a.name > b.name
        ? 1
        : 0
    : a.namespace < b.namespace
      ? -1
      : 1;
}

/**
 * Pods a mode hits out of `eligible`. Percentages are rounded to the nearest pod and never below
 * one (33 % of 3 pods is 1 pod, not 0): an experiment with eligible pods always hits something.
 * RandomMaxPercent draws between 1 and that many pods.
 */
export function targetCount(
  mode: SelectionMode,
  value: number | undefined,
  eligible: number,
  random: () => number,
): number {
  if (eligible === 0) return 0;
  const ofPercent = (p: number) => Math.min(eligible, Math.max(1, Math.round((eligible * p) / 100)));
  switch (mode) {
    case 'One':
      return 1;
    case 'All':
      return eligible;
    case 'Fixed':
      return Math.min(eligible, value ?? 1);
    case 'FixedPercent':
      return ofPercent(value ?? 100);
    case 'RandomMaxPercent': {
      const max = ofPercent(value ?? 100);
      return 1 + Math.floor(random() * max);
    }
  }
}

/** The targets of one run: deterministic in (mode, value, seed, the set of eligible pods). */
export function selectTargets<T extends PodRef>(
  eligible: readonly T[],
  mode: SelectionMode,
  value: number | undefined,
  seed: number,
): T[] {
  const pods = [...eligible].sort(comparePods);
  const random = seededRandom(seed);
  const count = targetCount(mode, value, pods.length, random);
  // Partial Fisher-Yates: the first `count` places are a uniform random choice.
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (pods.length - i));
    [pods[i], pods[j]] = [pods[j], pods[i]];
  }
  return pods.slice(0, count).sort(comparePods);
}
