import { describe, it, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createReadTools } from '../../../src/agents/tools/readTools';
import { LIST_MAX_ENTRIES, READ_MAX_LINES } from '../../../src/agents/tools/definitions';
import { createWorkspaceReader } from '../../../src/node/workspaceReader';
import { isIgnored, parseGitignore } from '../../../src/node/gitignore';
import { fixture, tempDir } from './helpers';

// The read-only tools over a real folder: what they show, what they cap, and every bad
// call as an error result that says what to fix (and touches nothing).

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const full = path.join(folder, name);
      const info = statSync(full, { throwIfNoEntry: false });
      if (!info) continue;
      if (info.isDirectory()) walk(full);
      else out[path.relative(dir, full)] = `${info.size}:${info.mtimeMs}`;
    }
  };
  walk(dir);
  return out;
}

describe('read-only tools over a folder on disk', () => {
  let dir: string;
  let remove: () => void;
  let outside: { dir: string; remove: () => void };
  let tools: ReturnType<typeof createReadTools>;
  before(() => {
    ({ dir, remove } = tempDir('read-tools'));
    outside = tempDir('outside');
    cpSync(fixture('units-project'), dir, { recursive: true });
    mkdirSync(path.join(dir, 'build'));
    writeFileSync(path.join(dir, 'build', 'bundle.js'), 'ignored by .gitignore\n');
    mkdirSync(path.join(dir, 'node_modules', 'left-pad'), { recursive: true });
    writeFileSync(path.join(dir, 'node_modules', 'left-pad', 'index.js'), 'excluded\n');
    mkdirSync(path.join(dir, '.git'));
    writeFileSync(path.join(dir, '.git', 'config'), '[core]\n');
    writeFileSync(path.join(dir, 'debug.log'), 'ignored\n');
    writeFileSync(path.join(dir, 'server.pem'), '-----BEGIN PRIVATE KEY-----\n');
    writeFileSync(path.join(dir, 'image.bin'), Buffer.from([0x89, 0x50, 0, 0, 1, 2]));
    writeFileSync(path.join(dir, 'long.txt'), Array.from({ length: 3000 }, (_, i) => `line ${i + 1}`).join('\n') + '\n');
    writeFileSync(path.join(outside.dir, 'secret.txt'), 'outside the workspace\n');
    symlinkSync(path.join(outside.dir, 'secret.txt'), path.join(dir, 'escape.txt'));
    tools = createReadTools({ reader: createWorkspaceReader(dir, { exclude: ['**/node_modules/**'] }), include: [] });
  });
  after(() => {
    remove();
    outside.remove();
  });

  it('read_file shows the file with line numbers, and a range', async () => {
    const whole = await tools.run('read_file', { path: 'src/units.js' });
    assert.equal(whole.isError, false);
    assert.match(whole.content, /^src\/units\.js: lines 1-5 of 5\n/);
    assert.match(whole.content, /\n3\tconst CM_PER_INCH = 2\.45;\n/);
    assert.equal(whole.status, 'reading src/units.js');
    assert.deepEqual(whole.read, { tool: 'read_file', target: 'src/units.js', size: whole.content.length });
    const part = await tools.run('read_file', { path: './src//units.js', startLine: 2, endLine: 3 });
    assert.match(part.content, /^src\/units\.js: lines 2-3 of 5\n2\tconst MM_PER_CM = 10;\n3\tconst CM_PER_INCH = 2\.45;$/);
  });

  it('read_file caps a long file and says how to ask for the rest', async () => {
    const first = await tools.run('read_file', { path: 'long.txt' });
    assert.match(first.content, new RegExp(`lines 1-${READ_MAX_LINES} of 3000`));
    assert.match(first.content, /cut at line 2000 .*"startLine": 2001/);
    const rest = await tools.run('read_file', { path: 'long.txt', startLine: 2001 });
    assert.match(rest.content, /lines 2001-3000 of 3000/);
    assert.doesNotMatch(rest.content, /cut at/);
  });

  it('every bad read is an error result that says what to fix', async () => {
    const cases: [unknown, RegExp][] = [
      [{}, /input of read_file is not right \(path: .*Call it again like \{"path"/],
      [{ path: 42 }, /input of read_file is not right/],
      [{ path: '../outside.txt' }, /leads outside the workspace.*relative to the workspace root/],
      [{ path: '/etc/passwd' }, /is absolute/],
      [{ path: '.git/config' }, /inside \.git/],
      [{ path: 'src' }, /src is a folder, not a file\. Use list_files/],
      [{ path: 'src/nope.js' }, /does not exist\. Use list_files or search_text/],
      [{ path: '.env' }, /never read: it is an environment file.*refineLoop\.context\.include/],
      [{ path: 'server.pem' }, /never read: it looks like a private key/],
      [{ path: 'image.bin' }, /binary file/],
      [{ path: 'escape.txt' }, /outside the workspace through a symbolic link/],
      [{ path: 'src/units.js', startLine: 9 }, /has 5 lines; startLine 9 is past its end/],
      [{ path: 'src/units.js', startLine: 3, endLine: 1 }, /endLine 1 is before startLine 3/],
    ];
    const before = snapshot(dir);
    for (const [input, expected] of cases) {
      const result = await tools.run('read_file', input);
      assert.equal(result.isError, true, JSON.stringify(input));
      assert.match(result.content, /^Error: /);
      assert.match(result.content, expected, JSON.stringify(input));
      assert.equal(result.read.error, result.content.slice('Error: '.length));
    }
    assert.doesNotMatch((await tools.run('read_file', { path: '.env' })).content, /do-not-read-me/);
    assert.deepEqual(snapshot(dir), before, 'no file was touched');
  });

  it('a file listed in refineLoop.context.include is read although secret-looking', async () => {
    const allowed = createReadTools({ reader: createWorkspaceReader(dir), include: ['.env'] });
    const result = await allowed.run('read_file', { path: '.env' });
    assert.equal(result.isError, false);
    assert.match(result.content, /SECRET_TOKEN=do-not-read-me/);
  });

  it('list_files skips .gitignore, the exclude globs, .git; filters by folder and glob', async () => {
    const all = await tools.run('list_files', {});
    assert.equal(all.isError, false);
    const listed = all.content.split('\n').slice(1);
    assert.ok(listed.includes('src/units.js') && listed.includes('test/format.test.js') && listed.includes('package.json'), all.content);
    for (const skipped of ['build/bundle.js', 'debug.log', 'node_modules/left-pad/index.js', '.git/config']) assert.ok(!listed.includes(skipped), skipped);
    assert.equal(all.status, 'listing the workspace');
    const src = await tools.run('list_files', { path: 'src' });
    assert.deepEqual(src.content.split('\n'), ['2 files:', 'src/format.js', 'src/units.js']);
    const tests = await tools.run('list_files', { glob: '*.test.js' });
    assert.deepEqual(tests.content.split('\n'), ['1 files:', 'test/format.test.js']);
    assert.match((await tools.run('list_files', { path: 'src/units.js' })).content, /is a file, not a folder\. Use read_file/);
    assert.match((await tools.run('list_files', { path: '../..' })).content, /^Error: .*outside the workspace/);
    assert.match((await tools.run('list_files', { path: 'nothing-here' })).content, /^No files under nothing-here/);
  });

  it('list_files caps its answer and counts what it left out', async () => {
    const big = tempDir('many-files');
    try {
      for (let i = 0; i < LIST_MAX_ENTRIES + 40; i++) writeFileSync(path.join(big.dir, `f${String(i).padStart(4, '0')}.txt`), '');
      const result = await createReadTools({ reader: createWorkspaceReader(big.dir) }).run('list_files', {});
      assert.match(result.content, new RegExp(`^${LIST_MAX_ENTRIES} of ${LIST_MAX_ENTRIES + 40} files:`));
      assert.match(result.content, /… 40 more not shown/);
    } finally {
      big.remove();
    }
  });

  it('search_text finds plain text and regexes, with path and line; a bad regex is an error result', async () => {
    const plain = await tools.run('search_text', { query: 'cm_per_inch' });
    assert.equal(plain.isError, false);
    assert.match(plain.content, /src\/format\.js:1: const \{ CM_PER_INCH \} = require\('\.\/units'\);/);
    assert.match(plain.content, /src\/units\.js:3: const CM_PER_INCH = 2\.45;/);
    assert.equal(plain.status, 'searching for "cm_per_inch"');
    const regex = await tools.run('search_text', { query: 'CM_PER_INCH = \\d', isRegex: true, glob: 'src/**' });
    assert.match(regex.content, /^1 match\(es\) in 1 file\(s\):\nsrc\/units\.js:3:/);
    assert.doesNotMatch((await tools.run('search_text', { query: 'SECRET_TOKEN' })).content, /do-not-read-me/, 'secrets are never searched');
    const bad = await tools.run('search_text', { query: 'CM_PER_(', isRegex: true });
    assert.equal(bad.isError, true);
    assert.match(bad.content, /is not a valid regular expression .*set isRegex to false/);
    assert.match((await tools.run('search_text', {})).content, /input of search_text is not right \(query:/);
  });

  it('an unknown tool is an error result naming the tools there are', async () => {
    const result = await tools.run('run_shell', { command: 'rm -rf /' });
    assert.equal(result.isError, true);
    assert.match(result.content, /no tool named 'run_shell'\. The tools are read_file, list_files, search_text, apply_edits/);
  });

  it('reads what openText gives (the editor\'s unsaved buffer) instead of the disk', async () => {
    const reader = createWorkspaceReader(dir, { openText: (p) => (p === 'src/units.js' ? 'const CM_PER_INCH = 2.54; // typed, not saved\n' : undefined) });
    const result = await createReadTools({ reader }).run('read_file', { path: 'src/units.js' });
    assert.match(result.content, /typed, not saved/);
    assert.match(readFileSync(path.join(dir, 'src', 'units.js'), 'utf8'), /2\.45/);
  });
});

describe('.gitignore rules', () => {
  it('anchors, folder-only rules, negation and depth', () => {
    const rules = [...parseGitignore('# comment\n*.log\n!keep.log\n/dist\nbuild/\ndocs/*.tmp\n', ''), ...parseGitignore('local.txt\n', 'pkg')];
    const cases: [string, boolean, boolean][] = [
      ['a.log', false, true],
      ['deep/b.log', false, true],
      ['keep.log', false, false],
      ['dist', true, true],
      ['src/dist', true, false],
      ['build', true, true],
      ['build', false, false],
      ['src/build', true, true],
      ['docs/x.tmp', false, true],
      ['docs/sub/x.tmp', false, false],
      ['pkg/local.txt', false, true],
      ['local.txt', false, false],
    ];
    for (const [path, folder, expected] of cases) assert.equal(isIgnored(path, folder, rules), expected, `${path} ${folder ? '(folder)' : ''}`);
  });
});
