/**
 * Validation of five-field cron expressions, with the syntax Kubernetes CronJobs accept:
 * `minute hour day-of-month month day-of-week`, each field `*`, `n`, `a-b`, any of them with
 * `/step`, comma-separated lists, month and weekday names, `?` for either day field, and the
 * macros @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly.
 */

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** The first name stands for this number (JAN = 1, SUN = 0). */
  namesFrom?: number;
  allowQuestionMark?: boolean;
}

const FIELDS: FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, allowQuestionMark: true },
  { name: 'month', min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  { name: 'day-of-week', min: 0, max: 7, names: WEEKDAYS, namesFrom: 0, allowQuestionMark: true },
];

/** Expands a macro such as @daily to its five fields; other expressions are returned trimmed. */
export function normalizeCron(expression: string): string {
  const trimmed = expression.trim();
  return MACROS[trimmed.toLowerCase()] ?? trimmed.split(/\s+/).join(' ');
}

function parseValue(text: string, spec: FieldSpec): number | string {
  if (/^[0-9]+$/.test(text)) {
    const value = Number(text);
    if (value < spec.min || value > spec.max) {
      return `${spec.name} value ${value} is out of range ${spec.min}-${spec.max}`;
    }
    return value;
  }
  const index = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (index === -1) return `${spec.name} value "${text}" is not a number${spec.names ? ' or a name' : ''}`;
  return index + (spec.namesFrom ?? 0);
}

function fieldError(field: string, spec: FieldSpec): string | undefined {
  for (const item of field.split(',')) {
    if (item === '') return `${spec.name} field "${field}" has an empty list item`;
    const [range, step, ...extra] = item.split('/');
    if (extra.length > 0) return `${spec.name} item "${item}" has more than one "/"`;
    if (step !== undefined && !/^[1-9][0-9]*$/.test(step)) {
      return `${spec.name} step "${step}" must be a positive integer`;
    }
    if (range === '*') continue;
    if (range === '?') {
      if (!spec.allowQuestionMark || step !== undefined) return `${spec.name} does not allow "${item}"`;
      continue;
    }
    const bounds = range.split('-');
    if (bounds.length > 2) return `${spec.name} range "${range}" is malformed`;
    const values: number[] = [];
    for (const bound of bounds) {
      const parsed = parseValue(bound, spec);
      if (typeof parsed === 'string') return parsed;
      values.push(parsed);
    }
    if (values.length === 2 && values[0] > values[1]) {
      return `${spec.name} range "${range}" starts after it ends`;
    }
  }
  return undefined;
}

/** Returns what is wrong with a cron expression, or undefined when it is valid. */
export function cronError(expression: string): string | undefined {
  const normalized = normalizeCron(expression);
  if (normalized.startsWith('@')) return `unknown macro "${normalized}"`;
  const fields = normalized.split(' ');
  if (fields.length !== 5 || normalized === '') {
    return `expected 5 fields (minute hour day-of-month month day-of-week), got ${normalized === '' ? 0 : fields.length}`;
  }
  for (let i = 0; i < FIELDS.length; i++) {
    const error = fieldError(fields[i], FIELDS[i]);
    if (error) return error;
  }
  return undefined;
}
