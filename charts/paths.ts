// Where the chart and its renderer live in the repository.
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CHART_DIR = fileURLToPath(new URL('./homeostat', import.meta.url));
export const RENDERER_SOURCE_DIR = fileURLToPath(new URL('./render', import.meta.url));
