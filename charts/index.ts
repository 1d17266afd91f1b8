// The Helm chart's tooling: render charts/homeostat without helm, check its values, keep its
// copies of the CRDs and the fleet's manifests in step with their sources.
export { type ChartCopyProblem, checkChartCopies, syncChartCopies } from './chart-copies.ts';
export { CHART_DIR } from './paths.ts';
export {
  ChartRenderError,
  type ChartRenderOptions,
  type KubernetesManifest,
  type RenderedChart,
  type RenderedManifest,
  renderChart,
  renderChartNotes,
} from './render.ts';
export { rendererBinary } from './renderer-binary.ts';
export { type ChartValueIssue, ChartValuesError, checkChartValues } from './values-schema.ts';
