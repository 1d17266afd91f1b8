// A parser of the Prometheus text exposition format (version 0.0.4), which prom-client, client_golang
// and the kubelet's cAdvisor endpoint serve. The npm parsers looked at keep values as strings or
// merge histograms of different label sets, so this one is written to the format's specification.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface ExpositionSample {
  /** The sample's own name, e.g. `http_request_duration_seconds_bucket`. */
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch, when the exporter stamped the sample. */
  timestampMs?: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help?: string;
  samples: ExpositionSample[];
}

export interface Exposition {
  families: MetricFamily[];
  /** Problems that did not stop the parse, e.g. a series reported twice (the first is kept). */
  warnings: string[];
}

export class ExpositionParseError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'ExpositionParseError';
  }
}

const METRIC_TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;
const LABEL_START = /[a-zA-Z_]/;
const LABEL_CHAR = /[a-zA-Z0-9_]/;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

/** A sample value as Go's strconv.ParseFloat reads it (decimal, NaN, ±Inf in any case). */
export function parseSampleValue(token: string): number | undefined {
  if (DECIMAL.test(token)) return Number(token);
  const lower = token.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (/^[+]?inf(inity)?$/.test(lower)) return Number.POSITIVE_INFINITY;
  if (/^-inf(inity)?$/.test(lower)) return Number.NEGATIVE_INFINITY;
  return undefined;
}

function unescapeHelp(text: string): string {
  return text.replace(/\\(.)/g, (whole, c: string) => (c === 'n' ? '\n' : c === '\\' ? '\\' : whole));
}

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}

class LineScanner {
  pos = 0;
  constructor(
    readonly text: string,
    readonly lineNo: number,
  ) {}

  fail(message: string): never {
    throw new ExpositionParseError(
      this.lineNo,
      `${message} at column ${this.pos + 1}: ${this.text.slice(0, 120)}`,
    );
  }

  skipBlanks(): void {
    while (isBlank(this.text[this.pos])) this.pos++;
  }

  name(start: RegExp, rest: RegExp, what: string): string {
    const from = this.pos;
    if (!start.test(this.text[this.pos] ?? '')) this.fail(`expected a ${what}`);
    this.pos++;
    while (rest.test(this.text[this.pos] ?? '')) this.pos++;
    return this.text.slice(from, this.pos);
  }

  token(): string {
    const from = this.pos;
    while (this.pos < this.text.length && !isBlank(this.text[this.pos])) this.pos++;
    return this.text.slice(from, this.pos);
  }

  labelValue(): string {
    if (this.text[this.pos] !== '"') this.fail('expected `"` to open a label value');
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) this.fail('unterminated label value');
      this.pos++;
      if (c === '"') return out;
      if (c === '\\') {
        const next = this.text[this.pos];
        if (next === undefined) this.fail('unterminated escape in label value');
        this.pos++;
        out += next === 'n' ? '\n' : next === '\\' || next === '"' ? next : `\\${next}`;
      } else {
        out += c;
      }
    }
  }

  labels(): Record<string, string> {
    const labels: Record<string, string> = {};
    // Called on "{".
    this.pos++;
    for (;;) {
      this.skipBlanks();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return labels;
      }
      const name = this.name(LABEL_START, LABEL_CHAR, 'label name');
      this.skipBlanks();
      if (this.text[this.pos] !== '=') this.fail(`expected "=" after label name "${name}"`);
      this.pos++;
      this.skipBlanks();
      const value = this.labelValue();
      if (Object.hasOwn(labels, name)) this.fail(`label "${name}" appears twice`);
      labels[name] = value;
      this.skipBlanks();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
      } else if (c !== '}') {
        this.fail('expected "," or "}" after a label');
      }
    }
  }
}

function parseSampleLine(text: string, lineNo: number): ExpositionSample {
  const s: LineScanner = new LineScanner(text, lineNo);
  s.skipBlanks();
  const name = s.name(NAME_START, NAME_CHAR, 'metric name');
  const labels = s.text[s.pos] === '{' ? s.labels() : {};
  if (!isBlank(s.text[s.pos])) s.fail('expected a space before the value');
  s.skipBlanks();
  const valueToken = s.token();
  if (!valueToken) s.fail('missing value');
  const value = parseSampleValue(valueToken);
  if (value === undefined) s.fail(`invalid value "${valueToken}"`);
  s.skipBlanks();
  let timestampMs: number | undefined;
  if (s.pos < s.text.length) {
    const ts = s.token();
    if (!INTEGER.test(ts)) s.fail(`invalid timestamp "${ts}"`);
    timestampMs = Number(ts);
    s.skipBlanks();
    if (s.pos < s.text.length) s.fail('unexpected text after the timestamp');
  }
  return timestampMs === undefined ? { name, labels, value } : { name, labels, value, timestampMs };
}

/** The family a sample name belongs to, given the TYPE lines seen so far. */
function familyName(sampleName: string, types: Map<string, MetricType>): string {
  if (types.has(sampleName)) return sampleName;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sampleName.endsWith(suffix)) continue;
    const base = sampleName.slice(0, -suffix.length);
    const type = types.get(base);
    if (type === 'histogram' || (type === 'summary' && suffix !== '_bucket')) return base;
  }
  return sampleName;
}

export function seriesKey(name: string, labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  return `${name}{${keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
}

export function parseExposition(text: string): Exposition {
  const families = new Map<string, MetricFamily>();
  const types = new Map<string, MetricType>();
  const helps = new Map<string, string>();
  const seen = new Set<string>();
  const warnings: string[] = [];
  const family = (name: string): MetricFamily => {
    let f = families.get(name);
    if (!f) {
      f = { name, type: types.get(name) ?? 'untyped', samples: [] };
      const help = helps.get(name);
      if (help !== undefined) f.help = help;
      families.set(name, f);
    }
    return f;
  };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    const trimmed = line.replace(/^[ \t]+/, '');
    if (trimmed === '') continue;
    if (trimmed.startsWith('#')) {
      const m = /^#[ \t]+(HELP|TYPE)(?:[ \t]+(.*))?$/.exec(trimmed);
      if (!m) continue; // a plain comment
      const s: LineScanner = new LineScanner(m[2] ?? '', lineNo);
      const name = s.name(NAME_START, NAME_CHAR, `metric name after # ${m[1]}`);
      if (s.pos < s.text.length && !isBlank(s.text[s.pos])) s.fail(`invalid metric name after # ${m[1]}`);
      const rest = s.text.slice(s.pos).replace(/^[ \t]/, '');
      if (m[1] === 'HELP') {
        const help = unescapeHelp(rest);
        helps.set(name, help);
        const f = families.get(name);
        if (f) f.help = help;
      } else {
        const type = rest.trim() as MetricType;
        if (!METRIC_TYPES.has(type)) s.fail(`unknown metric type "${rest.trim()}" for ${name}`);
        const before = types.get(name);
        if (before && before !== type)
          throw new ExpositionParseError(lineNo, `second TYPE for ${name}: ${type} after ${before}`);
        types.set(name, type);
        const f = families.get(name);
        if (f && f.samples.length > 0 && f.type !== type)
          throw new ExpositionParseError(lineNo, `TYPE for ${name} after its samples`);
        if (f) f.type = type;
      }
      continue;
    }
    const sample = parseSampleLine(line, lineNo);
    const key = seriesKey(sample.name, sample.labels);
    if (seen.has(key)) {
      warnings.push(`line ${lineNo}: ${key} reported again; the first sample is kept`);
      continue;
    }
    seen.add(key);
    family(familyName(sample.name, types)).samples.push(sample);
  }
  return { families: [...families.values()], warnings };
}
