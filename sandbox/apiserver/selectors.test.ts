import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from './errors.ts';
import {
  builtinFieldSelectorSupport,
  escapeFieldValue,
  fieldGetter,
  fieldSelectorToString,
  labelSelectorFromObject,
  labelSelectorFromSet,
  labelSelectorToString,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  type Requirement,
  unescapeFieldValue,
  validateLabelSelector,
} from './selectors.ts';

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
}

const QUALIFIED_NAME_HELP =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
  "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

describe('parseLabelSelector', () => {
  it('parses every operator and sorts requirements by key', () => {
    const sel = parseLabelSelector(
      'tier notin (cache), app in (web,api),!legacy, env=prod, track==stable, zone!=a, gen>3, rank<9, team',
    );
    expect(sel.requirements).toEqual<Requirement[]>([
      { key: 'app', operator: 'in', values: ['api', 'web'] },
      { key: 'env', operator: '=', values: ['prod'] },
      { key: 'gen', operator: 'gt', values: ['3'] },
      { key: 'legacy', operator: '!', values: [] },
      { key: 'rank', operator: 'lt', values: ['9'] },
      { key: 'team', operator: 'exists', values: [] },
      { key: 'tier', operator: 'notin', values: ['cache'] },
      { key: 'track', operator: '==', values: ['stable'] },
      { key: 'zone', operator: '!=', values: ['a'] },
    ]);
  });

  it('prints the canonical form kube prints', () => {
    const sel = parseLabelSelector('b in (z,y),  a  =  1,!c,d');
    expect(labelSelectorToString(sel)).toBe('a=1,b in (y,z),!c,d');
  });

  it('treats the empty string as a selector that matches everything', () => {
    const sel = parseLabelSelector('');
    expect(sel.requirements).toEqual([]);
    expect(matchesLabels(sel, {})).toBe(true);
    expect(matchesLabels(sel, { a: 'b' })).toBe(true);
  });

  it('accepts empty values and the keywords as keys or values', () => {
    expect(parseLabelSelector('a=').requirements).toEqual([{ key: 'a', operator: '=', values: [''] }]);
    expect(parseLabelSelector('a in ()').requirements).toEqual([{ key: 'a', operator: 'in', values: [''] }]);
    expect(parseLabelSelector('a in (,b)').requirements).toEqual([
      { key: 'a', operator: 'in', values: ['', 'b'] },
    ]);
    expect(parseLabelSelector('in in (in,notin)').requirements).toEqual([
      { key: 'in', operator: 'in', values: ['in', 'notin'] },
    ]);
  });

  it('accepts prefixed keys', () => {
    const sel = parseLabelSelector('app.kubernetes.io/name=web');
    expect(matchesLabels(sel, { 'app.kubernetes.io/name': 'web' })).toBe(true);
  });

  it.each([
    ['a=b,', "found '', expected: identifier after ','"],
    [',a', "found ',', expected: !, identifier, or 'end of string'"],
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['a in x', "unable to parse requirement: found 'x' expected: '('"],
    ['a in (x y)', "unable to parse requirement: found 'y', expected: ',' or ')'"],
    ['a in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ['a=(', "unable to parse requirement: found '(', expected: identifier"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['!a=b', "found '=', expected: ',' or 'end of string'"],
    [
      'a>x',
      "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer",
    ],
    ['-a=b', `unable to parse requirement: <nil>: Invalid value: "-a": name part ${QUALIFIED_NAME_HELP}`],
  ])('rejects %j with kube’s message', (input, message) => {
    const err = apiError(() => parseLabelSelector(input));
    expect(err.code).toBe(400);
    expect(err.reason).toBe('BadRequest');
    expect(err.message).toBe(message);
  });

  it('enforces label value syntax and length with kube’s field path', () => {
    const long = 'x'.repeat(64);
    expect(apiError(() => parseLabelSelector(`a=${long}`)).message).toBe(
      `unable to parse requirement: values[0][a]: Invalid value: "${long}": must be no more than 63 characters`,
    );
    expect(apiError(() => parseLabelSelector('a=-b')).message).toContain(
      'values[0][a]: Invalid value: "-b": a valid label must be an empty string',
    );
  });

  it('enforces the 63-character name part and 253-character prefix of keys', () => {
    expect(() => parseLabelSelector(`${'k'.repeat(63)}=v`)).not.toThrow();
    expect(apiError(() => parseLabelSelector(`${'k'.repeat(64)}=v`)).message).toContain(
      'name part must be no more than 63 characters',
    );
    const prefix = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    expect(prefix.length).toBe(253);
    expect(() => parseLabelSelector(`${prefix}/k`)).not.toThrow();
    expect(apiError(() => parseLabelSelector(`${prefix}d/k`)).message).toContain(
      'prefix part must be no more than 253 characters',
    );
    expect(apiError(() => parseLabelSelector('Example.com/k')).message).toContain(
      'prefix part a lowercase RFC 1123 subdomain',
    );
    expect(apiError(() => parseLabelSelector('a/b/c')).message).toContain('a qualified name must consist of');
    expect(apiError(() => parseLabelSelector('/k')).message).toContain('prefix part must be non-empty');
  });
});

describe('matchesLabels', () => {
  const labels = { app: 'web', tier: 'front', gen: '7' };
  it.each([
    ['app=web', true],
    ['app==web', true],
    ['app=api', false],
    ['missing=x', false],
    ['app!=api', true],
    ['missing!=x', true],
    ['app!=web', false],
    ['app in (api,web)', true],
    ['app in (api)', false],
    ['missing in (x)', false],
    ['app notin (api)', true],
    ['app notin (web)', false],
    ['missing notin (x)', true],
    ['tier', true],
    ['missing', false],
    ['!missing', true],
    ['!tier', false],
    ['gen>6', true],
    ['gen>7', false],
    ['gen<8', true],
    ['app>1', false],
    ['missing<1', false],
    ['app=web,tier=front', true],
    ['app=web,tier=back', false],
  ])('%s → %s', (selector, expected) => {
    expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it('treats absent labels like an empty set', () => {
    expect(matchesLabels(parseLabelSelector('!a'), undefined)).toBe(true);
    expect(matchesLabels(parseLabelSelector('a'), undefined)).toBe(false);
  });
});

const labelName = fc.stringMatching(/^[a-z0-9]([a-z0-9._-]{0,10}[a-z0-9])?$/);
const labelKey = fc.oneof(
  labelName,
  fc
    .tuple(fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?(\.[a-z]{2,4})?$/), labelName)
    .map(([p, n]) => `${p}/${n}`),
);
const labelValue = fc.oneof(fc.constant(''), labelName);

describe('label selector properties', () => {
  it('printing then parsing gives back the same requirements', () => {
    const requirement = fc.oneof(
      fc.record({
        key: labelKey,
        operator: fc.constantFrom('=', '==', '!=' as const),
        values: fc.tuple(labelValue),
      }),
      fc.record({
        key: labelKey,
        operator: fc.constantFrom('in', 'notin' as const),
        values: fc.uniqueArray(labelValue, { minLength: 1, maxLength: 4 }),
      }),
      fc.record({
        key: labelKey,
        operator: fc.constantFrom('exists', '!' as const),
        values: fc.constant([]),
      }),
      fc.record({
        key: labelKey,
        operator: fc.constantFrom('gt', 'lt' as const),
        values: fc.tuple(fc.nat().map(String)),
      }),
    );
    fc.assert(
      fc.property(fc.uniqueArray(requirement, { selector: (r) => r.key, maxLength: 5 }), (reqs) => {
        const sorted = [...reqs]
          .map((r) => ({ ...r, values: [...r.values].sort() }))
          .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        const text = labelSelectorToString({ requirements: sorted as Requirement[] });
        expect(parseLabelSelector(text).requirements).toEqual(sorted);
      }),
    );
  });

  it('a selector built from a label set matches that set and any superset', () => {
    fc.assert(
      fc.property(
        fc.dictionary(labelKey, labelValue, { maxKeys: 5 }),
        fc.dictionary(labelKey, labelValue),
        (set, extra) => {
          const sel = labelSelectorFromSet(set);
          expect(matchesLabels(sel, set)).toBe(true);
          expect(matchesLabels(sel, { ...extra, ...set })).toBe(true);
          expect(matchesLabels(parseLabelSelector(labelSelectorToString(sel)), set)).toBe(true);
        },
      ),
    );
  });

  it('notin is the complement of in', () => {
    fc.assert(
      fc.property(
        labelKey,
        fc.uniqueArray(labelValue, { minLength: 1, maxLength: 3 }),
        fc.dictionary(labelKey, labelValue),
        (key, values, labels) => {
          const inSel = parseLabelSelector(`${key} in (${values.join(',')})`);
          const notInSel = parseLabelSelector(`${key} notin (${values.join(',')})`);
          expect(matchesLabels(inSel, labels)).toBe(!matchesLabels(notInSel, labels));
        },
      ),
    );
  });
});

describe('labelSelectorFromObject', () => {
  it('combines matchLabels and matchExpressions', () => {
    const sel = labelSelectorFromObject({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['front', 'edge'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'zone', operator: 'NotIn', values: ['b'] },
        { key: 'team', operator: 'Exists' },
      ],
    });
    expect(matchesLabels(sel, { app: 'web', tier: 'edge', team: 'x' })).toBe(true);
    expect(matchesLabels(sel, { app: 'web', tier: 'edge' })).toBe(false);
    expect(matchesLabels(sel, { app: 'web', tier: 'edge', team: 'x', canary: 'y' })).toBe(false);
    expect(matchesLabels(sel, { app: 'web', tier: 'edge', team: 'x', zone: 'b' })).toBe(false);
    expect(labelSelectorToString(sel)).toBe('app=web,!canary,team,tier in (edge,front),zone notin (b)');
  });

  it('matches nothing when absent and everything when empty', () => {
    expect(matchesLabels(labelSelectorFromObject(undefined), {})).toBe(false);
    expect(matchesLabels(labelSelectorFromObject(null), { a: 'b' })).toBe(false);
    expect(matchesLabels(labelSelectorFromObject({}), { a: 'b' })).toBe(true);
    expect(matchesLabels(labelSelectorFromObject({ matchLabels: {}, matchExpressions: [] }), {})).toBe(true);
  });

  it('rejects invalid selectors naming the fields', () => {
    const err = apiError(() =>
      labelSelectorFromObject(
        {
          matchExpressions: [
            { key: 'a', operator: 'Equals', values: ['x'] },
            { key: 'b', operator: 'In' },
          ],
        },
        'spec.selector',
      ),
    );
    expect(err.code).toBe(400);
    expect(err.details?.causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.selector.matchExpressions[0].operator',
        message: 'Invalid value: "Equals": not a valid selector operator',
      },
      {
        reason: 'FieldValueRequired',
        field: 'spec.selector.matchExpressions[1].values',
        message: "Required value: must be specified when `operator` is 'In' or 'NotIn'",
      },
    ]);
    expect(err.message).toContain('spec.selector.matchExpressions[0].operator: Invalid value: "Equals"');
  });

  it('validates keys and values like ValidateLabelSelector', () => {
    expect(
      validateLabelSelector(
        {
          matchLabels: { 'bad key': 'v', ok: 'bad value' },
          matchExpressions: [{ key: 'k', operator: 'Exists', values: ['x'] }],
        },
        'spec.selector',
      ).map((c) => `${c.field}: ${c.message.split(':').slice(0, 3).join(':')}`),
    ).toEqual([
      "spec.selector.matchLabels: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      "spec.selector.matchLabels: Invalid value: \"bad value\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      "spec.selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    ]);
  });
});

describe('parseFieldSelector', () => {
  it('parses =, == and != terms', () => {
    const sel = parseFieldSelector('status.phase!=Failed,metadata.name==web,spec.nodeName=node-1');
    expect(sel.requirements).toEqual([
      { field: 'metadata.name', operator: '=', value: 'web' },
      { field: 'spec.nodeName', operator: '=', value: 'node-1' },
      { field: 'status.phase', operator: '!=', value: 'Failed' },
    ]);
    expect(fieldSelectorToString(sel)).toBe('metadata.name=web,spec.nodeName=node-1,status.phase!=Failed');
  });

  it('ignores empty terms and accepts the empty selector', () => {
    expect(parseFieldSelector('').requirements).toEqual([]);
    expect(parseFieldSelector('a=b,,').requirements).toEqual([{ field: 'a', operator: '=', value: 'b' }]);
  });

  it('unescapes values and splits only on unescaped commas', () => {
    const sel = parseFieldSelector('metadata.name=a\\,b\\=c\\\\d');
    expect(sel.requirements).toEqual([{ field: 'metadata.name', operator: '=', value: 'a,b=c\\d' }]);
    expect(fieldSelectorToString(sel)).toBe('metadata.name=a\\,b\\=c\\\\d');
  });

  it.each([
    ['spec.nodeName', "invalid selector: 'spec.nodeName'; can't understand 'spec.nodeName'"],
    ['a=b=c', 'invalid field selector: unescaped character in value: 61'],
    ['a=b\\x', 'invalid field selector: invalid escape sequence: \\x'],
    ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
  ])('rejects %j', (input, message) => {
    const err = apiError(() => parseFieldSelector(input));
    expect(err.code).toBe(400);
    expect(err.message).toBe(message);
  });

  it('rejects fields the resource does not support', () => {
    const pods = builtinFieldSelectorSupport('Pod');
    expect(() => parseFieldSelector('spec.nodeName=n1,status.phase=Running', pods.fields)).not.toThrow();
    expect(apiError(() => parseFieldSelector('spec.foo=x', pods.fields)).message).toBe(
      'field label not supported: spec.foo',
    );
    const configMaps = builtinFieldSelectorSupport('ConfigMap');
    expect(configMaps.defaultConversion).toBe(true);
    expect(apiError(() => parseFieldSelector('data.x=y', configMaps.fields, configMaps)).message).toBe(
      '"data.x" is not a known field selector: only "metadata.name", "metadata.namespace"',
    );
  });

  it('round-trips arbitrary values through escaping', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        expect(unescapeFieldValue(escapeFieldValue(value))).toBe(value);
        const sel = parseFieldSelector(`metadata.name=${escapeFieldValue(value)}`);
        expect(sel.requirements[0]?.value ?? '').toBe(value);
      }),
    );
  });
});

describe('matchesFields and fieldGetter', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'shop' },
    spec: { restartPolicy: 'Always' },
    status: { phase: 'Running', podIPs: [{ ip: '127.1.0.5' }] },
  };

  it('compares absent fields as the empty string', () => {
    const get = fieldGetter(pod);
    expect(matchesFields(parseFieldSelector('spec.nodeName='), get)).toBe(true);
    expect(matchesFields(parseFieldSelector('spec.nodeName!='), get)).toBe(false);
    expect(matchesFields(parseFieldSelector('spec.nodeName=n1'), get)).toBe(false);
  });

  it('resolves pod fields the way the pod registry exposes them', () => {
    const get = fieldGetter(pod);
    expect(get('metadata.name')).toBe('web-1');
    expect(get('status.phase')).toBe('Running');
    expect(get('status.podIP')).toBe('127.1.0.5');
    expect(get('spec.hostNetwork')).toBe('false');
    expect(fieldGetter({ ...pod, spec: { hostNetwork: true } })('spec.hostNetwork')).toBe('true');
    expect(matchesFields(parseFieldSelector('status.phase=Running,metadata.namespace=shop'), get)).toBe(true);
  });

  it('resolves event and replica set fields', () => {
    const event = {
      kind: 'Event',
      involvedObject: { kind: 'Pod', name: 'web-1' },
      reason: 'Killing',
      reportingComponent: 'kubelet',
      source: {},
    };
    const get = fieldGetter(event);
    expect(get('involvedObject.kind')).toBe('Pod');
    expect(get('source')).toBe('kubelet');
    expect(fieldGetter({ ...event, source: { component: 'scheduler' } })('source')).toBe('scheduler');
    expect(fieldGetter({ kind: 'ReplicaSet', status: { replicas: 3 } })('status.replicas')).toBe('3');
    expect(fieldGetter({ kind: 'ReplicaSet', status: {} })('status.replicas')).toBe('0');
    expect(fieldGetter({ kind: 'Node', spec: {} })('spec.unschedulable')).toBe('false');
  });

  it('does not expose objects or lists as field values', () => {
    expect(fieldGetter(pod)('metadata')).toBeUndefined();
    expect(fieldGetter(pod)('status.podIPs')).toBeUndefined();
  });
});
