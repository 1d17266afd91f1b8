// Public surface of the operator's metrics: the Prometheus HTTP API client, the two metric sources
// behind one interface (Prometheus, or scraping pods directly when none runs), and the signals
// they produce, each with its value, sample time, source and Ok/Stale/Missing state.

import { PrometheusClient, type PrometheusClientOptions } from './prometheus-client.ts';
import { PrometheusSource, type PrometheusSourceOptions } from './prometheus-source.ts';
import { ScrapeSource, type ScrapeSourceOptions } from './scrape-source.ts';
import type { MetricsSource } from './signals.ts';

export {
  isMetricsError,
  MetricsError,
  type MetricsErrorKind,
  MetricsServerError,
  MetricsTimeoutError,
  MetricsUnreachableError,
  PromQLRejectedError,
} from './errors.ts';
export { type Exposition, ExpositionParseError, type MetricFamily, parseExposition } from './exposition.ts';
export type { HttpAuth } from './http.ts';
export { type MetricsTarget, type PodLike, type ScrapeEndpoint, scrapeEndpoint } from './pods.ts';
export {
  type CallOptions,
  type InstantQueryOptions,
  type Labels,
  PrometheusClient,
  type PrometheusClientOptions,
  type QueryResult,
  type QueryValidation,
  type RangeQueryOptions,
  type RangeQueryResult,
  type RangeSeries,
  type Sample,
  type VectorSample,
} from './prometheus-client.ts';
export { PrometheusSource, type PrometheusSourceOptions } from './prometheus-source.ts';
export { type Bucket, counterIncrease, histogramQuantile, increase, rate } from './promql-math.ts';
export { ScrapeSource, type ScrapeSourceOptions } from './scrape-source.ts';
export {
  BUILTIN_SIGNALS,
  type BuiltinSignalName,
  type BuiltinSignals,
  type CustomSignalQuery,
  type CustomSignalReading,
  DEFAULT_METRIC_NAMES,
  judgeFreshness,
  type MetricsSource,
  type PodSignals,
  type QueryCheck,
  type ReadOptions,
  renderSignalQuery,
  type SignalMetricNames,
  type SignalState,
  type SignalValue,
  type SourceKind,
  type TargetSignals,
} from './signals.ts';

export type MetricsSourceOptions =
  | ({ prometheus: PrometheusClientOptions } & Omit<PrometheusSourceOptions, 'client'>)
  | ({ prometheus?: undefined } & ScrapeSourceOptions);

/** Prometheus when one is configured, else direct scraping of the pods. */
export function createMetricsSource(options: MetricsSourceOptions): MetricsSource {
  if (options.prometheus) {
    const { prometheus, ...rest } = options;
    return new PrometheusSource({ ...rest, client: new PrometheusClient(prometheus) });
  }
  const { prometheus: _none, ...rest } = options;
  return new ScrapeSource(rest);
}
