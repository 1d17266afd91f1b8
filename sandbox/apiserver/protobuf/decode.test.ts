import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.ts';
import { decodeKubernetesProtobuf, isProtobufContentType, supportedKinds } from './index.ts';
import { build, envelope, type ProtoWriter } from './test-support/proto-writer.ts';

const decode = (apiVersion: string, kind: string, raw: (w: ProtoWriter) => unknown) =>
  decodeKubernetesProtobuf(envelope(apiVersion, kind, raw)).object;

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
}

const named = (name: string) => (m: ProtoWriter) => m.string(1, name);
const time = (seconds: number, nanos?: number) => (t: ProtoWriter) => {
  t.varint(1, seconds);
  if (nanos !== undefined) t.varint(2, nanos);
};

describe('the envelope', () => {
  it('puts kind and apiVersion first and fills Go zero values as kube JSON does', () => {
    const obj = decode('v1', 'Namespace', (w) => w.message(1, named('prod')));
    expect(JSON.stringify(obj)).toBe(
      '{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"prod","creationTimestamp":null},"spec":{},"status":{}}',
    );
    expect(decodeKubernetesProtobuf(envelope('v1', 'Namespace', () => {}))).toMatchObject({
      apiVersion: 'v1',
      kind: 'Namespace',
    });
  });

  it('refuses bodies without the k8s\\0 prefix', () => {
    const e = apiError(() => decodeKubernetesProtobuf(Buffer.from('{"kind":"Pod"}')));
    expect(e.code).toBe(400);
    expect(e.message).toMatch(
      /does not start with the "k8s\\x00" prefix of application\/vnd.kubernetes.protobuf/,
    );
    expect(apiError(() => decodeKubernetesProtobuf(Buffer.alloc(0))).code).toBe(400);
  });

  it('refuses an envelope without a kind', () => {
    const e = apiError(() => decodeKubernetesProtobuf(envelope('v1', '', () => {})));
    expect([e.code, e.message]).toEqual([400, expect.stringMatching(/does not name a kind/)]);
  });

  it('answers 415 for kinds it has no table for, naming the kind', () => {
    const e = apiError(() => decodeKubernetesProtobuf(envelope('batch/v1', 'Job', () => {})));
    expect(e.code).toBe(415);
    expect(e.reason).toBe('UnsupportedMediaType');
    expect(e.message).toBe(
      'the sandbox cannot decode Job (apiVersion "batch/v1") from protobuf; send JSON or YAML (kubectl apply -f) instead',
    );
  });

  it('answers 415 for compressed or non-protobuf raw objects', () => {
    const gz = apiError(() =>
      decodeKubernetesProtobuf(envelope('v1', 'Pod', () => {}, { contentEncoding: 'gzip' })),
    );
    expect([gz.code, gz.message]).toEqual([415, expect.stringMatching(/content encoding "gzip"/)]);
    const json = apiError(() =>
      decodeKubernetesProtobuf(envelope('v1', 'Pod', () => {}, { contentType: 'application/json' })),
    );
    expect([json.code, json.message]).toEqual([
      415,
      expect.stringMatching(/raw object as "application\/json"/),
    ]);
    const proto = envelope('v1', 'Pod', () => {}, { contentType: 'application/vnd.kubernetes.protobuf' });
    expect(decodeKubernetesProtobuf(proto).kind).toBe('Pod');
  });

  it('accepts DeleteOptions labelled with any group version, as kube registers it in each', () => {
    for (const gv of ['v1', 'apps/v1', 'meta.k8s.io/v1']) {
      const obj = decode(gv, 'DeleteOptions', (w) => w.varint(1, 0).string(4, 'Foreground').string(5, 'All'));
      expect(obj).toEqual({
        kind: 'DeleteOptions',
        apiVersion: gv,
        gracePeriodSeconds: 0,
        propagationPolicy: 'Foreground',
        dryRun: ['All'],
      });
    }
  });

  it('decodes an empty object of every supported kind', () => {
    for (const entry of supportedKinds()) {
      const [apiVersion, kind] = entry.split(' ') as [string, string];
      const obj = decode(apiVersion === '<any>' ? 'v1' : apiVersion, kind, () => {});
      expect(obj.kind).toBe(kind);
    }
  });
});

describe('Go zero values, pointers and omitempty', () => {
  it('keeps explicit zero and false behind pointers and drops them from plain omitempty fields', () => {
    const obj = decode('apps/v1', 'Deployment', (w) =>
      w.message(
        2,
        (spec) =>
          spec
            .varint(1, 0) // replicas *int32
            .varint(5, 0) // minReadySeconds int32,omitempty
            .bool(7, false) // paused bool,omitempty
            .varint(6, 0), // revisionHistoryLimit *int32
      ),
    );
    expect(obj.spec).toEqual({
      replicas: 0,
      selector: null, // *LabelSelector without omitempty
      template: { metadata: { creationTimestamp: null }, spec: { containers: null } },
      strategy: {},
      revisionHistoryLimit: 0,
    });
  });

  it('writes zero-valued plain fields that lack omitempty', () => {
    const obj = decode('policy/v1', 'PodDisruptionBudget', () => {});
    expect(obj.status).toEqual({
      disruptionsAllowed: 0,
      currentHealthy: 0,
      desiredHealthy: 0,
      expectedPods: 0,
    });
    const svc = decode('v1', 'Service', (w) => w.message(2, (s) => s.message(1, (p) => p.varint(3, 80))));
    // targetPort is a struct (IntOrString): omitempty never drops it.
    expect(svc.spec).toEqual({ ports: [{ port: 80, targetPort: 0 }] });
    expect(svc.status).toEqual({ loadBalancer: {} });
  });

  it('reads negative int32 and int64 values', () => {
    const obj = decode('v1', 'Pod', (w) =>
      w
        .message(1, (m) => m.string(1, 'p').varint(7, -3).varint(10, -1))
        .message(3, (s) =>
          s.message(8, (cs) =>
            cs.string(1, 'app').message(2, (st) => st.message(3, (t) => t.varint(1, -1).varint(2, -9))),
          ),
        ),
    );
    expect(obj.metadata).toEqual({
      name: 'p',
      generation: -3,
      creationTimestamp: null,
      deletionGracePeriodSeconds: -1,
    });
    const status = obj.status as { containerStatuses: Record<string, unknown>[] };
    expect(status.containerStatuses[0]).toEqual({
      name: 'app',
      state: { terminated: { exitCode: -1, signal: -9, startedAt: null, finishedAt: null } },
      lastState: {},
      ready: false,
      restartCount: 0,
      image: '',
      imageID: '',
    });
  });

  it('inlines embedded structs such as VolumeSource and ProbeHandler', () => {
    const obj = decode('v1', 'Pod', (w) =>
      w.message(2, (spec) =>
        spec
          .message(1, (v) =>
            v
              .string(1, 'cfg')
              .message(2, (src) => src.message(19, (cm) => cm.message(1, named('app-config')))),
          )
          .message(2, (c) =>
            c
              .string(1, 'app')
              .message(11, (p) =>
                p
                  .message(1, (h) =>
                    h.message(2, (g) =>
                      g.string(1, '/ready').message(2, (port) => port.varint(1, 1).string(3, 'http')),
                    ),
                  )
                  .varint(4, 5),
              ),
          ),
      ),
    );
    const spec = obj.spec as Record<string, unknown>;
    expect(spec.volumes).toEqual([{ name: 'cfg', configMap: { name: 'app-config' } }]);
    expect(spec.containers).toEqual([
      {
        name: 'app',
        resources: {},
        readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 5 },
      },
    ]);
  });
});

describe('repeated fields and maps', () => {
  it('reads packed and unpacked repeated numbers alike, in order', () => {
    const groups = (fill: (sc: ProtoWriter) => unknown) =>
      (decode('v1', 'Pod', (w) => w.message(2, (s) => s.message(14, fill))).spec as any).securityContext
        .supplementalGroups;
    expect(groups((sc) => sc.varint(4, 1000).varint(4, -1))).toEqual([1000, -1]);
    expect(groups((sc) => sc.packed(4, [1000, -1]))).toEqual([1000, -1]);
    expect(groups((sc) => sc.packed(4, [1]).varint(4, 2).packed(4, [3, 4]))).toEqual([1, 2, 3, 4]);
  });

  it('keeps repeated strings and messages in wire order', () => {
    const obj = decode('v1', 'Pod', (w) =>
      w.message(2, (s) =>
        s.message(2, (c) => c.string(1, 'a').string(3, 'sh').string(3, '-c').string(3, 'echo hi')),
      ),
    );
    expect((obj.spec as any).containers[0].command).toEqual(['sh', '-c', 'echo hi']);
  });

  it('decodes maps from entry messages, sorted by key as Go writes them, last duplicate winning', () => {
    const obj = decode('v1', 'ConfigMap', (w) =>
      w
        .message(1, (m) =>
          m
            .entry(11, 'zone', (e) => e.string(2, 'b'))
            .entry(11, 'app', (e) => e.string(2, 'web'))
            .entry(11, 'zone', (e) => e.string(2, 'c')),
        )
        .entry(2, 'empty', undefined)
        .entry(2, undefined, (e) => e.string(2, 'no key')),
    );
    expect(JSON.stringify((obj.metadata as any).labels)).toBe('{"app":"web","zone":"c"}');
    expect(obj.data).toEqual({ '': 'no key', empty: '' });
  });

  it('keeps a "__proto__" key as data rather than changing the prototype', () => {
    const obj = decode('v1', 'ConfigMap', (w) => w.entry(2, '__proto__', (e) => e.string(2, 'x')));
    const data = obj.data as Record<string, unknown>;
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.hasOwn(data, '__proto__')).toBe(true);
    expect(JSON.stringify(data)).toBe('{"__proto__":"x"}');
  });

  it('renders []byte values as base64, a missing value as empty', () => {
    const obj = decode('v1', 'Secret', (w) =>
      w
        .entry(2, 'bin', (e) => e.bytes(2, Buffer.from([0, 1, 0xff, 0xfe])))
        .entry(2, 'none', undefined)
        .string(3, 'Opaque'),
    );
    expect(obj).toEqual({
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { creationTimestamp: null },
      data: { bin: 'AAH//g==', none: '' },
      type: 'Opaque',
    });
  });

  it('decodes quantity maps, with a missing quantity as "0" and an empty one refused', () => {
    const limits = (value: ((q: ProtoWriter) => unknown) | undefined) =>
      (
        decode('v1', 'Pod', (w) =>
          w.message(2, (s) =>
            s.message(2, (c) => c.string(1, 'a').message(8, (r) => r.entry(1, 'cpu', value))),
          ),
        ).spec as any
      ).containers[0].resources.limits;
    expect(limits((e) => e.message(2, (q) => q.string(1, '250m')))).toEqual({ cpu: '250m' });
    expect(limits(undefined)).toEqual({ cpu: '0' });
    expect(limits((e) => e.message(2, () => {}))).toEqual({ cpu: '0' });
    const e = apiError(() => limits((v) => v.message(2, (q) => q.string(1, ''))));
    expect([e.code, e.message]).toEqual([
      400,
      expect.stringMatching(
        /quantity \(at spec.containers\[0\].resources.limits\[cpu\]\) is an empty string/,
      ),
    ]);
  });
});

describe('special apimachinery types', () => {
  const eventWith = (fill: (w: ProtoWriter) => unknown) => decode('v1', 'Event', fill);

  it('renders Time as RFC 3339 seconds in UTC, dropping nanoseconds as kube does', () => {
    const obj = eventWith((w) => w.message(6, time(1700000000, 999_999_999)).message(7, time(0)));
    expect(obj.firstTimestamp).toBe('2023-11-14T22:13:20Z');
    expect(obj.lastTimestamp).toBe('1970-01-01T00:00:00Z');
  });

  it('renders MicroTime with microseconds, truncating nanoseconds toward zero', () => {
    expect(eventWith((w) => w.message(10, time(1700000000, 123_456_789))).eventTime).toBe(
      '2023-11-14T22:13:20.123456Z',
    );
    expect(eventWith((w) => w.message(10, time(1700000000, -1_000))).eventTime).toBe(
      '2023-11-14T22:13:19.999999Z',
    );
    expect(eventWith((w) => w.message(10, time(1700000000, 1_500_000_000))).eventTime).toBe(
      '2023-11-14T22:13:21.500000Z',
    );
  });

  it('renders the zero time, sent as an empty message or as Go zero seconds, as null', () => {
    const obj = eventWith((w) =>
      w
        .message(6, () => {})
        .message(7, time(-62135596800))
        .message(10, time(-62135596800, 0)),
    );
    expect([obj.firstTimestamp, obj.lastTimestamp, obj.eventTime]).toEqual([null, null, null]);
    const lease = decode('coordination.k8s.io/v1', 'Lease', (w) =>
      w.message(2, (s) => s.message(3, () => {})),
    );
    expect(lease.spec).toEqual({ acquireTime: null });
  });

  it('refuses times outside four-digit years', () => {
    const e = apiError(() => eventWith((w) => w.message(6, time(253402300800))));
    expect([e.code, e.message]).toEqual([
      400,
      expect.stringMatching(/timestamp \(at firstTimestamp\).*outside the years 0000-9999/),
    ]);
  });

  it('renders IntOrString as a number or a string and refuses unknown types', () => {
    const pdb = (fill: (v: ProtoWriter) => unknown) =>
      (decode('policy/v1', 'PodDisruptionBudget', (w) => w.message(2, (s) => s.message(1, fill))).spec as any)
        .minAvailable;
    expect(pdb((v) => v.varint(1, 0).varint(2, 2).string(3, ''))).toBe(2);
    expect(pdb((v) => v.varint(1, 1).varint(2, 0).string(3, '50%'))).toBe('50%');
    expect(pdb(() => {})).toBe(0);
    const e = apiError(() => pdb((v) => v.varint(1, 7)));
    expect([e.code, e.message]).toEqual([
      400,
      expect.stringMatching(/IntOrString \(at spec.minAvailable\) has type 7/),
    ]);
  });

  it('decodes a NetworkPolicy as typed clients send it, the empty podSelector included', () => {
    const policy = decode('networking.k8s.io/v1', 'NetworkPolicy', (w) =>
      w.message(1, named('db')).message(2, (spec) =>
        spec
          .message(1, () => {})
          .message(2, (rule) =>
            rule
              .message(1, (port) => port.message(2, (p) => p.varint(1, 0).varint(2, 5432)).varint(3, 5440))
              .message(2, (peer) =>
                peer.message(3, (block) => block.string(1, '10.0.0.0/8').string(2, '10.1.0.0/16')),
              ),
          )
          .string(4, 'Ingress'),
      ),
    );
    expect(policy).toEqual({
      kind: 'NetworkPolicy',
      apiVersion: 'networking.k8s.io/v1',
      metadata: { name: 'db', creationTimestamp: null },
      spec: {
        podSelector: {},
        ingress: [
          {
            ports: [{ port: 5432, endPort: 5440 }],
            from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }],
          },
        ],
        policyTypes: ['Ingress'],
      },
    });
  });

  it('parses the JSON carried by managed fields', () => {
    const obj = decode('v1', 'ConfigMap', (w) =>
      w.message(1, (m) =>
        m.message(17, (mf) =>
          mf
            .string(1, 'kubectl')
            .string(2, 'Apply')
            .message(4, time(1700000000))
            .string(6, 'FieldsV1')
            .message(7, (f) => f.bytes(1, Buffer.from('{"f:data":{"f:a":{}}}'))),
        ),
      ),
    );
    expect((obj.metadata as any).managedFields).toEqual([
      {
        manager: 'kubectl',
        operation: 'Apply',
        time: '2023-11-14T22:13:20Z',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': { 'f:a': {} } },
      },
    ]);
  });
});

describe('protobuf merge semantics', () => {
  it('merges a message field that occurs twice and lets the last scalar win', () => {
    const obj = decode('apps/v1', 'Deployment', (w) =>
      w
        .message(1, (m) => m.string(1, 'first').entry(11, 'a', (e) => e.string(2, '1')))
        .message(1, (m) => m.string(1, 'second').entry(11, 'b', (e) => e.string(2, '2'))),
    );
    expect(obj.metadata).toEqual({ name: 'second', creationTimestamp: null, labels: { a: '1', b: '2' } });
  });
});

describe('fields the sandbox does not know', () => {
  it('refuses an unknown field with 415 naming the type, the number and where it is', () => {
    const body = envelope('apps/v1', 'Deployment', (w) =>
      w.message(2, (s) => s.message(3, (t) => t.message(2, (p) => p.message(2, named('c')).string(41, 'x')))),
    );
    const e = apiError(() => decodeKubernetesProtobuf(body));
    expect(e.code).toBe(415);
    expect(e.message).toBe(
      'protobuf field 41 of core/v1.PodSpec (at spec.template.spec) is not supported by the sandbox; send JSON or YAML (kubectl apply -f) instead',
    );
    expect(e.details?.causes).toEqual([
      {
        reason: 'FieldValueNotSupported',
        message: 'unknown protobuf field 41 of core/v1.PodSpec (at spec.template.spec)',
        field: 'spec.template.spec',
      },
    ]);
  });

  it('lists every unknown field once, including ones in the envelope and in list items', () => {
    const body = build((w) =>
      w
        .raw(
          envelope('v1', 'Pod', (p) =>
            p
              .varint(9, 1)
              .message(2, (s) =>
                s.message(1, (v) => v.string(1, 'nfs').message(2, (src) => src.message(7, () => {}))),
              )
              .varint(9, 2),
          ),
        )
        .varint(7, 1),
    );
    const e = apiError(() => decodeKubernetesProtobuf(body));
    expect(e.code).toBe(415);
    expect(e.message).toBe(
      'protobuf fields not supported by the sandbox: field 7 of runtime.Unknown, field 9 of core/v1.Pod, field 7 of core/v1.VolumeSource (at spec.volumes[0]); send JSON or YAML (kubectl apply -f) instead',
    );
  });

  it('refuses a known field sent with the wrong wire type as malformed', () => {
    const e = apiError(() => decodeKubernetesProtobuf(envelope('v1', 'Namespace', (w) => w.varint(1, 5))));
    expect(e.code).toBe(400);
    expect(e.message).toMatch(
      /field 1 \(metadata\) of core\/v1.Namespace arrived with the varint wire type at byte \d+; its type meta\/v1.ObjectMeta is encoded as length-delimited/,
    );
  });

  it('refuses int64 values beyond 2^53', () => {
    const e = apiError(() => decode('v1', 'Pod', (w) => w.message(1, (m) => m.varint(7, 2n ** 62n))));
    expect([e.code, e.message]).toEqual([
      400,
      expect.stringMatching(/the int64 at metadata.generation holds 4611686018427387904/),
    ]);
  });
});

describe('malformed input', () => {
  const valid = envelope('apps/v1', 'Deployment', (w) =>
    w
      .message(1, (m) => m.string(1, 'web').entry(11, 'app', (e) => e.string(2, 'web')))
      .message(2, (s) =>
        s
          .varint(1, 3)
          .message(2, (sel) => sel.entry(1, 'app', (e) => e.string(2, 'web')))
          .message(3, (t) =>
            t.message(2, (p) => p.message(2, (c) => c.string(1, 'nginx').string(2, 'nginx'))),
          ),
      ),
  );

  it('decodes the reference body', () => {
    expect((decodeKubernetesProtobuf(valid).object.spec as any).template.spec.containers[0].image).toBe(
      'nginx',
    );
  });

  it('answers every truncation of a body with a 400 or a shorter valid object, never a crash', () => {
    for (let n = 0; n < valid.length; n++) {
      try {
        decodeKubernetesProtobuf(valid.subarray(0, n));
      } catch (e) {
        expect(e, `truncated at ${n}`).toBeInstanceOf(ApiError);
        expect((e as ApiError).code, `truncated at ${n}`).toBe(400);
      }
    }
    const inRaw = apiError(() => decodeKubernetesProtobuf(valid.subarray(0, valid.length - 3)));
    expect(inRaw.message).toMatch(/declares \d+ bytes but only \d+ remain/);
  });

  it('throws nothing but ApiError for random bytes, random raw objects or mutated bodies', () => {
    const kinds = supportedKinds().map((k) => k.split(' ') as [string, string]);
    const onlyApiErrors = (body: Buffer) => {
      try {
        decodeKubernetesProtobuf(body);
      } catch (e) {
        if (!(e instanceof ApiError) || ![400, 415].includes(e.code)) throw e;
      }
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        onlyApiErrors(Buffer.concat([Buffer.from('k8s\0', 'latin1'), bytes]));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.uint8Array({ maxLength: 300 }), ([gv, kind], raw) => {
        onlyApiErrors(envelope(gv === '<any>' ? 'v1' : gv, kind, Buffer.from(raw)));
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        (edits) => {
          const body = Buffer.from(valid);
          for (const [at, byte] of edits) body[at] = byte;
          onlyApiErrors(body);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('isProtobufContentType', () => {
  it('matches the Kubernetes protobuf media type with or without parameters, and nothing else', () => {
    expect(isProtobufContentType('application/vnd.kubernetes.protobuf')).toBe(true);
    expect(isProtobufContentType('Application/VND.Kubernetes.Protobuf; charset=binary')).toBe(true);
    expect(isProtobufContentType('application/json')).toBe(false);
    expect(isProtobufContentType('application/vnd.kubernetes.protobuf+json')).toBe(false);
    expect(isProtobufContentType(undefined)).toBe(false);
  });
});
