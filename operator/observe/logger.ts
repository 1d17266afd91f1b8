// The operator's log: JSON lines on stdout (what a cluster's log pipeline expects), one logger per
// process with a child per component. Secrets never reach it: nothing here logs a kubeconfig,
// a token or a Prometheus URL's credentials (see redactUrl).
import { type Logger, pino } from 'pino';
import type { LogLevel } from '../options.ts';

export function operatorLogger(level: LogLevel, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { component: 'operator', ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Credentials some objects may carry, whatever a caller logs by mistake.
    redact: { paths: ['*.password', '*.token', '*.authorization', '*.headers.authorization'], censor: '***' },
  });
}

/** A URL without user info, for logs and banners. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '<invalid URL>';
  }
}
