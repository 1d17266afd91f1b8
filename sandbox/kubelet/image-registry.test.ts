import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  containerArgv,
  ImageRegistry,
  ImageRegistryError,
  parseImageReference,
  parseImageRegistry,
  preferCompiled,
} from './image-registry.ts';

describe('parseImageReference', () => {
  it.each([
    ['busybox', { repository: 'busybox', tag: 'latest' }],
    ['busybox:1.36', { repository: 'busybox', tag: '1.36' }],
    ['docker.io/library/busybox:1.36', { repository: 'busybox', tag: '1.36' }],
    ['library/node:20', { repository: 'node', tag: '20' }],
    ['homeostat/orders:dev', { repository: 'homeostat/orders', tag: 'dev' }],
    ['localhost:5000/app', { repository: 'localhost:5000/app', tag: 'latest' }],
    ['localhost:5000/app:v2', { repository: 'localhost:5000/app', tag: 'v2' }],
    ['registry.k8s.io/pause:3.9', { repository: 'registry.k8s.io/pause', tag: '3.9' }],
    [`app@sha256:${'a'.repeat(64)}`, { repository: 'app', digest: `sha256:${'a'.repeat(64)}` }],
  ])('%s', (image, expected) => {
    expect(parseImageReference(image)).toEqual(expected);
  });

  it('rejects nonsense', () => {
    expect(() => parseImageReference('')).toThrow(ImageRegistryError);
    expect(() => parseImageReference('Has Spaces')).toThrow('invalid image reference');
  });
});

describe('parseImageRegistry', () => {
  it('reads entries, resolving cwd against the file', () => {
    const entries = parseImageRegistry(
      'images:\n  homeostat/orders:dev:\n    command: [node, main.ts]\n    cwd: ../svc\n    env: { PORT_HINT: 8080, DEBUG: true }\n',
      '/repo/sandbox/images.yaml',
    );
    expect(entries.get('homeostat/orders:dev')).toEqual({
      command: ['node', 'main.ts'],
      args: [],
      cwd: '/repo/svc',
      env: { PORT_HINT: '8080', DEBUG: 'true' },
      source: '/repo/sandbox/images.yaml',
    });
  });

  it('names the offending field', () => {
    expect(() => parseImageRegistry('images:\n  app:\n    comand: [x]\n', 'f.yaml')).toThrow(
      /f\.yaml: "images"\."app": .*comand/,
    );
    expect(() => parseImageRegistry('images:\n  app:\n    command: node\n', 'f.yaml')).toThrow(
      /"images"\."app"\."command"/,
    );
    expect(() => parseImageRegistry('images:\n  app: {}\n', 'f.yaml')).toThrow(
      'images."app": needs a command (entrypoint) or args',
    );
    expect(() => parseImageRegistry('images: [\n', 'f.yaml')).toThrow('f.yaml: invalid YAML');
    expect(() => parseImageRegistry('imagez: {}\n', 'f.yaml')).toThrow(/imagez/);
  });

  it('accepts an empty file', () => {
    expect(parseImageRegistry('', 'f.yaml').size).toBe(0);
  });
});

describe('ImageRegistry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'images-'));

  it('prefers an exact tag, falls back to a tagless entry, then to the built-in images', () => {
    const file = join(dir, 'a.yaml');
    writeFileSync(
      file,
      'images:\n  shop/app:v2: { command: [v2] }\n  shop/app: { command: [any] }\n  busybox: { command: [mine] }\n',
    );
    const registry = ImageRegistry.open(file, true);
    const command = (image: string) => {
      const r = registry.resolve(image);
      return r.ok ? r.image.command : r;
    };
    expect(command('shop/app:v2')).toEqual(['v2']);
    expect(command('shop/app:v3')).toEqual(['any']);
    expect(command('docker.io/library/busybox:1.36')).toEqual(['mine']);
    const echo = registry.resolve('homeostat/echo:latest');
    expect(echo.ok && echo.image.source).toBe('builtin');
  });

  it('explains an unknown image and names the registry file', () => {
    const file = join(dir, 'b.yaml');
    writeFileSync(file, 'images: {}\n');
    const result = ImageRegistry.open(file, true).resolve('shop/missing:1');
    expect(result).toEqual({
      ok: false,
      reason: 'ErrImagePull',
      message: `image "shop/missing:1" is not in the sandbox image registry ${file}; add an entry mapping "shop/missing" to a local command`,
    });
  });

  it('picks up changes to the file', () => {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'images: {}\n');
    const registry = ImageRegistry.open(file, true);
    expect(registry.resolve('late/app').ok).toBe(false);
    writeFileSync(file, 'images:\n  late/app: { command: [run] }\n');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(registry.resolve('late/app').ok).toBe(true);
  });

  it('keeps the last good entries when the file becomes invalid, and says why in misses', () => {
    const file = join(dir, 'd.yaml');
    writeFileSync(file, 'images:\n  good/app: { command: [run] }\n');
    const registry = ImageRegistry.open(file, true);
    writeFileSync(file, 'images:\n  bad/app: { nope: 1 }\n');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(registry.resolve('good/app').ok).toBe(true);
    const miss = registry.resolve('other/app');
    expect(!miss.ok && miss.message).toContain('the registry file is invalid');
  });

  it('fails at start for a named file that is missing or invalid', () => {
    expect(() => ImageRegistry.open(join(dir, 'absent.yaml'), true)).toThrow('does not exist');
    const file = join(dir, 'e.yaml');
    writeFileSync(file, 'images:\n  x: { args: 3 }\n');
    expect(() => ImageRegistry.open(file, true)).toThrow(ImageRegistryError);
  });

  it('gives the same image ID for the same definition and a new one when it changes', () => {
    const file = join(dir, 'f.yaml');
    writeFileSync(file, 'images:\n  app: { command: [one] }\n');
    const registry = ImageRegistry.open(file, true);
    const first = registry.resolve('app:1');
    expect(first.ok && first.imageId).toMatch(/^app@sha256:[0-9a-f]{64}$/);
    expect(registry.resolve('app:1')).toEqual(first);
    writeFileSync(file, 'images:\n  app: { command: [two] }\n');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const second = registry.resolve('app:1');
    expect(second.ok && second.imageId).not.toBe(first.ok && first.imageId);
  });
});

describe('containerArgv (Docker semantics)', () => {
  const image = { command: ['/entry'], args: ['--default'] };
  it.each([
    [{}, ['/entry', '--default']],
    [{ command: ['/bin/sh', '-c'] }, ['/bin/sh', '-c']],
    [{ args: ['--flag'] }, ['/entry', '--flag']],
    [{ command: ['run'], args: ['x'] }, ['run', 'x']],
    [{ command: [], args: [] }, ['/entry', '--default']],
  ])('%j', (container, argv) => {
    expect(containerArgv(image, container, 'img')).toEqual(argv);
  });

  it('runs a shell image: busybox without a command runs sh, with one runs it', () => {
    const busybox = { command: [], args: ['sh'] };
    expect(containerArgv(busybox, {}, 'busybox')).toEqual(['sh']);
    expect(containerArgv(busybox, { command: ['sh', '-c', 'echo hi'] }, 'busybox')).toEqual([
      'sh',
      '-c',
      'echo hi',
    ]);
    expect(containerArgv(busybox, { args: ['sleep', '5'] }, 'busybox')).toEqual(['sleep', '5']);
  });

  it('refuses an empty command', () => {
    expect(() => containerArgv({ command: [], args: [] }, {}, 'scratch')).toThrow(
      'no command specified: image "scratch"',
    );
  });
});

describe('preferCompiled (registries written for the sources run from dist/)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'registry-compiled-'));
  writeFileSync(join(dir, 'app.js'), '');
  writeFileSync(join(dir, 'both.ts'), '');
  writeFileSync(join(dir, 'both.js'), '');

  it('runs the compiled script without the tsx loader when only the .js exists', () => {
    expect(preferCompiled(['node', '--import', 'tsx', 'app.ts'], dir)).toEqual(['node', 'app.js']);
  });

  it('keeps the TypeScript when it exists, and leaves unknown scripts alone', () => {
    expect(preferCompiled(['node', '--import', 'tsx', 'both.ts'], dir)).toEqual([
      'node',
      '--import',
      'tsx',
      'both.ts',
    ]);
    expect(preferCompiled(['node', 'missing.ts'], dir)).toEqual(['node', 'missing.ts']);
  });
});
