// meta.k8s.io/v1 Table rendering: what `kubectl get` prints. Column sets follow kube's printers
// for the built-in kinds and additionalPrinterColumns for custom resources.
import { getPath } from './meta.ts';
import type { PrinterColumn, ResourceDescriptor } from './resources.ts';
import { formatLabelSelector } from './rest.ts';

interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

const col = (name: string, type = 'string', priority = 0, format = '', description = ''): Column => ({
  name,
  type,
  format,
  description,
  priority,
});

const NAME = col('Name', 'string', 0, 'name', 'Name must be unique within a namespace.');
const AGE = col(
  'Age',
  'string',
  0,
  '',
  'CreationTimestamp is a timestamp representing the server time when this object was created.',
);

/** "5s", "3m12s", "4h", "2d3h" as kube's duration.HumanDuration prints ages. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

function age(obj: any): string {
  const t = obj?.metadata?.creationTimestamp;
  return t ? humanDuration(Date.now() - Date.parse(t)) : '<unknown>';
}

function podStatusReason(pod: any): string {
  let reason = pod.status?.reason ?? pod.status?.phase ?? 'Unknown';
  for (const c of pod.status?.initContainerStatuses ?? []) {
    if (c.state?.terminated && c.state.terminated.exitCode !== 0)
      return `Init:${c.state.terminated.reason || 'Error'}`;
    if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing')
      return `Init:${c.state.waiting.reason}`;
  }
  let hasRunning = false;
  for (const c of [...(pod.status?.containerStatuses ?? [])].reverse()) {
    if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
    else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
    else if (c.state?.terminated)
      reason = c.state.terminated.signal
        ? `Signal:${c.state.terminated.signal}`
        : `ExitCode:${c.state.terminated.exitCode}`;
    else if (c.ready && c.state?.running) hasRunning = true;
  }
  if (reason === 'Completed' && hasRunning) reason = 'Running';
  if (pod.metadata?.deletionTimestamp) reason = pod.status?.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

function podRow(pod: any): unknown[] {
  const statuses = pod.status?.containerStatuses ?? [];
  const total = pod.spec?.containers?.length ?? 0;
  const ready = statuses.filter((c: any) => c.ready).length;
  let restarts = 0;
  let lastRestart: string | undefined;
  for (const c of statuses) {
    restarts += c.restartCount ?? 0;
    const fin = c.lastState?.terminated?.finishedAt;
    if (fin && (!lastRestart || fin > lastRestart)) lastRestart = fin;
  }
  const restartText = lastRestart
    ? `${restarts} (${humanDuration(Date.now() - Date.parse(lastRestart))} ago)`
    : String(restarts);
  const readinessGates = (pod.spec?.readinessGates ?? []).length;
  return [
    pod.metadata.name,
    `${ready}/${total}`,
    podStatusReason(pod),
    restartText,
    age(pod),
    pod.status?.podIP ?? '<none>',
    pod.spec?.nodeName ?? '<none>',
    pod.status?.nominatedNodeName ?? '<none>',
    readinessGates ? `${readinessGates}` : '<none>',
  ];
}

function selectorText(sel: any): string {
  if (!sel) return '<none>';
  const parts = Object.entries(sel.matchLabels ?? sel).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? [])
    parts.push(`${e.key} ${String(e.operator).toLowerCase()} (${(e.values ?? []).join(',')})`);
  return parts.length ? parts.join(',') : '<none>';
}

function containersText(spec: any): [string, string] {
  const cs = spec?.template?.spec?.containers ?? [];
  return [
    cs.map((c: any) => c.name).join(',') || '<none>',
    cs.map((c: any) => c.image).join(',') || '<none>',
  ];
}

function conditionStatus(obj: any, type: string): string {
  const c = (obj.status?.conditions ?? []).find((x: any) => x.type === type);
  return c ? c.status : 'Unknown';
}

interface Printer {
  columns: Column[];
  row(obj: any): unknown[];
}

/** printRole, printClusterRole: the creation time itself, not an age. */
const rolePrinter: Printer = {
  columns: [
    NAME,
    col(
      'Created At',
      'date',
      0,
      '',
      'CreationTimestamp is a timestamp representing the server time when this object was created.',
    ),
  ],
  row: (r) => [r.metadata.name, r.metadata.creationTimestamp],
};

/** rbac.SubjectsStrings: users, groups and "namespace:name" service accounts. */
function subjectsText(subjects: any[] | undefined, kind: string): string {
  return (subjects ?? [])
    .filter((s) => s?.kind === kind)
    .map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? ''}:${s.name}` : s.name))
    .join(', ');
}

/** printRoleBinding, printClusterRoleBinding. */
const bindingPrinter: Printer = {
  columns: [
    NAME,
    col(
      'Role',
      'string',
      0,
      '',
      'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.',
    ),
    AGE,
    col('Users', 'string', 1, '', 'Users in the roleBinding'),
    col('Groups', 'string', 1, '', 'Groups in the roleBinding'),
    col('ServiceAccounts', 'string', 1, '', 'ServiceAccounts in the roleBinding'),
  ],
  row: (b) => [
    b.metadata.name,
    `${b.roleRef?.kind ?? ''}/${b.roleRef?.name ?? ''}`,
    age(b),
    subjectsText(b.subjects, 'User'),
    subjectsText(b.subjects, 'Group'),
    subjectsText(b.subjects, 'ServiceAccount'),
  ],
};

const printers: Record<string, Printer> = {
  '/pods': {
    columns: [
      NAME,
      col('Ready', 'string', 0, '', 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'string', 0, '', 'The aggregate status of the containers in this pod.'),
      col(
        'Restarts',
        'string',
        0,
        '',
        'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
      ),
      AGE,
      col('IP', 'string', 1),
      col('Node', 'string', 1),
      col('Nominated Node', 'string', 1),
      col('Readiness Gates', 'string', 1),
    ],
    row: podRow,
  },
  'apps/deployments': {
    columns: [
      NAME,
      col('Ready'),
      col('Up-to-date', 'integer'),
      col('Available', 'integer'),
      AGE,
      col('Containers', 'string', 1),
      col('Images', 'string', 1),
      col('Selector', 'string', 1),
    ],
    row: (d) => {
      const [names, images] = containersText(d.spec);
      return [
        d.metadata.name,
        `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
        d.status?.updatedReplicas ?? 0,
        d.status?.availableReplicas ?? 0,
        age(d),
        names,
        images,
        selectorText(d.spec?.selector),
      ];
    },
  },
  'apps/replicasets': {
    columns: [
      NAME,
      col('Desired', 'integer'),
      col('Current', 'integer'),
      col('Ready', 'integer'),
      AGE,
      col('Containers', 'string', 1),
      col('Images', 'string', 1),
      col('Selector', 'string', 1),
    ],
    row: (r) => {
      const [names, images] = containersText(r.spec);
      return [
        r.metadata.name,
        r.spec?.replicas ?? 0,
        r.status?.replicas ?? 0,
        r.status?.readyReplicas ?? 0,
        age(r),
        names,
        images,
        selectorText(r.spec?.selector),
      ];
    },
  },
  '/services': {
    columns: [
      NAME,
      col('Type'),
      col('Cluster-IP'),
      col('External-IP'),
      col('Port(s)'),
      AGE,
      col('Selector', 'string', 1),
    ],
    row: (s) => [
      s.metadata.name,
      s.spec?.type ?? 'ClusterIP',
      s.spec?.clusterIP ?? '<none>',
      (s.status?.loadBalancer?.ingress ?? []).map((i: any) => i.ip ?? i.hostname).join(',') || '<none>',
      (s.spec?.ports ?? [])
        .map((p: any) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`)
        .join(',') || '<none>',
      age(s),
      selectorText(s.spec?.selector),
    ],
  },
  '/namespaces': {
    columns: [NAME, col('Status'), AGE],
    row: (n) => [n.metadata.name, n.status?.phase ?? 'Active', age(n)],
  },
  '/nodes': {
    columns: [
      NAME,
      col('Status'),
      col('Roles'),
      AGE,
      col('Version'),
      col('Internal-IP', 'string', 1),
      col('OS-Image', 'string', 1),
    ],
    row: (n) => {
      const ready = conditionStatus(n, 'Ready') === 'True' ? 'Ready' : 'NotReady';
      const roles = Object.keys(n.metadata.labels ?? {})
        .filter((k) => k.startsWith('node-role.kubernetes.io/'))
        .map((k) => k.slice('node-role.kubernetes.io/'.length));
      return [
        n.metadata.name,
        n.spec?.unschedulable ? `${ready},SchedulingDisabled` : ready,
        roles.join(',') || '<none>',
        age(n),
        n.status?.nodeInfo?.kubeletVersion ?? '',
        (n.status?.addresses ?? []).find((a: any) => a.type === 'InternalIP')?.address ?? '<none>',
        n.status?.nodeInfo?.osImage ?? '<unknown>',
      ];
    },
  },
  '/endpoints': {
    columns: [NAME, col('Endpoints'), AGE],
    row: (e) => {
      const eps: string[] = [];
      for (const s of e.subsets ?? [])
        for (const a of s.addresses ?? [])
          for (const p of s.ports ?? [{}]) eps.push(p.port ? `${a.ip}:${p.port}` : a.ip);
      return [
        e.metadata.name,
        eps.length > 3
          ? `${eps.slice(0, 3).join(',')} + ${eps.length - 3} more...`
          : eps.join(',') || '<none>',
        age(e),
      ];
    },
  },
  '/events': {
    columns: [col('Last Seen'), col('Type'), col('Reason'), col('Object'), col('Message')],
    row: (e) => {
      const last = e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp;
      const io = e.involvedObject ?? {};
      return [
        last ? humanDuration(Date.now() - Date.parse(last)) : '<unknown>',
        e.type ?? '',
        e.reason ?? '',
        `${String(io.kind ?? '').toLowerCase()}/${io.name ?? ''}`,
        e.message ?? '',
      ];
    },
  },
  '/configmaps': {
    columns: [NAME, col('Data', 'integer'), AGE],
    row: (c) => [
      c.metadata.name,
      Object.keys(c.data ?? {}).length + Object.keys(c.binaryData ?? {}).length,
      age(c),
    ],
  },
  '/secrets': {
    columns: [NAME, col('Type'), col('Data', 'integer'), AGE],
    row: (s) => [s.metadata.name, s.type ?? 'Opaque', Object.keys(s.data ?? {}).length, age(s)],
  },
  '/serviceaccounts': {
    columns: [NAME, col('Secrets', 'integer'), AGE],
    row: (s) => [s.metadata.name, (s.secrets ?? []).length, age(s)],
  },
  'coordination.k8s.io/leases': {
    columns: [NAME, col('Holder'), AGE],
    row: (l) => [l.metadata.name, l.spec?.holderIdentity ?? '', age(l)],
  },
  'discovery.k8s.io/endpointslices': {
    columns: [NAME, col('AddressType'), col('Ports'), col('Endpoints'), AGE],
    row: (s) => {
      const addrs = (s.endpoints ?? []).flatMap((e: any) => e.addresses ?? []);
      return [
        s.metadata.name,
        s.addressType ?? '',
        (s.ports ?? []).map((p: any) => p.port).join(',') || '<unset>',
        addrs.length > 3
          ? `${addrs.slice(0, 3).join(',')} + ${addrs.length - 3} more...`
          : addrs.join(',') || '<unset>',
        age(s),
      ];
    },
  },
  'policy/poddisruptionbudgets': {
    columns: [NAME, col('Min Available'), col('Max Unavailable'), col('Allowed Disruptions', 'integer'), AGE],
    row: (p) => [
      p.metadata.name,
      p.spec?.minAvailable ?? 'N/A',
      p.spec?.maxUnavailable ?? 'N/A',
      p.status?.disruptionsAllowed ?? 0,
      age(p),
    ],
  },
  'networking.k8s.io/networkpolicies': {
    columns: [
      NAME,
      col(
        'Pod-Selector',
        'string',
        0,
        '',
        'Selects the pods to which this NetworkPolicy object applies. The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace.',
      ),
      AGE,
    ],
    row: (n) => [n.metadata.name, formatLabelSelector(n.spec?.podSelector) || '<none>', age(n)],
  },
  'rbac.authorization.k8s.io/roles': rolePrinter,
  'rbac.authorization.k8s.io/clusterroles': rolePrinter,
  'rbac.authorization.k8s.io/rolebindings': bindingPrinter,
  'rbac.authorization.k8s.io/clusterrolebindings': bindingPrinter,
  'apiextensions.k8s.io/customresourcedefinitions': {
    columns: [NAME, col('Created At', 'date')],
    row: (c) => [c.metadata.name, c.metadata.creationTimestamp],
  },
};

/** Evaluates the simple JSONPath expressions printer columns use: ".status.phase", ".spec.x[0].y", '.metadata.labels.app\\.kubernetes\\.io/name'. */
export function evalJsonPath(obj: any, path: string): unknown {
  const p = path.trim().replace(/^\{/, '').replace(/\}$/, '').replace(/^\$/, '');
  const parts: (string | number)[] = [];
  const re = /\.((?:\\.|[^.[\\])+)|\[(\d+)\]|\[['"]([^'"]+)['"]\]|\[\?\(@\.([\w.]+)=="([^"]*)"\)\]/g;
  let m: RegExpExecArray | null;
  let filterCur: any = obj;
  const filters: { at: number; key: string; value: string }[] = [];
  while ((m = re.exec(p)) !== null) {
    if (m[1] !== undefined) parts.push(m[1].replace(/\\(.)/g, '$1'));
    else if (m[2] !== undefined) parts.push(Number(m[2]));
    else if (m[3] !== undefined) parts.push(m[3]);
    else if (m[4] !== undefined) filters.push({ at: parts.length, key: m[4], value: m[5] ?? '' });
  }
  filterCur = obj;
  for (let i = 0; i <= parts.length; i++) {
    for (const f of filters.filter((x) => x.at === i)) {
      if (!Array.isArray(filterCur)) return undefined;
      filterCur = filterCur.find((el) => String(getPath(el, f.key)) === f.value);
    }
    if (i === parts.length) break;
    if (filterCur === null || typeof filterCur !== 'object') return undefined;
    filterCur = filterCur[parts[i] as any];
  }
  return filterCur;
}

function customPrinter(cols: PrinterColumn[]): Printer {
  const hasAge = cols.some((c) => c.jsonPath === '.metadata.creationTimestamp');
  const columns = [
    NAME,
    ...cols.map((c) =>
      col(c.name, c.type === 'date' ? 'date' : c.type, c.priority ?? 0, c.format ?? '', c.description ?? ''),
    ),
  ];
  if (!hasAge) columns.push(AGE);
  return {
    columns,
    row: (o) => {
      const cells: unknown[] = [o.metadata.name];
      for (const c of cols) {
        const v = evalJsonPath(o, c.jsonPath);
        if (v === undefined || v === null) cells.push(null);
        else if (c.type === 'date' && typeof v === 'string')
          cells.push(humanDuration(Date.now() - Date.parse(v)));
        else if (typeof v === 'object') cells.push(JSON.stringify(v));
        else cells.push(v);
      }
      if (!hasAge) cells.push(age(o));
      return cells;
    },
  };
}

function printerFor(desc: ResourceDescriptor): Printer {
  if (desc.custom) return customPrinter(desc.custom.printerColumns);
  return (
    printers[`${desc.group}/${desc.plural}`] ?? {
      columns: [NAME, AGE],
      row: (o) => [o.metadata.name, age(o)],
    }
  );
}

function partialMetadata(obj: any): unknown {
  const { managedFields: _mf, ...metadata } = obj.metadata ?? {};
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata };
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function toTable(
  desc: ResourceDescriptor,
  objects: any[],
  listMeta: Record<string, unknown>,
  include: IncludeObject = 'Metadata',
  withColumns = true,
): unknown {
  const printer = printerFor(desc);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    ...(withColumns ? { columnDefinitions: printer.columns } : {}),
    rows: objects.map((o) => ({
      cells: printer.row(o),
      ...(include === 'None' ? {} : { object: include === 'Object' ? o : partialMetadata(o) }),
    })),
  };
}
