import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

// Shared by the testing unit tests: where the repository and the runner fixtures are,
// whichever folder the compiled test runs from (out/ or a private outDir).

function findRepo(start: string): string | undefined {
  for (let folder = start; ; folder = dirname(folder)) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'refine-loop') return folder;
    if (dirname(folder) === folder) return undefined;
  }
}

/** Above the compiled test (out/test/unit/…), else above the working folder (a private outDir). */
export function repoRoot(): string {
  const found = findRepo(__dirname) ?? findRepo(process.cwd());
  if (!found) throw new Error(`no refine-loop package.json above ${__dirname} or ${process.cwd()}`);
  return found;
}

export const fixturesRoot = (): string => join(repoRoot(), 'test', 'fixtures', 'runners');

export interface CapturedSample {
  readonly name: string;
  readonly file: string;
  readonly format: 'tap' | 'junit' | 'jest-json' | 'go-json' | 'pytest' | 'libtest' | 'mocha';
  readonly folder: string;
  /** The absolute folder the sample was captured in; paths in it are relative to this. */
  readonly root: string;
}

export function capturedSamples(): CapturedSample[] {
  return JSON.parse(readFileSync(join(fixturesRoot(), 'captured', 'manifest.json'), 'utf8')) as CapturedSample[];
}
