// Axis ticks: "nice" linear steps (1, 2, 2.5, 5 × 10^k) with labels that show exactly the step's
// precision, and UTC time ticks whose interval and label format follow the span of the data.

export interface LinearTicks {
  min: number;
  max: number;
  step: number;
  ticks: number[];
  labels: string[];
}

/** Decimals needed to write multiples of `step` exactly (0.25 → 2, 5 → 0). */
function decimalsOf(step: number): number {
  for (let d = 0; d < 12; d++) {
    const scaled = step * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-9 * Math.max(1, scaled)) return d;
  }
  return 12;
}

const SUFFIXES: [number, string][] = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/**
 * Ticks covering [min, max] with about `count` intervals; the range widens to whole steps.
 * An empty or single-valued range is padded so the axis still has a scale.
 */
export function linearTicks(min: number, max: number, count = 5): LinearTicks {
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    min = 0;
    max = 1;
  }
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  const step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const n = Math.round((hi - lo) / step);
  const biggest = Math.max(Math.abs(lo), Math.abs(hi));
  const [div, suffix] = SUFFIXES.find(([d]) => biggest >= 10 * d) ?? [1, ''];
  const decimals = decimalsOf(step / div);
  const ticks: number[] = [];
  const labels: string[] = [];
  for (let k = 0; k <= n; k++) {
    // Rounded to the step's precision so 0.1 + 0.2 shows as 0.3 and compares equal in tests.
    const v = Number((lo + k * step).toFixed(Math.min(20, decimalsOf(step) + 2)));
    ticks.push(v);
    const text = (v / div).toFixed(decimals);
    labels.push(`${Object.is(Number(text), -0) ? text.replace('-', '') : text}${v === 0 ? '' : suffix}`);
  }
  return { min: lo, max: hi, step, ticks, labels };
}

export interface TimeTicks {
  ticks: number[];
  labels: string[];
  /** The interval chosen, e.g. "15m", "1d", "1mo". */
  interval: string;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// 1970-01-05 was a Monday: weekly ticks fall on Mondays.
const MONDAY = 4 * DAY;

interface Interval {
  name: string;
  /** Fixed length in ms, or calendar months. */
  ms?: number;
  months?: number;
  format: (d: Date) => string;
}

const p2 = (n: number) => String(n).padStart(2, '0');
const hms = (d: Date) => `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
const hm = (d: Date) => `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}`;
const md = (d: Date) => `${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}`;
const ymd = (d: Date) => `${d.getUTCFullYear()}-${md(d)}`;
const ym = (d: Date) => `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}`;

function intervals(spanMs: number): Interval[] {
  const multiDay = spanMs >= DAY;
  const clock = (d: Date) => (multiDay ? `${md(d)} ${hm(d)}` : hm(d));
  const fixed = (name: string, ms: number, format: (d: Date) => string): Interval => ({ name, ms, format });
  return [
    ...[1, 2, 5, 10, 15, 30].map((s) =>
      fixed(`${s}s`, s * SECOND, (d) => (multiDay ? `${md(d)} ` : '') + hms(d)),
    ),
    ...[1, 2, 5, 10, 15, 30].map((m) => fixed(`${m}m`, m * MINUTE, clock)),
    ...[1, 2, 3, 6, 12].map((h) => fixed(`${h}h`, h * HOUR, clock)),
    ...[1, 2].map((n) => fixed(`${n}d`, n * DAY, ymd)),
    fixed('7d', 7 * DAY, ymd),
    ...[1, 2, 3, 6].map((months) => ({ name: `${months}mo`, months, format: ym })),
    ...[1, 2, 5, 10, 20, 50, 100].map((y) => ({
      name: `${y}y`,
      months: 12 * y,
      format: (d: Date) => String(d.getUTCFullYear()),
    })),
  ];
}

function ticksOf(iv: Interval, start: number, end: number): number[] {
  const out: number[] = [];
  if (iv.ms !== undefined) {
    const offset = iv.ms === 7 * DAY ? MONDAY : 0;
    for (let t = Math.ceil((start - offset) / iv.ms) * iv.ms + offset; t <= end; t += iv.ms) out.push(t);
    return out;
  }
  const months = iv.months!;
  const s = new Date(start);
  let m = s.getUTCFullYear() * 12 + s.getUTCMonth();
  if (Date.UTC(Math.floor(m / 12), m % 12, 1) < start) m++;
  m = Math.ceil(m / months) * months;
  for (
    let t = Date.UTC(Math.floor(m / 12), m % 12, 1);
    t <= end;
    m += months, t = Date.UTC(Math.floor(m / 12), m % 12, 1)
  )
    out.push(t);
  return out;
}

/**
 * UTC ticks over [start, end] for an axis `widthPx` wide: the finest interval whose labels
 * (about `fontSize` × 0.6 px per character, plus a gap) still fit side by side.
 */
export function timeTicks(start: number, end: number, widthPx: number, fontSize = 11): TimeTicks {
  if (!(end > start)) {
    return { ticks: [start], labels: [`${ymd(new Date(start))} ${hm(new Date(start))}`], interval: 'point' };
  }
  const all = intervals(end - start);
  const sample = new Date(Date.UTC(2000, 11, 28, 23, 59, 59));
  const chosen =
    all.find((iv) => {
      const shortest = iv.ms ?? iv.months! * 28 * DAY;
      const labelPx = (iv.format(sample).length * 0.6 + 2) * fontSize;
      return (shortest / (end - start)) * widthPx >= labelPx;
    }) ?? all[all.length - 1];
  const ticks = ticksOf(chosen, start, end);
  return { ticks, labels: ticks.map((t) => chosen.format(new Date(t))), interval: chosen.name };
}

/** "2026-01-05 10:00" (UTC), for captions. */
export function formatUtcMinute(t: number): string {
  const d = new Date(t);
  return `${ymd(d)} ${hm(d)}`;
}
