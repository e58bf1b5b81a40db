import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { TestCase } from '../../../src/domain/testReport';
import { detectTestCommand } from '../../../src/node/detectTests';
import { identifyFramework, withReport, withSelection } from '../../../src/testing/frameworks';
import { resolvePackageScript } from '../../../src/node/testRunner';

// Command-line work per framework (reporter flags, test selection) and the proposal
// of a test command from a workspace's files.

const failing = (name: string, suite: string[] = [], file?: string): TestCase => ({ id: `${file ?? ''}::${[...suite, name].join(' › ')}`, name, suite, status: 'failed', stack: [], ...(file ? { file } : {}) });

describe('identifyFramework', () => {
  const table: [string, string | undefined][] = [
    ['node --test test/', 'node-test'],
    ['node --experimental-vm-modules --test', 'node-test'],
    ['mocha', 'mocha'],
    ['./node_modules/.bin/mocha --recursive', 'mocha'],
    ['jest --ci', 'jest'],
    ['npx vitest run', 'vitest'],
    ['python3 -m pytest -q', 'pytest'],
    ['pytest tests/', 'pytest'],
    ['go test ./...', 'go'],
    ['cargo test --workspace', 'cargo'],
    ['make test', undefined],
    ['node scripts/test.mjs', undefined],
  ];
  for (const [command, expected] of table) it(`${command} → ${expected ?? 'unknown'}`, () => assert.equal(identifyFramework(command), expected));
});

describe('withReport', () => {
  it('puts node options before the test paths', () => {
    assert.equal(withReport('node-test', 'node --test test/', '/tmp/r.tap').command, 'node --test --test-reporter=tap --test-reporter-destination=/tmp/r.tap --test-reporter=spec --test-reporter-destination=stdout test/');
    assert.deepEqual(withReport('node-test', ['node', '--test', 'a.test.js'], '/tmp/r.tap').command, ['node', '--test', '--test-reporter=tap', '--test-reporter-destination=/tmp/r.tap', '--test-reporter=spec', '--test-reporter-destination=stdout', 'a.test.js']);
  });
  it('asks each framework for its machine-readable report', () => {
    assert.equal(withReport('jest', 'jest', '/tmp/r.json').command, 'jest --json --outputFile=/tmp/r.json');
    assert.equal(withReport('pytest', 'pytest -q', '/tmp/r.xml').command, 'pytest -q --junitxml=/tmp/r.xml');
    assert.equal(withReport('go', 'go test ./...', '/x').command, 'go test ./... -json');
    assert.equal(withReport('go', 'go test -json ./...', '/x').command, 'go test -json ./...');
    assert.equal(withReport(undefined, 'make test', '/x').format, 'raw');
  });
});

describe('withSelection', () => {
  it('node:test: a name pattern, and only the failing files when the command allows', () => {
    const tests = [failing('adds (twice)', ['calc'], 'test/calc.test.js')];
    assert.equal(withSelection('node-test', 'node --test test/', tests), "node --test '--test-name-pattern=^(?:adds \\(twice\\))$' test/calc.test.js");
    // A path outside the command's paths: keep the command's paths.
    assert.equal(withSelection('node-test', 'node --test spec/', tests), "node --test '--test-name-pattern=^(?:adds \\(twice\\))$' spec/");
  });
  it('jest and vitest: a full-name pattern and the failing files', () => {
    const tests = [failing('adds', ['calc'], 'test/calc.test.js'), failing('subtracts', ['calc'], 'test/calc.test.js')];
    assert.equal(withSelection('jest', 'jest', tests), "jest -t '^(?:calc adds|calc subtracts)$' 'test/calc\\.test\\.js'");
    assert.equal(withSelection('vitest', 'vitest run', tests), "vitest run -t '(?:calc adds|calc subtracts)$' test/calc.test.js");
  });
  it('pytest: -k with the test functions; parametrised ids by function', () => {
    assert.equal(withSelection('pytest', 'pytest', [failing('test_a'), failing('test_b[1-2]')]), "pytest -k 'test_a or test_b'");
  });
  it('go: -run with top-level names; a subtest re-runs its parent', () => {
    assert.equal(withSelection('go', 'go test ./...', [failing('TestA', ['example.com/m']), failing('small', ['example.com/m', 'TestB'])]), "go test ./... -run '^(?:TestA|TestB)$'");
  });
  it('cargo: exact names after --', () => {
    assert.equal(withSelection('cargo', 'cargo test', [failing('adds', ['tests'])]), 'cargo test -- tests::adds --exact');
    assert.equal(withSelection('cargo', 'cargo test -- --nocapture', [failing('adds', ['tests'])]), 'cargo test -- --nocapture tests::adds --exact');
  });
  it('mocha: --grep on full titles', () => {
    assert.equal(withSelection('mocha', 'mocha', [failing('adds', ['calc'])]), "mocha --grep '^(?:calc adds)$'");
  });
  it('nothing to select, or a framework that cannot: undefined', () => {
    assert.equal(withSelection('jest', 'jest', []), undefined);
    assert.equal(withSelection(undefined, 'make test', [failing('x')]), undefined);
  });
});

describe('detectTestCommand', () => {
  const cases: [string, Record<string, string>, { command: string; framework: string } | undefined][] = [
    ['package.json test script', { 'package.json': JSON.stringify({ scripts: { test: 'vitest run' } }) }, { command: 'npm test', framework: 'vitest' }],
    ["npm's placeholder script is no test script", { 'package.json': JSON.stringify({ scripts: { test: 'echo "Error: no test specified" && exit 1' } }), 'go.mod': 'module x\n' }, { command: 'go test ./...', framework: 'go' }],
    ['pytest.ini', { 'pytest.ini': '[pytest]\n' }, { command: 'python3 -m pytest', framework: 'pytest' }],
    ['pyproject with pytest options', { 'pyproject.toml': '[tool.pytest.ini_options]\n' }, { command: 'python3 -m pytest', framework: 'pytest' }],
    ['Python test files', { 'tests/test_app.py': 'def test_x(): pass\n' }, { command: 'python3 -m pytest', framework: 'pytest' }],
    ['go.mod', { 'go.mod': 'module example.com/x\n' }, { command: 'go test ./...', framework: 'go' }],
    ['Cargo.toml', { 'Cargo.toml': '[package]\nname = "x"\n' }, { command: 'cargo test', framework: 'cargo' }],
    ['Makefile test target', { Makefile: 'build:\n\tcc x.c\ntest: build\n\t./run-tests\n' }, { command: 'make test', framework: 'make' }],
    ['Makefile without a test target', { Makefile: 'build:\n\tcc x.c\n' }, undefined],
    ['nothing', { 'README.md': '# x\n' }, undefined],
  ];
  for (const [name, files, expected] of cases) {
    it(name, async () => {
      const root = mkdtempSync(join(tmpdir(), 'refine-detect-'));
      try {
        for (const [path, content] of Object.entries(files)) {
          mkdirSync(join(root, path, '..'), { recursive: true });
          writeFileSync(join(root, path), content);
        }
        const detected = await detectTestCommand(root);
        if (expected === undefined) assert.equal(detected, undefined);
        else {
          assert.equal(detected?.command, expected.command);
          assert.equal(detected?.framework, expected.framework);
          assert.ok((detected?.reason.length ?? 0) > 0);
        }
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  }
});

describe('resolvePackageScript', () => {
  it('runs a plain test script directly, with node_modules/.bin of the package and its parents on PATH', () => {
    const root = mkdtempSync(join(tmpdir(), 'refine-script-'));
    try {
      writeFileSync(join(root, 'package.json'), JSON.stringify({ scripts: { test: 'jest --ci' } }));
      const resolved = resolvePackageScript(root, 'npm test');
      assert.equal(resolved.command, 'jest --ci');
      assert.ok(resolved.pathPrefix?.startsWith(join(root, 'node_modules', '.bin')));
      writeFileSync(join(root, 'package.json'), JSON.stringify({ scripts: { test: 'tsc && node --test' } }));
      assert.equal(resolvePackageScript(root, 'npm test').command, 'npm test', 'a composite script runs as written');
      writeFileSync(join(root, 'package.json'), JSON.stringify({ scripts: { test: 'jest', pretest: 'tsc' } }));
      assert.equal(resolvePackageScript(root, 'npm test').command, 'npm test', 'a pretest step runs as written');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
