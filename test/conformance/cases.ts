// The conformance cases: API semantics our operator, chaos engine and dashboard rely on, driven
// only through @kubernetes/client-node (typed APIs, Watch and informers), as they will run.
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  loadYaml,
  makeInformer,
  NetworkingV1Api,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type V1ConfigMap,
  type V1CustomResourceDefinition,
  type V1Deployment,
  Watch,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterTarget, eventually, expectStatus, uniqueName } from './harness.ts';

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

function deployment(name: string, replicas = 1, image = 'homeostat/echo:dev'): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        // A node selector no node has keeps pods Pending: these cases test the API, not the kubelet.
        spec: {
          nodeSelector: { 'conformance.homeostat.dev/never': 'true' },
          containers: [{ name: 'main', image, env: [{ name: 'A', value: '1' }] }],
        },
      },
    },
  };
}

export const widgetCrd = (group: string) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `widgets.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'] },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: {
          status: {},
          scale: {
            specReplicasPath: '.spec.replicas',
            statusReplicasPath: '.status.replicas',
            labelSelectorPath: '.status.selector',
          },
        },
        additionalPrinterColumns: [{ name: 'Size', type: 'string', jsonPath: '.spec.size' }],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['size'],
                properties: {
                  size: { type: 'string', enum: ['S', 'M', 'L'] },
                  replicas: { type: 'integer', minimum: 0, default: 1 },
                  labels: { type: 'object', additionalProperties: { type: 'string' } },
                },
              },
              status: {
                type: 'object',
                properties: {
                  replicas: { type: 'integer' },
                  selector: { type: 'string' },
                  phase: { type: 'string' },
                },
              },
            },
          },
        },
      },
    ],
  },
});

export function conformanceSuite(label: string, connect: () => Promise<ClusterTarget>): void {
  describe(`Kubernetes API conformance: ${label}`, () => {
    let t: ClusterTarget;
    let core: CoreV1Api;
    let apps: AppsV1Api;
    let ns: string;

    beforeAll(async () => {
      t = await connect();
      core = t.kc.makeApiClient(CoreV1Api);
      apps = t.kc.makeApiClient(AppsV1Api);
      ns = uniqueName('conf');
      await core.createNamespace({
        body: { metadata: { name: ns, annotations: { 'homeostat.dev/test': 'conformance' } } },
      });
    });

    afterAll(async () => {
      await core?.deleteNamespace({ name: ns }).catch(() => undefined);
      await t?.stop();
    });

    it('creates, reads, lists and deletes with uid, creationTimestamp and resourceVersion set by the server', async () => {
      const created = await core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 'crud' }, data: { k: 'v' } },
      });
      expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
      expect(created.metadata?.resourceVersion).toMatch(/^\d+$/);
      expect(Date.parse(created.metadata!.creationTimestamp as unknown as string)).not.toBeNaN();
      const read = await core.readNamespacedConfigMap({ name: 'crud', namespace: ns });
      expect(read.data).toEqual({ k: 'v' });
      const list = await core.listNamespacedConfigMap({ namespace: ns });
      expect(list.items.map((c) => c.metadata?.name)).toContain('crud');
      expect(list.metadata?.resourceVersion).toMatch(/^\d+$/);
      await core.deleteNamespacedConfigMap({ name: 'crud', namespace: ns });
      await expectStatus(core.readNamespacedConfigMap({ name: 'crud', namespace: ns }), 404, 'NotFound');
    });

    it('answers AlreadyExists, NotFound and a missing namespace with Status bodies', async () => {
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'dup' } } });
      const dup = await expectStatus(
        core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'dup' } } }),
        409,
        'AlreadyExists',
      );
      expect(dup.message).toContain('"dup" already exists');
      await expectStatus(core.readNamespacedSecret({ name: 'nope', namespace: ns }), 404, 'NotFound');
      await expectStatus(
        core.createNamespacedConfigMap({
          namespace: uniqueName('missing'),
          body: { metadata: { name: 'x' } },
        }),
        404,
        'NotFound',
      );
    });

    it('generates names from generateName', async () => {
      const a = await core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { generateName: 'gen-' } },
      });
      const b = await core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { generateName: 'gen-' } },
      });
      expect(a.metadata?.name).toMatch(/^gen-[a-z0-9]{5}$/);
      expect(a.metadata?.name).not.toBe(b.metadata?.name);
    });

    it('rejects an update made from a stale resourceVersion with 409 Conflict', async () => {
      const cm = await core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 'occ' }, data: { n: '0' } },
      });
      const first = await core.replaceNamespacedConfigMap({
        name: 'occ',
        namespace: ns,
        body: { ...cm, data: { n: '1' } },
      });
      expect(Number(first.metadata?.resourceVersion)).toBeGreaterThan(Number(cm.metadata?.resourceVersion));
      const conflict = await expectStatus(
        core.replaceNamespacedConfigMap({ name: 'occ', namespace: ns, body: { ...cm, data: { n: '2' } } }),
        409,
        'Conflict',
      );
      expect(conflict.message).toContain('the object has been modified');
      expect((await core.readNamespacedConfigMap({ name: 'occ', namespace: ns })).data).toEqual({ n: '1' });
    });

    it('bumps generation on spec changes only, and keeps status out of the main resource', async () => {
      const d = await apps.createNamespacedDeployment({ namespace: ns, body: deployment('gen') });
      expect(d.metadata?.generation).toBe(1);
      const labelled = await apps.patchNamespacedDeployment(
        { name: 'gen', namespace: ns, body: { metadata: { labels: { extra: 'yes' } } } },
        merge,
      );
      expect(labelled.metadata?.generation).toBe(1);
      const scaled = await apps.patchNamespacedDeployment(
        { name: 'gen', namespace: ns, body: { spec: { replicas: 3 } } },
        merge,
      );
      expect(scaled.metadata?.generation).toBe(2);
      // Status written through the main resource is ignored; through /status it sticks, without a generation bump.
      await apps.patchNamespacedDeployment(
        { name: 'gen', namespace: ns, body: { status: { observedGeneration: 99 } } },
        merge,
      );
      expect(
        (await apps.readNamespacedDeployment({ name: 'gen', namespace: ns })).status?.observedGeneration,
      ).toBeUndefined();
      const st = await apps.patchNamespacedDeploymentStatus(
        { name: 'gen', namespace: ns, body: { status: { observedGeneration: 2, replicas: 0 } } },
        merge,
      );
      expect(st.status?.observedGeneration).toBe(2);
      expect(st.metadata?.generation).toBe(2);
    });

    it('applies JSON patch, merge patch, strategic merge patch and server-side apply', async () => {
      await apps.createNamespacedDeployment({ namespace: ns, body: deployment('patchy') });
      const jp = await apps.patchNamespacedDeployment(
        {
          name: 'patchy',
          namespace: ns,
          body: [
            { op: 'replace', path: '/spec/replicas', value: 2 },
            { op: 'add', path: '/metadata/labels/tier', value: 'web' },
          ],
        },
        jsonPatch,
      );
      expect(jp.spec?.replicas).toBe(2);
      expect(jp.metadata?.labels?.tier).toBe('web');
      await expectStatus(
        apps.patchNamespacedDeployment(
          { name: 'patchy', namespace: ns, body: [{ op: 'test', path: '/spec/replicas', value: 7 }] },
          jsonPatch,
        ),
        422,
      );

      const mp = await apps.patchNamespacedDeployment(
        { name: 'patchy', namespace: ns, body: { metadata: { labels: { tier: null } } } },
        merge,
      );
      expect(mp.metadata?.labels?.tier).toBeUndefined();

      // Strategic merge: containers merge by name, env by name; a merge patch would have replaced the list.
      const sp = await apps.patchNamespacedDeployment(
        {
          name: 'patchy',
          namespace: ns,
          body: {
            spec: {
              template: {
                spec: {
                  containers: [
                    { name: 'side', image: 'homeostat/echo:dev' },
                    { name: 'main', env: [{ name: 'B', value: '2' }] },
                  ],
                },
              },
            },
          },
        },
        strategic,
      );
      const cs = sp.spec!.template.spec!.containers;
      expect(cs.map((c) => c.name).sort()).toEqual(['main', 'side']);
      const main = cs.find((c) => c.name === 'main')!;
      expect(main.image).toBe('homeostat/echo:dev');
      expect(main.env?.map((e) => e.name).sort()).toEqual(['A', 'B']);

      // Server-side apply creates, then updates what the manager owns.
      const cfg = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'ssa', namespace: ns },
        data: { a: '1', b: '2' },
      };
      const created = await core.patchNamespacedConfigMap(
        { name: 'ssa', namespace: ns, body: cfg, fieldManager: 'team-a' },
        apply,
      );
      expect(created.data).toEqual({ a: '1', b: '2' });
      expect(
        created.metadata?.managedFields?.some((m) => m.manager === 'team-a' && m.operation === 'Apply'),
      ).toBe(true);
      const updated = await core.patchNamespacedConfigMap(
        { name: 'ssa', namespace: ns, body: { ...cfg, data: { a: '1' } }, fieldManager: 'team-a' },
        apply,
      );
      expect(updated.data).toEqual({ a: '1' });
      // Another manager applying a different value for an owned field conflicts unless forced.
      const conflict = await expectStatus(
        core.patchNamespacedConfigMap(
          { name: 'ssa', namespace: ns, body: { ...cfg, data: { a: 'other' } }, fieldManager: 'team-b' },
          apply,
        ),
        409,
        'Conflict',
      );
      expect(conflict.message).toContain('team-a');
      const forced = await core.patchNamespacedConfigMap(
        {
          name: 'ssa',
          namespace: ns,
          body: { ...cfg, data: { a: 'other' } },
          fieldManager: 'team-b',
          force: true,
        },
        apply,
      );
      expect(forced.data?.a).toBe('other');
    });

    it('writes nothing when a write changes nothing: same resourceVersion, same managedFields', async () => {
      const cfg = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'noop', namespace: ns, labels: { app: 'noop' } },
        data: { a: '1' },
      };
      const applied = await core.patchNamespacedConfigMap(
        { name: 'noop', namespace: ns, body: cfg, fieldManager: 'noop-test' },
        apply,
      );
      // managedFields record seconds: let the clock move on so a rewritten time would show.
      await new Promise((r) => setTimeout(r, 1100));
      const reapplied = await core.patchNamespacedConfigMap(
        { name: 'noop', namespace: ns, body: cfg, fieldManager: 'noop-test' },
        apply,
      );
      expect(reapplied.metadata?.resourceVersion).toBe(applied.metadata?.resourceVersion);
      expect(reapplied.metadata?.managedFields).toEqual(applied.metadata?.managedFields);
      const merged = await core.patchNamespacedConfigMap(
        { name: 'noop', namespace: ns, body: { data: { a: '1' }, metadata: { labels: { app: 'noop' } } } },
        merge,
      );
      expect(merged.metadata?.resourceVersion).toBe(applied.metadata?.resourceVersion);
      const replaced = await core.replaceNamespacedConfigMap({ name: 'noop', namespace: ns, body: merged });
      expect(replaced.metadata?.resourceVersion).toBe(applied.metadata?.resourceVersion);
      expect(
        (await core.readNamespacedConfigMap({ name: 'noop', namespace: ns })).metadata?.resourceVersion,
      ).toBe(applied.metadata?.resourceVersion);

      // A defaulted Deployment re-applied from the same manifest, once its status has settled.
      const manifest = { ...deployment('noop-web', 0), metadata: { name: 'noop-web', namespace: ns } };
      await apps.patchNamespacedDeployment(
        { name: 'noop-web', namespace: ns, body: manifest, fieldManager: 'noop-test' },
        apply,
      );
      const settled = await eventually(
        async () => {
          const a = await apps.readNamespacedDeployment({ name: 'noop-web', namespace: ns });
          await new Promise((r) => setTimeout(r, 300));
          const b = await apps.readNamespacedDeployment({ name: 'noop-web', namespace: ns });
          return a.metadata?.resourceVersion === b.metadata?.resourceVersion ? b : undefined;
        },
        20_000,
        'the deployment to settle',
      );
      await new Promise((r) => setTimeout(r, 1100));
      const again = await apps.patchNamespacedDeployment(
        { name: 'noop-web', namespace: ns, body: manifest, fieldManager: 'noop-test' },
        apply,
      );
      expect(again.metadata?.resourceVersion).toBe(settled.metadata?.resourceVersion);
      expect(again.metadata?.managedFields).toEqual(settled.metadata?.managedFields);
      expect(again.metadata?.generation).toBe(settled.metadata?.generation);

      // Secret stringData is folded into data: the apply differs only until defaulting has run.
      const secret = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'noop-secret', namespace: ns },
        stringData: { token: 'abc' },
      };
      const s1 = await core.patchNamespacedSecret(
        { name: 'noop-secret', namespace: ns, body: secret, fieldManager: 'noop-test' },
        apply,
      );
      await new Promise((r) => setTimeout(r, 1100));
      const s2 = await core.patchNamespacedSecret(
        { name: 'noop-secret', namespace: ns, body: secret, fieldManager: 'noop-test' },
        apply,
      );
      expect(s2.metadata?.resourceVersion).toBe(s1.metadata?.resourceVersion);
      expect(s2.metadata?.managedFields).toEqual(s1.metadata?.managedFields);
    });

    it('filters lists by label and field selectors and rejects bad selectors', async () => {
      for (const [name, tier] of [
        ['sel-a', 'web'],
        ['sel-b', 'db'],
        ['sel-c', 'web'],
      ])
        await core.createNamespacedConfigMap({
          namespace: ns,
          body: { metadata: { name, labels: { tier, group: 'sel' } } },
        });
      const web = await core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'group=sel,tier=web' });
      expect(web.items.map((c) => c.metadata?.name)).toEqual(['sel-a', 'sel-c']);
      const notWeb = await core.listNamespacedConfigMap({
        namespace: ns,
        labelSelector: 'group=sel,tier!=web',
      });
      expect(notWeb.items.map((c) => c.metadata?.name)).toEqual(['sel-b']);
      const setBased = await core.listNamespacedConfigMap({
        namespace: ns,
        labelSelector: 'tier in (db, cache),group',
      });
      expect(setBased.items.map((c) => c.metadata?.name)).toEqual(['sel-b']);
      const byName = await core.listNamespacedConfigMap({
        namespace: ns,
        fieldSelector: 'metadata.name=sel-c',
      });
      expect(byName.items.map((c) => c.metadata?.name)).toEqual(['sel-c']);
      await expectStatus(
        core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'tier in (web' }),
        400,
        'BadRequest',
      );
      const bad = await expectStatus(
        core.listNamespacedConfigMap({ namespace: ns, fieldSelector: 'spec.nothing=1' }),
        400,
        'BadRequest',
      );
      expect(bad.message).toContain('spec.nothing');
    });

    it('pages through a list with limit and continue', async () => {
      for (let i = 0; i < 7; i++)
        await core.createNamespacedConfigMap({
          namespace: ns,
          body: { metadata: { name: `page-${i}`, labels: { paged: 'yes' } } },
        });
      const names: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await core.listNamespacedConfigMap({
          namespace: ns,
          labelSelector: 'paged=yes',
          limit: 3,
          _continue: token,
        });
        names.push(...page.items.map((c) => c.metadata!.name!));
        token = page.metadata?._continue || undefined;
        if (token) expect(page.metadata?.remainingItemCount).toBeGreaterThan(0);
        pages++;
      } while (token);
      expect(pages).toBe(3);
      expect(names).toEqual(Array.from({ length: 7 }, (_, i) => `page-${i}`));
    });

    it('streams watch events and resumes from a resourceVersion without gaps or repeats', async () => {
      const watch = new Watch(t.kc);
      const path = `/api/v1/namespaces/${ns}/configmaps`;
      const start = await core.listNamespacedConfigMap({ namespace: ns });
      const seen: string[] = [];
      const ctl = await watch.watch(
        path,
        { resourceVersion: start.metadata!.resourceVersion, labelSelector: 'w=1' },
        (type, obj) => seen.push(`${type} ${obj.metadata.name} ${obj.data?.v ?? ''}`),
        () => undefined,
      );
      await core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 'w1', labels: { w: '1' } }, data: { v: 'a' } },
      });
      await core.patchNamespacedConfigMap({ name: 'w1', namespace: ns, body: { data: { v: 'b' } } }, merge);
      await eventually(() => seen.length >= 2, 5000, 'two events');
      ctl.abort();
      const rvAfterB = (await core.readNamespacedConfigMap({ name: 'w1', namespace: ns })).metadata!
        .resourceVersion!;
      // Changes while nobody watches are delivered when the watch resumes from the last seen version.
      await core.patchNamespacedConfigMap({ name: 'w1', namespace: ns, body: { data: { v: 'c' } } }, merge);
      await core.deleteNamespacedConfigMap({ name: 'w1', namespace: ns });
      const resumed: string[] = [];
      const ctl2 = await watch.watch(
        path,
        { resourceVersion: rvAfterB, labelSelector: 'w=1' },
        (type, obj) => resumed.push(`${type} ${obj.metadata.name} ${obj.data?.v ?? ''}`),
        () => undefined,
      );
      await eventually(() => resumed.length >= 2, 5000, 'resumed events');
      ctl2.abort();
      expect(seen).toEqual(['ADDED w1 a', 'MODIFIED w1 b']);
      expect(resumed).toEqual(['MODIFIED w1 c', 'DELETED w1 c']);
    });

    it('sends ADDED and DELETED when an object starts or stops matching a watch selector', async () => {
      const watch = new Watch(t.kc);
      const start = await core.listNamespacedConfigMap({ namespace: ns });
      const seen: string[] = [];
      const ctl = await watch.watch(
        `/api/v1/namespaces/${ns}/configmaps`,
        { resourceVersion: start.metadata!.resourceVersion, labelSelector: 'phase=on' },
        (type, obj) => seen.push(`${type} ${obj.metadata.name}`),
        () => undefined,
      );
      await core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 'flip', labels: { phase: 'off' } } },
      });
      await core.patchNamespacedConfigMap(
        { name: 'flip', namespace: ns, body: { metadata: { labels: { phase: 'on' } } } },
        merge,
      );
      await core.patchNamespacedConfigMap(
        { name: 'flip', namespace: ns, body: { metadata: { labels: { phase: 'off' } } } },
        merge,
      );
      await eventually(() => seen.length >= 2, 5000, 'selector transitions');
      ctl.abort();
      expect(seen).toEqual(['ADDED flip', 'DELETED flip']);
    });

    it('sends bookmarks when asked', async () => {
      const watch = new Watch(t.kc);
      const start = await core.listNamespacedConfigMap({ namespace: ns });
      const types: string[] = [];
      const ctl = await watch.watch(
        `/api/v1/namespaces/${ns}/configmaps`,
        { resourceVersion: start.metadata!.resourceVersion, allowWatchBookmarks: true },
        (type) => types.push(type),
        () => undefined,
      );
      await eventually(() => types.includes('BOOKMARK'), 8000, 'a bookmark');
      ctl.abort();
    });

    it('answers a watch from a compacted resourceVersion with a 410 Expired ERROR event, and informers relist', async (ctx) => {
      if (!t.compactWatchHistory) return ctx.skip();
      const informer = makeInformer<V1ConfigMap>(t.kc, `/api/v1/namespaces/${ns}/configmaps`, () =>
        core.listNamespacedConfigMap({ namespace: ns }),
      );
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'before' } } });
      const old = (await core.listNamespacedConfigMap({ namespace: ns })).metadata!.resourceVersion!;
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'after' } } });
      t.compactWatchHistory!();
      const events: { type: string; obj: any }[] = [];
      const ctl = await new Watch(t.kc).watch(
        `/api/v1/namespaces/${ns}/configmaps`,
        { resourceVersion: old },
        (type, obj) => events.push({ type, obj }),
        () => undefined,
      );
      await eventually(() => events.length > 0, 5000, 'the ERROR event');
      ctl.abort();
      expect(events[0]!.type).toBe('ERROR');
      expect(events[0]!.obj.code).toBe(410);
      expect(events[0]!.obj.reason).toBe('Expired');
      // An informer started now lists, watches, and sees new objects.
      await informer.start();
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'later' } } });
      await eventually(() => informer.get('later', ns), 5000, 'the informer to see the new object');
      expect(informer.get('before', ns)).toBeDefined();
      await informer.stop();
    });

    it('keeps an object with finalizers until they are removed', async () => {
      await core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 'fin', finalizers: ['homeostat.dev/hold'] } },
      });
      await core.deleteNamespacedConfigMap({ name: 'fin', namespace: ns });
      const still = await core.readNamespacedConfigMap({ name: 'fin', namespace: ns });
      expect(still.metadata?.deletionTimestamp).toBeDefined();
      // New finalizers cannot be added once deletion has started... but removing them lets it go.
      await core.patchNamespacedConfigMap(
        { name: 'fin', namespace: ns, body: { metadata: { finalizers: null } } },
        merge,
      );
      await expectStatus(core.readNamespacedConfigMap({ name: 'fin', namespace: ns }), 404, 'NotFound');
    });

    it('does not persist a dry-run create, update or delete', async () => {
      const dry = await core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 'dry' } },
        dryRun: 'All',
      });
      expect(dry.metadata?.name).toBe('dry');
      await expectStatus(core.readNamespacedConfigMap({ name: 'dry', namespace: ns }), 404);
      await core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 'dry' }, data: { a: '1' } },
      });
      await core.patchNamespacedConfigMap(
        { name: 'dry', namespace: ns, body: { data: { a: '2' } }, dryRun: 'All' },
        merge,
      );
      await core.deleteNamespacedConfigMap({ name: 'dry', namespace: ns, dryRun: 'All' });
      expect((await core.readNamespacedConfigMap({ name: 'dry', namespace: ns })).data).toEqual({ a: '1' });
    });

    it('names the invalid field in a 422 for built-in kinds', async () => {
      const body = deployment('Bad_Name');
      const st = await expectStatus(apps.createNamespacedDeployment({ namespace: ns, body }), 422, 'Invalid');
      expect(st.details?.causes?.some((c) => c.field === 'metadata.name')).toBe(true);
      const mismatch = deployment('mismatch');
      mismatch.spec!.template.metadata!.labels = { app: 'other' };
      const st2 = await expectStatus(
        apps.createNamespacedDeployment({ namespace: ns, body: mismatch }),
        422,
        'Invalid',
      );
      expect(st2.message).toContain('selector` does not match template `labels`');
    });

    it('serves the scale subresource of deployments', async () => {
      await apps.createNamespacedDeployment({ namespace: ns, body: deployment('scaly', 2) });
      const sc = await apps.readNamespacedDeploymentScale({ name: 'scaly', namespace: ns });
      expect(sc.spec?.replicas).toBe(2);
      expect(sc.status?.selector).toBe('app=scaly');
      await apps.replaceNamespacedDeploymentScale({
        name: 'scaly',
        namespace: ns,
        body: { ...sc, spec: { replicas: 5 } },
      });
      expect((await apps.readNamespacedDeployment({ name: 'scaly', namespace: ns })).spec?.replicas).toBe(5);
      await apps.patchNamespacedDeploymentScale(
        { name: 'scaly', namespace: ns, body: { spec: { replicas: 4 } } },
        merge,
      );
      expect((await apps.readNamespacedDeployment({ name: 'scaly', namespace: ns })).spec?.replicas).toBe(4);
    });

    it('grants and renews a coordination.k8s.io Lease with optimistic concurrency', async () => {
      const coord = t.kc.makeApiClient(CoordinationV1Api);
      const lease = await coord.createNamespacedLease({
        namespace: ns,
        body: {
          metadata: { name: 'leader' },
          spec: {
            holderIdentity: 'a',
            leaseDurationSeconds: 15,
            acquireTime: new Date(),
            renewTime: new Date(),
          },
        },
      });
      const renewed = await coord.replaceNamespacedLease({
        name: 'leader',
        namespace: ns,
        body: { ...lease, spec: { ...lease.spec, renewTime: new Date() } },
      });
      // A second candidate holding the old version must lose.
      await expectStatus(
        coord.replaceNamespacedLease({
          name: 'leader',
          namespace: ns,
          body: { ...lease, spec: { ...lease.spec, holderIdentity: 'b' } },
        }),
        409,
        'Conflict',
      );
      expect(renewed.spec?.holderIdentity).toBe('a');
    });

    describe('RBAC and NetworkPolicy objects', () => {
      let rbac: RbacAuthorizationV1Api;
      let net: NetworkingV1Api;
      const clusterRole = uniqueName('conf-reader');

      beforeAll(() => {
        rbac = t.kc.makeApiClient(RbacAuthorizationV1Api);
        net = t.kc.makeApiClient(NetworkingV1Api);
      });

      afterAll(async () => {
        await rbac?.deleteClusterRoleBinding({ name: clusterRole }).catch(() => undefined);
        await rbac?.deleteClusterRole({ name: clusterRole }).catch(() => undefined);
      });

      it('stores roles and bindings with defaults, in both scopes', async () => {
        const role = await rbac.createNamespacedRole({
          namespace: ns,
          body: {
            metadata: { name: 'pod-reader' },
            rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
          },
        });
        expect(role.rules).toEqual([
          { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
        ]);
        const binding = await rbac.createNamespacedRoleBinding({
          namespace: ns,
          body: {
            metadata: { name: 'pod-readers' },
            // roleRef.apiGroup and the User subject's apiGroup are defaulted.
            roleRef: { kind: 'Role', name: 'pod-reader' } as any,
            subjects: [
              { kind: 'User', name: 'alice' },
              { kind: 'ServiceAccount', name: 'default', namespace: ns },
            ],
          },
        });
        expect(binding.roleRef).toEqual({
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'Role',
          name: 'pod-reader',
        });
        expect(binding.subjects?.[0]?.apiGroup).toBe('rbac.authorization.k8s.io');
        expect(binding.subjects?.[1]?.apiGroup).toBeUndefined();
        await rbac.createClusterRole({
          body: {
            metadata: { name: clusterRole },
            rules: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }],
          },
        });
        await rbac.createClusterRoleBinding({
          body: {
            metadata: { name: clusterRole },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
            subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: ns }],
          },
        });
        const all = await rbac.listClusterRoleBinding({ fieldSelector: `metadata.name=${clusterRole}` });
        expect(all.items.map((b) => b.roleRef.name)).toEqual([clusterRole]);
        expect(
          (await rbac.listNamespacedRoleBinding({ namespace: ns })).items.map((b) => b.metadata?.name),
        ).toContain('pod-readers');
      });

      it('refuses rules without verbs, bindings without a role, and a changed roleRef, naming the field', async () => {
        const noVerbs = await expectStatus(
          rbac.createNamespacedRole({
            namespace: ns,
            body: {
              metadata: { name: 'no-verbs' },
              rules: [{ apiGroups: [''], resources: ['pods'], verbs: [] }],
            },
          }),
          422,
          'Invalid',
        );
        expect(noVerbs.details?.causes?.map((c) => c.field)).toEqual(['rules[0].verbs']);
        const noRole = await expectStatus(
          rbac.createNamespacedRoleBinding({
            namespace: ns,
            body: { metadata: { name: 'no-role' }, subjects: [{ kind: 'User', name: 'bob' }] } as any,
          }),
          422,
          'Invalid',
        );
        expect(noRole.details?.causes?.map((c) => c.field)).toEqual(['roleRef.kind', 'roleRef.name']);
        const wrongKind = await expectStatus(
          rbac.createClusterRoleBinding({
            body: {
              metadata: { name: `${clusterRole}-x` },
              roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
            },
          }),
          422,
          'Invalid',
        );
        expect(wrongKind.message).toContain('roleRef.kind: Unsupported value: "Role"');
        await rbac.createNamespacedRoleBinding({
          namespace: ns,
          body: {
            metadata: { name: 'fixed' },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
          },
        });
        const changed = await expectStatus(
          rbac.patchNamespacedRoleBinding(
            { name: 'fixed', namespace: ns, body: { roleRef: { kind: 'ClusterRole', name: 'view' } } },
            merge,
          ),
          422,
          'Invalid',
        );
        expect(changed.details?.causes?.map((c) => c.field)).toEqual(['roleRef']);
        expect(changed.message).toContain('cannot change roleRef');
      });

      it('defaults a NetworkPolicy and validates its ports and peers', async () => {
        const policy = await net.createNamespacedNetworkPolicy({
          namespace: ns,
          body: {
            metadata: { name: 'db' },
            spec: {
              podSelector: { matchLabels: { app: 'db' } },
              ingress: [
                { _from: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ port: 5432 }] },
              ],
            },
          },
        });
        expect(policy.spec?.policyTypes).toEqual(['Ingress']);
        expect(policy.spec?.ingress?.[0]?.ports).toEqual([{ port: 5432, protocol: 'TCP' }]);
        const bad = await expectStatus(
          net.createNamespacedNetworkPolicy({
            namespace: ns,
            body: {
              metadata: { name: 'bad' },
              spec: {
                podSelector: {},
                ingress: [{ _from: [{}], ports: [{ port: 70000 }] }],
                egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['192.168.0.0/16'] } }] }],
              },
            },
          }),
          422,
          'Invalid',
        );
        expect(bad.details?.causes?.map((c) => c.field)).toEqual([
          'spec.ingress[0].ports[0].port',
          'spec.ingress[0].from[0]',
          'spec.egress[0].to[0].ipBlock.except[0]',
        ]);
      });
    });

    describe('custom resources', () => {
      const group = `conf${process.pid}.homeostat.dev`;
      let crdApi: ApiextensionsV1Api;
      let custom: CustomObjectsApi;
      const base = () => ({ group, version: 'v1', namespace: ns, plural: 'widgets' });
      const widget = (name: string, spec: Record<string, unknown>) => ({
        apiVersion: `${group}/v1`,
        kind: 'Widget',
        metadata: { name },
        spec,
      });

      beforeAll(async () => {
        crdApi = t.kc.makeApiClient(ApiextensionsV1Api);
        custom = t.kc.makeApiClient(CustomObjectsApi);
        // client-node's typed models rename some fields (default → _default, enum → _enum); loadYaml
        // deserialises a manifest into them so that nothing is dropped on the way out.
        await crdApi.createCustomResourceDefinition({
          body: loadYaml<V1CustomResourceDefinition>(JSON.stringify(widgetCrd(group))),
        });
        await eventually(
          async () => {
            const crd = await crdApi.readCustomResourceDefinition({ name: `widgets.${group}` });
            return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
          },
          10_000,
          'the CRD to be established',
        );
      });

      afterAll(async () => {
        await crdApi?.deleteCustomResourceDefinition({ name: `widgets.${group}` }).catch(() => undefined);
      });

      it("serves a CRD's resources with defaults from the schema", async () => {
        const created: any = await eventually(
          () => custom.createNamespacedCustomObject({ ...base(), body: widget('w1', { size: 'M' }) }),
          10_000,
          'the new resource to be served',
        );
        expect(created.spec.replicas).toBe(1);
        const list: any = await custom.listNamespacedCustomObject(base());
        expect(list.items.map((i: any) => i.metadata.name)).toEqual(['w1']);
      });

      it('rejects invalid custom resources with 422 naming the field, and unknown fields under strict validation', async () => {
        const bad = await expectStatus(
          custom.createNamespacedCustomObject({ ...base(), body: widget('w2', { size: 'XL' }) }),
          422,
          'Invalid',
        );
        expect(bad.message).toContain('spec.size');
        expect(bad.message).toContain('supported values');
        const missing = await expectStatus(
          custom.createNamespacedCustomObject({ ...base(), body: widget('w3', { replicas: 2 }) }),
          422,
          'Invalid',
        );
        expect(missing.message).toContain('spec.size');
        const typed = await expectStatus(
          custom.createNamespacedCustomObject({
            ...base(),
            body: widget('w4', { size: 'S', replicas: 'two' }),
          }),
          422,
          'Invalid',
        );
        expect(typed.message).toContain('spec.replicas');
        const unknown = await expectStatus(
          custom.createNamespacedCustomObject({
            ...base(),
            body: widget('w5', { size: 'S', colour: 'red' }),
            fieldValidation: 'Strict',
          }),
          400,
          'BadRequest',
        );
        expect(unknown.message).toContain('unknown field "spec.colour"');
        // With Ignore, unknown fields are pruned instead.
        const pruned: any = await custom.createNamespacedCustomObject({
          ...base(),
          body: widget('w6', { size: 'S', colour: 'red' }),
          fieldValidation: 'Ignore',
        });
        expect(pruned.spec.colour).toBeUndefined();
      });

      it('writes status only through the status subresource, and scales through scale', async () => {
        await custom.createNamespacedCustomObject({
          ...base(),
          body: widget('w7', { size: 'L', replicas: 2 }),
        });
        await custom.patchNamespacedCustomObject(
          { ...base(), name: 'w7', body: { status: { phase: 'Ignored' } } },
          merge,
        );
        expect(
          ((await custom.getNamespacedCustomObject({ ...base(), name: 'w7' })) as any).status,
        ).toBeUndefined();
        const st: any = await custom.patchNamespacedCustomObjectStatus(
          { ...base(), name: 'w7', body: { status: { phase: 'Ready', replicas: 2, selector: 'app=w7' } } },
          merge,
        );
        expect(st.status.phase).toBe('Ready');
        expect(st.metadata.generation).toBe(1);
        const scale: any = await custom.getNamespacedCustomObjectScale({ ...base(), name: 'w7' });
        expect(scale.spec.replicas).toBe(2);
        expect(scale.status.selector).toBe('app=w7');
        await custom.patchNamespacedCustomObjectScale(
          { ...base(), name: 'w7', body: { spec: { replicas: 6 } } },
          merge,
        );
        const after: any = await custom.getNamespacedCustomObject({ ...base(), name: 'w7' });
        expect(after.spec.replicas).toBe(6);
        expect(after.metadata.generation).toBe(2);
      });

      it('refuses strategic merge patch on custom resources with 415', async () => {
        await custom.createNamespacedCustomObject({ ...base(), body: widget('w8', { size: 'S' }) });
        await expectStatus(
          custom.patchNamespacedCustomObject(
            { ...base(), name: 'w8', body: { spec: { size: 'M' } } },
            strategic,
          ),
          415,
        );
      });
    });

    it('keeps every object across an API server restart', async (ctx) => {
      if (!t.restart) return ctx.skip();
      await core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 'durable' }, data: { survive: 'yes' } },
      });
      const before = await core.listNamespacedConfigMap({ namespace: ns });
      const kc = await t.restart!();
      core = kc.makeApiClient(CoreV1Api);
      apps = kc.makeApiClient(AppsV1Api);
      t.kc = kc;
      const after = await core.listNamespacedConfigMap({ namespace: ns });
      expect(
        after.items.map((c) => [c.metadata?.name, c.metadata?.uid, c.metadata?.resourceVersion]),
      ).toEqual(before.items.map((c) => [c.metadata?.name, c.metadata?.uid, c.metadata?.resourceVersion]));
      // New writes continue above the old resourceVersions.
      const next = await core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 'after-restart' } },
      });
      expect(Number(next.metadata?.resourceVersion)).toBeGreaterThan(
        Number(before.metadata?.resourceVersion),
      );
    });
  });
}
