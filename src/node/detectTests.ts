import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { identifyFramework } from '../testing/frameworks';

// Proposes a test command from what the workspace holds, for the person to confirm
// before it first runs. Reads files only; runs nothing.

export interface DetectedCommand {
  readonly command: string;
  readonly framework: string;
  readonly reason: string;
}

async function text(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function names(folder: string): Promise<string[]> {
  try {
    return await readdir(folder);
  } catch {
    return [];
  }
}

const npmPlaceholder = /no test specified/;

export async function detectTestCommand(root: string): Promise<DetectedCommand | undefined> {
  const packageText = await text(join(root, 'package.json'));
  if (packageText !== undefined) {
    let script: string | undefined;
    try {
      script = (JSON.parse(packageText) as { scripts?: Record<string, string> }).scripts?.test;
    } catch {
      script = undefined;
    }
    if (script && !npmPlaceholder.test(script)) {
      return { command: 'npm test', framework: identifyFramework(script) ?? 'npm', reason: `package.json has a "test" script: ${script}` };
    }
  }

  const top = await names(root);
  const pyproject = await text(join(root, 'pyproject.toml'));
  const setupCfg = await text(join(root, 'setup.cfg'));
  const toxIni = await text(join(root, 'tox.ini'));
  const pytestReason =
    (top.includes('pytest.ini') && 'pytest.ini') ||
    (pyproject?.includes('[tool.pytest') && 'pyproject.toml has [tool.pytest.ini_options]') ||
    (setupCfg?.includes('[tool:pytest]') && 'setup.cfg has [tool:pytest]') ||
    (toxIni?.includes('[pytest]') && 'tox.ini has [pytest]') ||
    (top.includes('conftest.py') && 'conftest.py') ||
    undefined;
  const testFolder = [...(await names(join(root, 'tests'))), ...(await names(join(root, 'test')))].find((name) => /^test_.*\.py$|_test\.py$/.test(name));
  if (pytestReason || testFolder || top.some((name) => /^test_.*\.py$/.test(name))) {
    return { command: 'python3 -m pytest', framework: 'pytest', reason: pytestReason ? `found ${pytestReason}` : 'found Python test files (test_*.py)' };
  }
  if (top.includes('go.mod')) return { command: 'go test ./...', framework: 'go', reason: 'found go.mod' };
  if (top.includes('Cargo.toml')) return { command: 'cargo test', framework: 'cargo', reason: 'found Cargo.toml' };
  for (const makefile of ['Makefile', 'makefile', 'GNUmakefile']) {
    const content = top.includes(makefile) ? await text(join(root, makefile)) : undefined;
    if (content && /^test\s*:/m.test(content)) return { command: 'make test', framework: 'make', reason: `${makefile} has a "test" target` };
  }
  return undefined;
}
