// The sandbox has no container images: an image reference names a local program. The registry
// file maps image references to an entrypoint (`command`), default arguments (`args`), a working
// directory and environment, the way an image's ENTRYPOINT, CMD, WORKDIR and ENV do. A few generic
// images are built in so tests and users need no file at all.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export interface ImageDefinition {
  /** ENTRYPOINT: replaced by the container's `command`. */
  command: string[];
  /** CMD: replaced by the container's `args`. */
  args: string[];
  /** WORKDIR, absolute. Undefined means the kubelet's data directory for the pod. */
  cwd?: string;
  /** ENV: the lowest-precedence variables the container sees. */
  env: Record<string, string>;
  /** Where the definition came from, for messages: "builtin" or the registry file path. */
  source: string;
}

export class ImageRegistryError extends Error {
  override name = 'ImageRegistryError';
}

const entrySchema = z.strictObject({
  command: z.array(z.string()).default([]),
  args: z.array(z.string()).default([]),
  cwd: z.string().min(1).optional(),
  env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
});

const fileSchema = z.strictObject({
  images: z.record(z.string(), entrySchema).default({}),
});

/** An image reference split into its familiar repository ("busybox", "homeostat/orders") and tag or digest. */
export interface ImageReference {
  repository: string;
  tag?: string;
  digest?: string;
}

const REFERENCE =
  /^(?<name>[a-z0-9][a-z0-9._\-/:]*?)(?::(?<tag>[\w][\w.-]{0,127}))?(?:@(?<digest>[a-z0-9]+:[a-f0-9]{32,}))?$/i;

export function parseImageReference(image: string): ImageReference {
  const trimmed = image.trim();
  const match = REFERENCE.exec(trimmed);
  if (!trimmed || !match?.groups) throw new ImageRegistryError(`invalid image reference "${image}"`);
  // A colon followed by a slash ("localhost:5000/app") belongs to a registry host, not a tag; the
  // pattern only takes a tag that has no slash after it.
  let repository = match.groups.name;
  let tag = match.groups.tag;
  if (repository.endsWith('/') || repository.includes('//'))
    throw new ImageRegistryError(`invalid image reference "${image}"`);
  repository = repository
    .replace(/^(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '')
    .replace(/^library\//, '');
  const digest = match.groups.digest;
  if (tag === undefined && digest === undefined) tag = 'latest';
  return { repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** Parses registry YAML. Keys are image references; a key without a tag matches every tag. */
export function parseImageRegistry(text: string, filePath: string): Map<string, ImageDefinition> {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    throw new ImageRegistryError(`image registry ${filePath}: invalid YAML: ${(err as Error).message}`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : JSON.stringify(p))).join('.');
    throw new ImageRegistryError(`image registry ${filePath}: ${where || '(root)'}: ${issue.message}`);
  }
  const baseDir = dirname(resolve(filePath));
  const entries = new Map<string, ImageDefinition>();
  for (const [key, entry] of Object.entries(parsed.data.images)) {
    const hasTag = /:[^/]+$/.test(key) || key.includes('@');
    let ref: ImageReference;
    try {
      ref = parseImageReference(key);
    } catch {
      throw new ImageRegistryError(
        `image registry ${filePath}: images.${JSON.stringify(key)}: not a valid image reference`,
      );
    }
    if (entry.command.length === 0 && entry.args.length === 0) {
      throw new ImageRegistryError(
        `image registry ${filePath}: images.${JSON.stringify(key)}: needs a command (entrypoint) or args (default command)`,
      );
    }
    const cwd = entry.cwd ? (isAbsolute(entry.cwd) ? entry.cwd : resolve(baseDir, entry.cwd)) : undefined;
    entries.set(registryKey(ref, hasTag), {
      command: preferCompiled(entry.command, cwd ?? baseDir),
      args: preferCompiled(entry.args, cwd ?? baseDir),
      ...(cwd ? { cwd } : {}),
      env: entry.env,
      source: filePath,
    });
  }
  return entries;
}

function registryKey(ref: ImageReference, withVersion: boolean): string {
  if (!withVersion) return ref.repository;
  if (ref.digest) return `${ref.repository}@${ref.digest}`;
  return `${ref.repository}:${ref.tag}`;
}

function lookup(entries: Map<string, ImageDefinition>, ref: ImageReference): ImageDefinition | undefined {
  return (
    (ref.digest ? entries.get(`${ref.repository}@${ref.digest}`) : undefined) ??
    (ref.tag ? entries.get(`${ref.repository}:${ref.tag}`) : undefined) ??
    entries.get(ref.repository)
  );
}

const KUBELET_DIR = dirname(fileURLToPath(import.meta.url));
/** Compiled (dist/), the kubelet runs its images' JavaScript; from the sources, their TypeScript through tsx. */
const COMPILED = import.meta.url.endsWith('.js');
export const ECHO_SERVER_PATH = resolve(KUBELET_DIR, `images/echo-server.${COMPILED ? 'js' : 'ts'}`);

function tsxLoaderUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

/**
 * A registry written for the sources (`node --import tsx app.ts`) also runs from a compiled copy
 * (dist/), where only `app.js` exists: the script becomes its .js and the tsx loader is dropped.
 */
export function preferCompiled(argv: readonly string[], cwd: string): string[] {
  const out = [...argv];
  for (let i = 0; i < out.length; i++) {
    const arg = out[i]!;
    if (!arg.endsWith('.ts')) continue;
    const ts = resolve(cwd, arg);
    const js = ts.replace(/\.ts$/, '.js');
    if (existsSync(ts) || !existsSync(js)) continue;
    out[i] = arg.replace(/\.ts$/, '.js');
    const tsx = out.findIndex((a, j) => j > 0 && a === 'tsx' && out[j - 1] === '--import');
    if (tsx > 0 && tsx < i) {
      out.splice(tsx - 1, 2);
      i -= 2;
    }
  }
  return out;
}

/** Images every sandbox knows. A registry file entry with the same key takes precedence. */
export function builtinImages(): Map<string, ImageDefinition> {
  const builtin = (command: string[], args: string[], cwd?: string): ImageDefinition => ({
    command,
    args,
    env: {},
    source: 'builtin',
    ...(cwd ? { cwd } : {}),
  });
  const shell = builtin([], ['sh']);
  return new Map<string, ImageDefinition>([
    [
      'homeostat/echo',
      builtin(
        COMPILED
          ? [process.execPath, ECHO_SERVER_PATH]
          : [process.execPath, '--import', tsxLoaderUrl(), ECHO_SERVER_PATH],
        [],
        KUBELET_DIR,
      ),
    ],
    ['busybox', shell],
    ['alpine', shell],
    ['debian', shell],
    ['ubuntu', shell],
    ['bash', builtin([], ['bash'])],
    ['node', builtin([], [process.execPath])],
    ['python', builtin([], ['python3'])],
    ['registry.k8s.io/pause', builtin(['sleep', 'infinity'], [])],
  ]);
}

export type ImageLookup =
  | { ok: true; image: ImageDefinition; imageId: string }
  | { ok: false; reason: 'ErrImagePull' | 'InvalidImageName'; message: string };

/**
 * The registry file plus the built-in images. The file is re-read when it changes, so an entry
 * added while a pod sits in ImagePullBackOff is picked up on the next retry.
 */
export class ImageRegistry {
  private fileEntries = new Map<string, ImageDefinition>();
  private readonly builtins = builtinImages();
  private loadedMtimeMs = -1;
  private loadError: string | undefined;

  private constructor(readonly filePath: string | undefined) {}

  /** Loads the registry. A file that is named but missing or invalid is an error at start. */
  static open(filePath: string | undefined, required: boolean): ImageRegistry {
    const registry = new ImageRegistry(filePath ? resolve(filePath) : undefined);
    if (filePath) {
      if (required && !fileExists(registry.filePath!)) {
        throw new ImageRegistryError(`image registry file ${registry.filePath} does not exist`);
      }
      registry.refresh();
      if (registry.loadError) throw new ImageRegistryError(registry.loadError);
    }
    return registry;
  }

  resolve(image: string): ImageLookup {
    let ref: ImageReference;
    try {
      ref = parseImageReference(image);
    } catch (err) {
      return { ok: false, reason: 'InvalidImageName', message: (err as Error).message };
    }
    this.refresh();
    const found = lookup(this.fileEntries, ref) ?? lookup(this.builtins, ref);
    if (found) return { ok: true, image: found, imageId: imageIdOf(ref, found) };
    const where = this.filePath
      ? `the sandbox image registry ${this.filePath}`
      : 'the built-in sandbox images';
    const hint = this.loadError ? ` (the registry file is invalid: ${this.loadError})` : '';
    return {
      ok: false,
      reason: 'ErrImagePull',
      message: `image "${image}" is not in ${where}${hint}; add an entry mapping "${ref.repository}" to a local command`,
    };
  }

  private refresh(): void {
    if (!this.filePath) return;
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.filePath).mtimeMs;
    } catch {
      this.fileEntries = new Map();
      this.loadedMtimeMs = -1;
      this.loadError = undefined;
      return;
    }
    if (mtimeMs === this.loadedMtimeMs) return;
    try {
      this.fileEntries = parseImageRegistry(readFileSync(this.filePath, 'utf8'), this.filePath);
      this.loadError = undefined;
    } catch (err) {
      // Keep serving the last good entries; the error shows in unknown-image messages.
      this.loadError = (err as Error).message;
    }
    this.loadedMtimeMs = mtimeMs;
  }
}

function fileExists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** A stable image ID: the same definition gives the same digest, a changed definition a new one. */
function imageIdOf(ref: ImageReference, image: ImageDefinition): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([image.command, image.args, image.cwd ?? '', image.env]))
    .digest('hex');
  return `${ref.repository}@sha256:${digest}`;
}

export class ContainerCommandError extends Error {
  override name = 'ContainerCommandError';
}

/**
 * The argv of a container, with Docker's rules: `command` replaces the image's entrypoint and
 * drops its default args; `args` replaces the default args.
 */
export function containerArgv(
  image: Pick<ImageDefinition, 'command' | 'args'>,
  container: { command?: string[]; args?: string[] },
  imageName: string,
): string[] {
  const hasCommand = (container.command?.length ?? 0) > 0;
  const hasArgs = (container.args?.length ?? 0) > 0;
  const entrypoint = hasCommand ? container.command! : image.command;
  const args = hasArgs ? container.args! : hasCommand ? [] : image.args;
  const argv = [...entrypoint, ...args];
  if (argv.length === 0 || argv[0] === '') {
    throw new ContainerCommandError(
      `no command specified: image "${imageName}" has no entrypoint or default command and the container sets none`,
    );
  }
  return argv;
}
