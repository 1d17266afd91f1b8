// Per-service charts on one time axis (cursor synced): request rate with the forecast band, p99
// against the SLO, error ratio, replicas and failure risk; faults and decisions drawn as markers.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fleet, policies, samples, selectedService, type TimelineEntry, timeline } from '../store.ts';
import type { PolicySample, ResourceView } from '../types.ts';

const SYNC = uPlot.sync('homeostat');

interface ChartDef {
  id: string;
  title: string;
  series: {
    label: string;
    value: (s: PolicySample) => number | undefined;
    stroke: string;
    dash?: number[];
  }[];
  /** A constant line (an SLO bound). */
  bound?: (p: ResourceView | undefined) => number | undefined;
  band?: [number, number];
}

const CHARTS: ChartDef[] = [
  {
    id: 'rate',
    title: 'Request rate (req/s) with forecast band',
    series: [
      { label: 'observed', value: (s) => s.requestRate, stroke: '#4ea1ff' },
      { label: 'forecast', value: (s) => s.forecast?.median, stroke: '#c58cff', dash: [4, 4] },
      { label: 'upper', value: (s) => s.forecast?.upper, stroke: 'rgba(197,140,255,0.4)' },
      { label: 'lower', value: (s) => s.forecast?.lower, stroke: 'rgba(197,140,255,0.4)' },
    ],
    band: [3, 4],
  },
  {
    id: 'p99',
    title: 'p99 latency (ms) vs SLO',
    series: [{ label: 'p99', value: (s) => s.latencyP99Ms, stroke: '#ffb347' }],
    bound: (p) => p?.spec?.slo?.latencyP99Ms,
  },
  {
    id: 'errors',
    title: 'Error ratio vs SLO',
    series: [{ label: 'errors', value: (s) => s.errorRatio, stroke: '#ff6b6b' }],
    bound: (p) => p?.spec?.slo?.errorRatio,
  },
  {
    id: 'replicas',
    title: 'Replicas',
    series: [{ label: 'replicas', value: (s) => s.replicas, stroke: '#7bd88f' }],
  },
  { id: 'risk', title: 'Failure risk', series: [{ label: 'risk', value: (s) => s.risk, stroke: '#ff8fab' }] },
];

function markersPlugin(getMarkers: () => TimelineEntry[]): uPlot.Plugin {
  return {
    hooks: {
      draw: (u) => {
        const ctx = u.ctx;
        const { top, height } = u.bbox;
        ctx.save();
        for (const m of getMarkers()) {
          const x = u.valToPos(m.time / 1000, 'x', true);
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
          ctx.strokeStyle =
            m.kind === 'fault'
              ? '#ff4d4d'
              : m.kind === 'recovery'
                ? '#7bd88f'
                : m.tone === 'warn'
                  ? '#ffb347'
                  : '#4ea1ff';
          ctx.setLineDash(m.kind === 'decision' ? [2, 3] : []);
          ctx.lineWidth = 1.5 * devicePixelRatio;
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          ctx.stroke();
        }
        ctx.restore();
      },
    },
  };
}

function Chart({
  def,
  data,
  policy,
  markers,
}: {
  def: ChartDef;
  data: PolicySample[];
  policy: ResourceView | undefined;
  markers: TimelineEntry[];
}) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const markersRef = useRef(markers);
  markersRef.current = markers;
  const dataRef = useRef(data);
  dataRef.current = data;
  const bound = def.bound?.(policy);
  const aligned = (): uPlot.AlignedData => {
    const xs = data.map((s) => s.t / 1000);
    const cols = def.series.map((ser) => data.map((s) => ser.value(s) ?? null));
    if (bound !== undefined) cols.push(data.map(() => bound));
    return [xs, ...cols] as uPlot.AlignedData;
  };
  useEffect(() => {
    if (!el.current) return;
    const series: uPlot.Series[] = [
      {},
      ...def.series.map((s) => ({
        label: s.label,
        stroke: s.stroke,
        width: 1.5,
        ...(s.dash ? { dash: s.dash } : {}),
        spanGaps: true,
      })),
      ...(bound !== undefined ? [{ label: 'SLO', stroke: '#ff4d4d', dash: [6, 4], width: 1 }] : []),
    ];
    const opts: uPlot.Options = {
      width: el.current.clientWidth || 600,
      height: 120,
      series,
      cursor: { sync: { key: SYNC.key } },
      legend: { show: true },
      // At least the last ten minutes, so a new service's first samples do not stretch over years.
      scales: {
        x: {
          time: true,
          range: () => {
            const hi = Date.now() / 1000;
            const first = dataRef.current[0]?.t;
            return [Math.min(first !== undefined ? first / 1000 : hi, hi - 600), hi];
          },
        },
      },
      axes: [
        { stroke: '#9aa4b2', grid: { stroke: '#2a3140' } },
        { stroke: '#9aa4b2', grid: { stroke: '#2a3140' }, size: 50 },
      ],
      ...(def.band ? { bands: [{ series: def.band, fill: 'rgba(197,140,255,0.15)' }] } : {}),
      plugins: [markersPlugin(() => markersRef.current)],
    };
    plot.current = new uPlot(opts, aligned(), el.current);
    const onResize = () => plot.current?.setSize({ width: el.current?.clientWidth || 600, height: 120 });
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      plot.current?.destroy();
      plot.current = null;
    };
  }, [def.id, bound]);
  useEffect(() => {
    plot.current?.setData(aligned());
  }, [data, markers]);
  return (
    <div class="chart" data-chart={def.id}>
      <h3>{def.title}</h3>
      <div ref={el} />
    </div>
  );
}

export function Charts() {
  const services = fleet.value.services;
  const first = services.find((s) => s.policy) ?? services[0];
  const key = selectedService.value ?? (first ? `${first.namespace}/${first.name}` : undefined);
  const service = services.find((s) => `${s.namespace}/${s.name}` === key);
  const policy = service?.policy
    ? policies.value.get(`${service.policy.namespace}/${service.policy.name}`)
    : undefined;
  const data = service?.policy
    ? (samples.value[`${service.policy.namespace}/${service.policy.name}`] ?? [])
    : [];
  const markers = timeline.value.filter(
    (e) => e.service === key && (e.kind === 'decision' || e.kind === 'fault' || e.kind === 'recovery'),
  );
  return (
    <section class="panel charts">
      <h2>
        Service{' '}
        <select
          id="service-select"
          value={key}
          onChange={(e) => {
            selectedService.value = (e.target as HTMLSelectElement).value;
          }}
        >
          {services.map((s) => (
            <option key={`${s.namespace}/${s.name}`} value={`${s.namespace}/${s.name}`}>
              {`${s.namespace}/${s.name}`}
            </option>
          ))}
        </select>
      </h2>
      {!service?.policy ? (
        <p class="muted">No ResiliencePolicy targets this service: no SLO metrics to chart.</p>
      ) : data.length === 0 ? (
        <p class="muted">Waiting for the first metrics of policy {service.policy.name}…</p>
      ) : (
        CHARTS.map((def) => (
          <Chart key={`${key}/${def.id}`} def={def} data={data} policy={policy} markers={markers} />
        ))
      )}
      <p class="legend">
        Markers: red = fault injected, green = fault removed, blue = decision, orange = skipped/blocked.
      </p>
    </section>
  );
}
