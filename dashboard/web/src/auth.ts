// The control token: given once in the address (`#token=...`, as `npm start` prints it), kept for
// the tab's session only, and removed from the address bar so it is not shared by copy and paste.
const KEY = 'homeostat.token';

export function takeTokenFromLocation(): void {
  const m = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (!m) return;
  sessionStorage.setItem(KEY, m[1]);
  history.replaceState(null, '', location.pathname + location.search);
}

export function token(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

export function setToken(t: string): void {
  sessionStorage.setItem(KEY, t);
}
