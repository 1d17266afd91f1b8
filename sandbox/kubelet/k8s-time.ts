// Kubernetes timestamps. metav1.Time is RFC 3339 at second precision; objects read through the typed
// client carry Date instances while objects from a watch carry strings, so readers accept both.

export function rfc3339(at: number | Date = Date.now()): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RFC 3339 with nanoseconds, as the kubelet prefixes log lines. */
export function rfc3339Nano(at: number | Date = Date.now(), nanosWithinMilli = 0): string {
  const iso = new Date(at).toISOString();
  return `${iso.slice(0, 23)}${String(nanosWithinMilli).padStart(6, '0')}Z`;
}

/** metav1.MicroTime, as Lease.spec.renewTime carries it. */
export function rfc3339Micro(at: number | Date = Date.now()): string {
  return `${new Date(at).toISOString().slice(0, 23)}000Z`;
}

export function toMillis(value: Date | string | undefined | null): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
