// Where a target's trained models live between operator runs: a directory, or a ConfigMap (so a
// new leader or a restarted operator picks up the models without retraining). Each holds the
// forecaster bundle, the risk model bundle and the backtest scorecard, each with its version.

import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isNotFound, type KubeClient } from '../../kube/index.ts';

/** The stored models of one target; absent parts were never trained. */
export interface StoredModels {
  forecaster?: unknown;
  risk?: unknown;
  scorecard?: unknown;
}

export interface ModelStore {
  readonly kind: 'file' | 'configmap';
  load(target: { namespace: string; name: string }): Promise<StoredModels | undefined>;
  save(target: { namespace: string; name: string }, models: StoredModels): Promise<void>;
  /** The targets with stored models, sorted. */
  list(): Promise<{ namespace: string; name: string }[]>;
}

const PARTS = ['forecaster', 'risk', 'scorecard'] as const;
const COMPONENT_LABEL = 'homeostat.dev/component';
const TARGET_ANNOTATION = 'homeostat.dev/target';

function checkName(part: string, what: string): void {
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(part))
    throw new Error(`${what} "${part}" is not a valid Kubernetes name`);
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${path} is not JSON: ${(err as Error).message}`);
  }
}

/** <dir>/<namespace>/<name>/{forecaster,risk,scorecard}.json, each written atomically. */
export class FileModelStore implements ModelStore {
  readonly kind = 'file';
  constructor(private readonly dir: string) {}

  private path(t: { namespace: string; name: string }): string {
    checkName(t.namespace, 'namespace');
    checkName(t.name, 'name');
    return join(this.dir, t.namespace, t.name);
  }

  async load(t: { namespace: string; name: string }): Promise<StoredModels | undefined> {
    const dir = this.path(t);
    const out: StoredModels = {};
    let any = false;
    for (const part of PARTS) {
      const v = await readJson(join(dir, `${part}.json`));
      if (v !== undefined) {
        out[part] = v;
        any = true;
      }
    }
    return any ? out : undefined;
  }

  async list(): Promise<{ namespace: string; name: string }[]> {
    const dirs = async (path: string) => {
      try {
        return (await readdir(path, { withFileTypes: true }))
          .filter((d) => d.isDirectory())
          .map((d) => d.name);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
    };
    const out: { namespace: string; name: string }[] = [];
    for (const namespace of (await dirs(this.dir)).sort())
      for (const name of (await dirs(join(this.dir, namespace))).sort()) {
        const files = await readdir(join(this.dir, namespace, name));
        if (PARTS.some((p) => files.includes(`${p}.json`))) out.push({ namespace, name });
      }
    return out;
  }

  async save(t: { namespace: string; name: string }, models: StoredModels): Promise<void> {
    const dir = this.path(t);
    await mkdir(dir, { recursive: true });
    for (const part of PARTS) {
      if (models[part] === undefined) continue;
      const file = join(dir, `${part}.json`);
      await writeFile(`${file}.tmp`, `${JSON.stringify(models[part])}\n`);
      await rename(`${file}.tmp`, file);
    }
  }
}

/** The ConfigMap name of a target's models: readable, and unique even when truncated. */
export function modelConfigMapName(t: { namespace: string; name: string }): string {
  const readable = `homeostat-models-${t.namespace}-${t.name}`;
  if (readable.length <= 253) return readable;
  const hash = createHash('sha256').update(`${t.namespace}/${t.name}`).digest('hex').slice(0, 10);
  return `${readable.slice(0, 242).replace(/[-.]+$/, '')}-${hash}`;
}

interface ConfigMap {
  metadata?: { resourceVersion?: string; annotations?: Record<string, string>; [k: string]: unknown };
  data?: Record<string, string>;
}

/**
 * One ConfigMap per target in the operator's namespace; data keys forecaster.json, risk.json and
 * scorecard.json. ConfigMaps hold at most 1 MiB: the models here are tens of kilobytes.
 */
export class ConfigMapModelStore implements ModelStore {
  readonly kind = 'configmap';
  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
  ) {
    checkName(namespace, 'namespace');
  }

  private path(name?: string): string {
    return `/api/v1/namespaces/${this.namespace}/configmaps${name ? `/${name}` : ''}`;
  }

  async load(t: { namespace: string; name: string }): Promise<StoredModels | undefined> {
    const name = modelConfigMapName(t);
    let cm: ConfigMap;
    try {
      cm = await this.client.request<ConfigMap>('GET', this.path(name));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    const out: StoredModels = {};
    for (const part of PARTS) {
      const text = cm.data?.[`${part}.json`];
      if (text === undefined) continue;
      try {
        out[part] = JSON.parse(text);
      } catch (err) {
        throw new Error(
          `ConfigMap ${this.namespace}/${name} key ${part}.json is not JSON: ${(err as Error).message}`,
        );
      }
    }
    return out;
  }

  async list(): Promise<{ namespace: string; name: string }[]> {
    const list = await this.client.request<{ items?: ConfigMap[] }>('GET', this.path(), {
      query: { labelSelector: `${COMPONENT_LABEL}=predictor` },
    });
    const out: { namespace: string; name: string }[] = [];
    for (const cm of list.items ?? []) {
      const [namespace, name, ...rest] = (cm.metadata?.annotations?.[TARGET_ANNOTATION] ?? '').split('/');
      if (namespace && name && rest.length === 0) out.push({ namespace, name });
    }
    return out.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  }

  async save(t: { namespace: string; name: string }, models: StoredModels): Promise<void> {
    const name = modelConfigMapName(t);
    const data: Record<string, string> = {};
    for (const part of PARTS)
      if (models[part] !== undefined) data[`${part}.json`] = JSON.stringify(models[part]);
    const body = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name,
        namespace: this.namespace,
        labels: { 'app.kubernetes.io/managed-by': 'homeostat', [COMPONENT_LABEL]: 'predictor' },
        annotations: { [TARGET_ANNOTATION]: `${t.namespace}/${t.name}` },
      },
      data,
    };
    try {
      const existing = await this.client.request<ConfigMap>('GET', this.path(name));
      await this.client.request('PUT', this.path(name), {
        body: {
          ...body,
          metadata: { ...body.metadata, resourceVersion: existing.metadata?.resourceVersion },
          data: { ...existing.data, ...data },
        },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await this.client.request('POST', this.path(), { body });
    }
  }
}
