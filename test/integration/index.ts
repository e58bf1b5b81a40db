// The entry VS Code's extension host calls with extensionTestsPath: runs every
// *.test.js beside this file with mocha and writes a results JSON (each test's full
// title and state) to REFINE_LOOP_TEST_RESULTS. Same file for code-server and desktop.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';

interface TestResult {
  title: string;
  file: string | undefined;
  state: 'passed' | 'failed' | 'pending';
  durationMs: number | undefined;
  error?: string;
}

/** What held before the first test ran (a test may activate the extension; another reads this). */
export const atStart: { extensionActive?: boolean } = {};

export function run(): Promise<void> {
  atStart.extensionActive = vscode.extensions.getExtension('refine-loop.refine-loop')?.isActive;
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  const grep = process.env.REFINE_LOOP_TEST_GREP;
  if (grep) mocha.grep(grep);
  for (const file of fs.readdirSync(__dirname).sort()) {
    if (file.endsWith('.test.js')) mocha.addFile(path.join(__dirname, file));
  }
  const results: TestResult[] = [];
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const resultsFile = process.env.REFINE_LOOP_TEST_RESULTS;
      if (resultsFile) {
        fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
        fs.writeFileSync(resultsFile, JSON.stringify({ vscodeVersion: vscode.version, uiKind: vscode.UIKind[vscode.env.uiKind], appHost: vscode.env.appHost, tests: results }, null, 2));
      }
      if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
      else resolve();
    });
    runner.on('pass', (test) => results.push({ title: test.fullTitle(), file: test.file, state: 'passed', durationMs: test.duration }));
    runner.on('fail', (test, error: Error) =>
      results.push({ title: test.fullTitle(), file: test.file, state: 'failed', durationMs: test.duration, error: error.stack ?? error.message }),
    );
    runner.on('pending', (test) => results.push({ title: test.fullTitle(), file: test.file, state: 'pending', durationMs: undefined }));
  });
}
