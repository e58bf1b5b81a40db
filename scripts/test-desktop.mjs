#!/usr/bin/env node
// `npm run test:desktop`: the integration suite on desktop VS Code through
// @vscode/test-electron, with the executable from VSCODE_EXECUTABLE (nothing is
// downloaded). Without one it says it was skipped and why: never a silent pass.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const executable = process.env.VSCODE_EXECUTABLE;

if (!executable || !existsSync(executable)) {
  const reason = executable
    ? `VSCODE_EXECUTABLE points at ${executable}, which does not exist`
    : 'VSCODE_EXECUTABLE is not set (no desktop VS Code here, and @vscode/test-electron cannot download one without internet)';
  console.log(`desktop integration: SKIPPED: ${reason}.`);
  console.log('desktop integration: 0 passed, 0 failed, all skipped');
  process.exit(0);
}

for (const [command, args] of [
  [process.execPath, ['esbuild.mjs']],
  [process.execPath, [join(root, 'node_modules', '.bin', 'tsc'), '-p', 'tsconfig.json', '--outDir', 'out']],
]) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(1);
}

const { runTests } = await import('@vscode/test-electron');
const scratch = mkdtempSync(join(tmpdir(), 'refine-loop-desktop-'));
const workspace = join(scratch, 'workspace');
cpSync(join(root, 'test', 'fixtures', 'integration-workspace'), workspace, { recursive: true });
const resultsFile = join(root, '.test-results', 'integration-desktop.json');
rmSync(resultsFile, { force: true });

let code = 1;
try {
  code = await runTests({
    vscodeExecutablePath: executable,
    extensionDevelopmentPath: root,
    extensionTestsPath: join(root, 'out', 'test', 'integration', 'index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', join(scratch, 'user-data')],
    extensionTestsEnv: { REFINE_LOOP_TEST_RESULTS: resultsFile, REFINE_LOOP_TEST_WORKSPACE: workspace },
  });
} catch (error) {
  console.error(`desktop integration: ${error.message ?? error}`);
  code = 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
if (existsSync(resultsFile)) {
  const { tests } = JSON.parse(readFileSync(resultsFile, 'utf8'));
  const passed = tests.filter((test) => test.state === 'passed').length;
  const failed = tests.filter((test) => test.state === 'failed').length;
  console.log(`desktop integration: ${passed} passed, ${failed} failed`);
}
process.exit(code === 0 ? 0 : 1);
