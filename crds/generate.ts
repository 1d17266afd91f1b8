/**
 * Writes the CRD YAML and docs/crds.md from the zod schemas.
 *
 *   npx tsx crds/generate.ts           write the files
 *   npx tsx crds/generate.ts --check   exit 1 and list the files that are out of date
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generatedFiles, REPO_ROOT } from './generated-files.ts';

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function main(argv: string[]): number {
  const check = argv.includes('--check');
  const stale: string[] = [];
  for (const file of generatedFiles()) {
    const target = join(REPO_ROOT, file.path);
    if (readOrEmpty(target) === file.content) continue;
    stale.push(file.path);
    if (!check) {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, file.content);
    }
  }
  if (check) {
    if (stale.length > 0) {
      console.error(`out of date (run npm run crds:generate):\n  ${stale.join('\n  ')}`);
      return 1;
    }
    console.log('generated CRD files are up to date');
    return 0;
  }
  console.log(stale.length > 0 ? `wrote ${stale.join(', ')}` : 'generated CRD files were already up to date');
  return 0;
}

process.exitCode = main(process.argv.slice(2));
