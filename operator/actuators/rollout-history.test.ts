import { describe, expect, it } from 'vitest';
import {
  currentOf,
  previousOf,
  type RawReplicaSet,
  type Revisioned,
  revisionNumbered,
  revisionOf,
  sameTemplate,
} from './rollout-history.ts';

function template(image: string, hash?: string) {
  return {
    metadata: {
      labels: { app: 'a', ...(hash ? { 'pod-template-hash': hash } : {}) },
      creationTimestamp: null,
    },
    spec: { containers: [{ name: 'c', image, env: [] }] },
  };
}

function rs(
  name: string,
  revision: string | undefined,
  image: string,
  extra: Record<string, string> = {},
): RawReplicaSet {
  const annotations: Record<string, string> = { ...extra };
  if (revision !== undefined) annotations['deployment.kubernetes.io/revision'] = revision;
  return {
    metadata: { name, uid: name, annotations, creationTimestamp: `2030-01-01T00:00:0${name.length % 10}Z` },
    spec: { template: template(image, `h-${name}`) },
  };
}

describe('rollout history', () => {
  it('compares templates ignoring pod-template-hash, with empty and missing fields equal', () => {
    expect(sameTemplate(template('x:1', 'aaa'), template('x:1'))).toBe(true);
    expect(
      sameTemplate(template('x:1'), {
        metadata: { labels: { app: 'a' } },
        spec: { containers: [{ name: 'c', image: 'x:1' }] },
      }),
    ).toBe(true);
    expect(sameTemplate(template('x:1'), template('x:2'))).toBe(false);
  });

  it('reads revisions, skipping ReplicaSets without a number, and remembers reused numbers', () => {
    expect(revisionOf(rs('a', undefined, 'x:1'))).toBeUndefined();
    expect(revisionOf(rs('a', 'v2', 'x:1'))).toBeUndefined();
    const reused = revisionOf(rs('a', '5', 'x:1', { 'deployment.kubernetes.io/revision-history': '1,3' }))!;
    expect([reused.revision, reused.history]).toEqual([5, [1, 3]]);
  });

  it("picks kubectl's previous revision and finds revisions by their old numbers", () => {
    const history = [
      rs('r1', '1', 'x:1'),
      rs('r3', '3', 'x:3'),
      rs('r2', '2', 'x:2', { 'deployment.kubernetes.io/revision-history': '0' }),
    ]
      .map(revisionOf)
      .filter((h): h is Revisioned => h !== undefined);
    expect(previousOf(history)?.rs.metadata.name).toBe('r2');
    expect(previousOf(history.slice(0, 1))).toBeUndefined();
    expect(revisionNumbered(history, 3)?.rs.metadata.name).toBe('r3');
    expect(revisionNumbered(history, 0)?.rs.metadata.name).toBe('r2');
    expect(revisionNumbered(history, 9)).toBeUndefined();
    const d = { metadata: { name: 'd', uid: 'd' }, spec: { selector: {}, template: template('x:2') } };
    expect(currentOf(d, history)?.revision).toBe(2);
  });
});
