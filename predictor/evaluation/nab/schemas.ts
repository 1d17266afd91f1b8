// zod schemas of the files NAB reads: the scoring profiles, the labelled windows, and the rows of
// data and results CSVs (after the CSV reader has split them into named cells).

import { z } from 'zod';
import { isNabTimestamp, parseNabTimestamp } from './timestamp.ts';

const timestampMessage = (input: unknown) =>
  `expected a timestamp like "2014-04-10 07:15:00", got ${JSON.stringify(input)}`;

const timestampText = z.string().refine(isNabTimestamp, { error: (issue) => timestampMessage(issue.input) });

/** A CSV cell holding a timestamp, read as microseconds since the epoch (see timestamp.ts). */
const timestampCell = z.string().transform((text, ctx) => {
  const micros = parseNabTimestamp(text);
  if (micros === undefined) {
    ctx.addIssue({ code: 'custom', message: timestampMessage(text) });
    return z.NEVER;
  }
  return micros;
});

/** A CSV cell holding a finite number. */
const numberCell = z.string().transform((text, ctx) => {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) {
    ctx.addIssue({ code: 'custom', message: `expected a finite number, got ${JSON.stringify(text)}` });
    return z.NEVER;
  }
  return value;
});

const weight = z.number().nonnegative();

export const costMatrixSchema = z.object({
  tpWeight: weight,
  fpWeight: weight,
  fnWeight: weight,
  tnWeight: weight.optional(),
});

/** config/profiles.json: profile name → { CostMatrix }. */
export const profilesFileSchema = z
  .record(z.string().min(1), z.object({ CostMatrix: costMatrixSchema }))
  .refine((profiles) => Object.keys(profiles).length > 0, { error: 'no profiles defined' });

/** labels/combined_windows.json: data file path (relative to data/) → [start, end] timestamp pairs. */
export const windowsFileSchema = z.record(
  z.string().min(1),
  z.array(z.tuple([timestampText, timestampText])),
);

export const dataRowSchema = z.object({ timestamp: timestampCell, value: numberCell });

export const resultsRowSchema = z.object({
  timestamp: timestampCell.optional(),
  anomaly_score: numberCell.pipe(
    z
      .number()
      .min(0, { error: 'anomaly_score must be in [0, 1]' })
      .max(1, { error: 'anomaly_score must be in [0, 1]' }),
  ),
});

export type ProfilesFile = z.infer<typeof profilesFileSchema>;
export type WindowsFile = z.infer<typeof windowsFileSchema>;

/** One clause per issue: "standard.CostMatrix.fpWeight: message", `["cat/a.csv"][0]: message`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issuePath(issue.path) || '(top level)'}: ${issue.message}`)
    .join('; ');
}

function issuePath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => {
      if (typeof key === 'number') return `[${key}]`;
      const name = String(key);
      if (/^[A-Za-z_$][\w$]*$/.test(name)) return i === 0 ? name : `.${name}`;
      return `[${JSON.stringify(name)}]`;
    })
    .join('');
}
