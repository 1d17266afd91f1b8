// The Prometheus scrape job for the chaos proxy sidecars: every pod port named chaos-admin serves
// the proxy's RED metrics on /metrics. Pods are found through kubernetes_sd (role pod) or any
// http_sd that carries the same labels (the sandbox kubelet's /http_sd/pods); the app's own metrics
// stay with the annotation-driven pod job, so the two never scrape the same port.

/** The container port name the sidecar's admin API and metrics listen on. */
export const ADMIN_PORT_NAME = 'chaos-admin';

export interface ScrapeJobOptions {
  /** Discovery: an http_sd URL, or omitted for in-cluster kubernetes_sd_configs (role pod). */
  httpSdUrl?: string;
  refreshInterval?: string;
  jobName?: string;
}

export function chaosProxyScrapeJob(options: ScrapeJobOptions = {}): Record<string, unknown> {
  const discovery = options.httpSdUrl
    ? { http_sd_configs: [{ url: options.httpSdUrl, refresh_interval: options.refreshInterval ?? '5s' }] }
    : { kubernetes_sd_configs: [{ role: 'pod' }] };
  return {
    job_name: options.jobName ?? 'chaos-proxy',
    metrics_path: '/metrics',
    ...discovery,
    relabel_configs: [
      {
        source_labels: ['__meta_kubernetes_pod_container_port_name'],
        action: 'keep',
        regex: ADMIN_PORT_NAME,
      },
      { source_labels: ['__meta_kubernetes_pod_phase'], action: 'drop', regex: 'Pending|Succeeded|Failed' },
      { action: 'labelmap', regex: '__meta_kubernetes_pod_label_(.+)' },
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
      { source_labels: ['__meta_kubernetes_pod_node_name'], target_label: 'node' },
    ],
  };
}
