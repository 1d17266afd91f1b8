import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deserializePathElement,
  FieldSet,
  type Path,
  pathToString,
  serializePathElement,
} from './field-set.ts';

const f = (field: string) => ({ field });

describe('path elements', () => {
  it('serialize in the FieldsV1 spelling', () => {
    expect(serializePathElement({ field: 'spec' })).toBe('f:spec');
    expect(serializePathElement({ key: { protocol: 'TCP', containerPort: 80 } })).toBe(
      'k:{"containerPort":80,"protocol":"TCP"}',
    );
    expect(serializePathElement({ value: 'example.com/finalizer' })).toBe('v:"example.com/finalizer"');
    expect(serializePathElement({ index: 3 })).toBe('i:3');
    expect(serializePathElement({ key: { name: '<a&b>' } })).toBe('k:{"name":"\\u003ca\\u0026b\\u003e"}');
  });

  it('parse back what they serialize', () => {
    for (const s of ['f:metadata', 'k:{"name":"app"}', 'v:"x"', 'v:3', 'i:0', 'f:a.b/c']) {
      expect(serializePathElement(deserializePathElement(s))).toBe(s);
    }
    expect(() => deserializePathElement('x:1')).toThrow('unknown path element type');
    expect(() => deserializePathElement('f')).toThrow();
  });

  it('print paths as conflict messages do', () => {
    const path: Path = [
      f('spec'),
      f('template'),
      f('spec'),
      f('containers'),
      { key: { name: 'nginx' } },
      f('image'),
    ];
    expect(pathToString(path)).toBe('.spec.template.spec.containers[name="nginx"].image');
    expect(pathToString([f('metadata'), f('finalizers'), { value: 'a' }])).toBe('.metadata.finalizers[="a"]');
    expect(pathToString([f('ports'), { key: { protocol: 'TCP', port: 80 } }])).toBe(
      '.ports[port=80,protocol="TCP"]',
    );
    expect(pathToString([f('args'), { index: 2 }])).toBe('.args[2]');
  });
});

describe('FieldSet', () => {
  const set = FieldSet.fromPaths([
    [f('spec'), f('replicas')],
    [f('spec'), f('template'), f('spec'), f('containers'), { key: { name: 'a' } }],
    [f('spec'), f('template'), f('spec'), f('containers'), { key: { name: 'a' } }, f('image')],
    [f('metadata'), f('labels'), f('app')],
  ]);

  it('encodes FieldsV1 with "." for members that have children', () => {
    expect(set.toFieldsV1()).toEqual({
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"a"}': { '.': {}, 'f:image': {} } } } },
      },
    });
  });

  it('orders fields before keys before values, and "." first', () => {
    const s = FieldSet.fromPaths([
      [f('l'), { value: 'x' }],
      [f('l'), { key: { n: 'b' } }],
      [f('l'), f('z')],
      [f('l')],
    ]);
    expect(Object.keys(s.toFieldsV1()['f:l'] as object)).toEqual(['.', 'f:z', 'k:{"n":"b"}', 'v:"x"']);
  });

  it('decodes FieldsV1, members included', () => {
    const decoded = FieldSet.fromFieldsV1(set.toFieldsV1());
    expect(decoded.paths().map(pathToString)).toEqual(set.paths().map(pathToString));
    expect(decoded.has([f('spec'), f('template'), f('spec'), f('containers'), { key: { name: 'a' } }])).toBe(
      true,
    );
    expect(decoded.has([f('spec'), f('template')])).toBe(false);
    expect(() => FieldSet.fromFieldsV1({ 'f:a': 1 })).toThrow('must be an object');
  });

  it('lists paths members first, then children, each sorted', () => {
    expect(set.paths().map(pathToString)).toEqual([
      '.metadata.labels.app',
      '.spec.replicas',
      '.spec.template.spec.containers[name="a"]',
      '.spec.template.spec.containers[name="a"].image',
    ]);
  });

  it('supports union, difference, recursive difference and intersection', () => {
    const other = FieldSet.fromPaths([
      [f('spec'), f('replicas')],
      [f('spec'), f('paused')],
    ]);
    expect(set.intersection(other).paths().map(pathToString)).toEqual(['.spec.replicas']);
    expect(set.union(other).has([f('spec'), f('paused')])).toBe(true);
    expect(set.difference(other).has([f('spec'), f('replicas')])).toBe(false);
    expect(set.difference(FieldSet.fromPaths([[f('spec')]])).has([f('spec'), f('replicas')])).toBe(true);
    expect(
      set
        .recursiveDifference(FieldSet.fromPaths([[f('spec')]]))
        .paths()
        .map(pathToString),
    ).toEqual(['.metadata.labels.app']);
  });

  const pe = fc.oneof(
    fc.stringMatching(/^[a-z]{1,3}$/).map((field) => ({ field })),
    fc.stringMatching(/^[a-z]{1,3}$/).map((name) => ({ key: { name } })),
    fc.oneof(fc.string({ maxLength: 3 }), fc.integer()).map((value) => ({ value })),
  );
  const paths = fc.array(fc.array(pe, { minLength: 1, maxLength: 4 }), { maxLength: 8 });

  it('FieldsV1 round-trips any set', () => {
    fc.assert(
      fc.property(paths, (ps) => {
        const s = FieldSet.fromPaths(ps);
        const back = FieldSet.fromFieldsV1(JSON.parse(JSON.stringify(s.toFieldsV1())));
        expect(back.paths().map(pathToString)).toEqual(s.paths().map(pathToString));
      }),
    );
  });

  it('set algebra agrees with membership', () => {
    fc.assert(
      fc.property(paths, paths, (a, b) => {
        const sa = FieldSet.fromPaths(a);
        const sb = FieldSet.fromPaths(b);
        for (const p of [...a, ...b]) {
          expect(sa.union(sb).has(p)).toBe(sa.has(p) || sb.has(p));
          expect(sa.intersection(sb).has(p)).toBe(sa.has(p) && sb.has(p));
          expect(sa.difference(sb).has(p)).toBe(sa.has(p) && !sb.has(p));
        }
      }),
    );
  });
});

describe('encoding reuse', () => {
  const fields = {
    'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
    'f:status': { 'f:conditions': { 'k:{"type":"Ready"}': { '.': {}, 'f:status': {}, 'f:type': {} } } },
  };

  it('a set decoded from stored FieldsV1 encodes to the same object, and to what a fresh decode encodes', () => {
    const stored = FieldSet.fromFieldsV1(fields, true);
    expect(stored.toFieldsV1()).toBe(fields);
    expect(FieldSet.fromFieldsV1(fields).toFieldsV1()).toEqual(fields);
  });

  it('set operations hand back an operand when the result equals it, and compute otherwise', () => {
    const all = FieldSet.fromFieldsV1(fields);
    const labels = FieldSet.fromPaths([[f('metadata'), f('labels'), f('app')]]);
    const other = FieldSet.fromPaths([[f('spec'), f('replicas')]]);
    expect(all.difference(other)).toBe(all);
    expect(all.union(labels)).toBe(all);
    expect(labels.union(all)).toBe(all);
    expect(labels.isSubsetOf(all)).toBe(true);
    expect(all.isSubsetOf(labels)).toBe(false);
    const without = all.difference(labels);
    expect(without).not.toBe(all);
    expect(without.has([f('metadata'), f('labels'), f('app')])).toBe(false);
    expect(without.has([f('metadata'), f('labels')])).toBe(true);
    const both = other.union(labels);
    expect(both.paths().map(pathToString).sort()).toEqual(['.metadata.labels.app', '.spec.replicas'].sort());
  });
});
