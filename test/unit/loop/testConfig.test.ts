import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchesAny } from '../../../src/domain/glob';
import type { FileChange } from '../../../src/domain/model';
import { defaultProtectedPaths } from '../../../src/domain/settings';
import { filesRunByScripts, protectedReasons, scriptsNamedIn, testConfigReason } from '../../../src/loop/testConfig';
import { SuiteGuard } from '../../../src/loop/suiteGuard';
import { bytes, report } from './fakes';

// Test configuration is protected like the tests, and the check reads what a change does:
// a narrowed test script asks, a dependency bump does not.

const modify = (path: string, before: string, after: string): FileChange => ({ path, kind: 'modify', before: bytes(before), after: bytes(after) });
const pkg = (scripts: Record<string, string>, extra: Record<string, unknown> = {}) => JSON.stringify({ name: 'cart', scripts, ...extra }, null, 2);
const reason = (change: FileChange, command = 'npm test') => testConfigReason(change, command);

test('package.json: the test script emptied, narrowed, or wrapped by pretest/posttest is a test change', () => {
  const original = pkg({ test: 'node --test', lint: 'eslint .' });
  assert.match(reason(modify('package.json', original, pkg({ test: 'exit 0', lint: 'eslint .' })))!, /"test"/);
  assert.match(reason(modify('package.json', original, pkg({ test: 'node --test --test-name-pattern="total"', lint: 'eslint .' })))!, /"test"/);
  assert.match(reason(modify('package.json', original, pkg({ test: 'node --test', pretest: 'exit 0', lint: 'eslint .' })))!, /"pretest"/);
  assert.match(reason(modify('package.json', original, pkg({ test: 'node --test', posttest: 'true', lint: 'eslint .' })))!, /"posttest"/);
  assert.match(reason(modify('package.json', original, pkg({ lint: 'eslint .' })))!, /"test"/, 'removing it');
  assert.match(reason(modify('package.json', original, pkg({ test: 'node --test', lint: 'eslint .' }, { jest: { testPathIgnorePatterns: ['cart'] } })))!, /"jest"/);
  assert.match(reason(modify('package.json', original, '{ "scripts": '))!, /readable JSON/);
});

test('package.json: dependencies, unrelated scripts and the version are not test changes', () => {
  const original = pkg({ test: 'node --test', lint: 'eslint .' }, { dependencies: { diff: '9.0.0' } });
  assert.equal(reason(modify('package.json', original, pkg({ test: 'node --test', lint: 'eslint .' }, { dependencies: { diff: '9.1.0', zod: '4.0.0' } }))), undefined);
  assert.equal(reason(modify('package.json', original, pkg({ test: 'node --test', lint: 'eslint src' }, { dependencies: { diff: '9.0.0' } }))), undefined);
  assert.equal(reason(modify('package.json', original, original.replace('"cart"', '"cart2"'))), undefined);
});

test('package.json: the scripts the test command names, and what they run in turn', () => {
  const original = pkg({ 'test:unit': 'npm run build && node --test', build: 'tsc', lint: 'eslint .', ci: 'run-s lint test:*' });
  const command = 'npm run test:unit';
  assert.match(reason(modify('package.json', original, pkg({ 'test:unit': 'true', build: 'tsc', lint: 'eslint .', ci: 'run-s lint test:*' })), command)!, /"test:unit"/);
  assert.match(reason(modify('package.json', original, pkg({ 'test:unit': 'npm run build && node --test', build: 'exit 0', lint: 'eslint .', ci: 'run-s lint test:*' })), command)!, /"build"/);
  assert.match(reason(modify('package.json', original, pkg({ 'test:unit': 'npm run build && node --test', prebuild: 'x', build: 'tsc', lint: 'eslint .', ci: 'run-s lint test:*' })), command)!, /"prebuild"/);
  assert.equal(reason(modify('package.json', original, pkg({ 'test:unit': 'npm run build && node --test', build: 'tsc', lint: 'eslint src', ci: 'run-s lint test:*' })), command), undefined);
  // Through run-s globs: `npm run ci` runs lint and every test:* script.
  assert.match(reason(modify('package.json', original, pkg({ 'test:unit': 'npm run build && node --test', build: 'tsc', lint: 'true', ci: 'run-s lint test:*' })), 'npm run ci')!, /"lint"/);
  assert.deepEqual(scriptsNamedIn('yarn test:e2e && pnpm run check && npm t'), ['check', 'test', 'test:e2e']);
});

test('runner configuration files, whole or by their test sections', () => {
  for (const path of ['jest.config.js', 'vitest.config.ts', 'vitest.workspace.ts', '.mocharc.yml', '.mocharc.json', 'pytest.ini', 'tox.ini', 'noxfile.py', 'web/playwright.config.ts', 'karma.conf.js']) {
    assert.match(reason(modify(path, 'a', 'b'))!, /test runner configuration/, path);
  }
  assert.match(reason({ path: 'jest.config.js', kind: 'delete', before: bytes('module.exports = {}') })!, /deletes/);
  assert.match(reason(modify('vite.config.ts', 'export default { test: { include: ["a"] } }', 'export default { test: { include: [] } }'))!, /vite/);
  assert.equal(reason(modify('vite.config.ts', 'export default { base: "/" }', 'export default { base: "/app/" }')), undefined);

  const pyproject = '[project]\nname = "calc"\ndependencies = ["a"]\n\n[tool.pytest.ini_options]\naddopts = "-q"\ntestpaths = ["tests"]\n';
  assert.match(reason(modify('pyproject.toml', pyproject, pyproject.replace('testpaths = ["tests"]', 'testpaths = ["tests/ok"]')))!, /tool\.pytest/);
  assert.equal(reason(modify('pyproject.toml', pyproject, pyproject.replace('dependencies = ["a"]', 'dependencies = ["a", "b"]'))), undefined);
  assert.match(reason(modify('setup.cfg', '[metadata]\nname = x\n[tool:pytest]\naddopts = -q\n', '[metadata]\nname = x\n[tool:pytest]\naddopts = -q -k "not slow"\n'))!, /pytest/);

  const cargo = '[package]\nname = "calc"\n\n[dependencies]\nserde = "1"\n\n[[test]]\nname = "it"\nharness = true\n';
  assert.match(reason(modify('Cargo.toml', cargo, cargo.replace('harness = true', 'harness = false')))!, /cargo/);
  assert.match(reason(modify('Cargo.toml', cargo, cargo.replace('[[test]]', '[lib]\ntest = false\n\n[[test]]')))!, /cargo/);
  assert.equal(reason(modify('Cargo.toml', cargo, cargo.replace('serde = "1"', 'serde = "1.0.200"'))), undefined);

  const make = 'build:\n\tcc -o calc calc.c\n\ntest: build\n\t./calc --self-test\n\t./run-tests.sh\n';
  assert.match(reason(modify('Makefile', make, make.replace('\t./run-tests.sh\n', '')), 'make test')!, /Makefile's test target/);
  assert.equal(reason(modify('Makefile', make, make.replace('cc -o', 'cc -O2 -o')), 'make test'), undefined);
  assert.match(reason(modify('Makefile', make.replace(/test:/, 'unit:'), make.replace(/test:/, 'unit:').replace('--self-test', '--version')), 'make unit')!, /unit/);
});

test('the protected reasons of a proposal: patterns, files a report named, files the test command runs, test configuration', () => {
  const changes: FileChange[] = [
    modify('src/cart.js', 'a', 'b'),
    { path: 'spec/cart_spec.js', kind: 'delete', before: bytes('x') },
    modify('lib/helpers.js', 'a', 'b'),
    modify('run-tests.sh', 'a', 'b'),
    modify('package.json', pkg({ test: './run-tests.sh' }), pkg({ test: 'exit 0' })),
    modify('scripts/check.mjs', 'a', 'b'),
    { path: 'config/jest.config.js', kind: 'rename', oldPath: 'jest.config.js', before: bytes('x'), after: bytes('x') },
  ];
  const reasons = protectedReasons(changes, { globs: defaultProtectedPaths, testCommand: 'npm test && ./run-tests.sh', testFiles: new Set(['lib/helpers.js']), commandFiles: new Set(['scripts/check.mjs']) }, matchesAny);
  assert.deepEqual([...reasons.keys()], ['spec/cart_spec.js', 'lib/helpers.js', 'run-tests.sh', 'package.json', 'scripts/check.mjs', 'config/jest.config.js', 'jest.config.js']);
  assert.match(reasons.get('spec/cart_spec.js')!, /protected path pattern/);
  assert.match(reasons.get('lib/helpers.js')!, /test report named it/);
  assert.match(reasons.get('run-tests.sh')!, /test command runs it/);
  assert.deepEqual(filesRunByScripts(pkg({ test: 'node scripts/test.mjs unit', pretest: 'bash ./tools/prepare.sh' }), 'npm test').sort(), ['scripts/test.mjs', 'tools/prepare.sh']);
});

test('the default protected paths also cover spec/, *_spec.*, e2e/ and __snapshots__/', () => {
  for (const path of ['spec/cart_spec.js', 'app/spec/models/user.rb', 'lib/cart_spec.rb', 'e2e/login.ts', 'web/e2e/flow.js', 'src/__snapshots__/cart.test.js.snap'])
    assert.equal(matchesAny(path, defaultProtectedPaths), true, path);
  for (const path of ['src/special.js', 'src/inspect.js', 'docs/e2e-guide.md']) assert.equal(matchesAny(path, defaultProtectedPaths), false, path);
});

test('the files a report names become protected, except where they are source files (Rust, go)', () => {
  const change = [modify('src/lib.rs', 'a', 'b'), modify('lib/cart.js', 'a', 'b')];
  const tap = new SuiteGuard('npm test', []);
  tap.observe({ ...report({ a: 'failed' }), tests: [{ ...report({ a: 'failed' }).tests[0]!, file: 'lib/cart.js' }] }, 0);
  assert.deepEqual([...tap.protectedIn(change).keys()], ['lib/cart.js']);
  const cargo = new SuiteGuard('cargo test', []);
  cargo.observe({ ...report({ a: 'failed' }), format: 'libtest', tests: [{ ...report({ a: 'failed' }).tests[0]!, file: 'src/lib.rs' }] }, 0);
  assert.deepEqual([...cargo.protectedIn(change).keys()], []);
});
