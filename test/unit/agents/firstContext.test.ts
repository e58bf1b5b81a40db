import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { importSpecifiers, resolveImport, workspaceMap, MAP_MAX_PATHS } from '../../../src/agents/tools/firstContext';
import { createReadTools } from '../../../src/agents/tools/readTools';
import { prepareRequest } from '../../../src/agents/tools/toolLoop';
import { buildPrompt } from '../../../src/loop/prompt';
import { createWorkspaceReader } from '../../../src/node/workspaceReader';
import { fixture, tempDir } from './helpers';

// The first message of a round with read tools: the workspace map and the modules the
// files in the prompt import, one level, capped, counted against the read budget.

describe('first context: imports and the workspace map', () => {
  it('finds relative imports of JavaScript, TypeScript and Python, and resolves them to listed files', () => {
    const js = "import a from './a';\nimport { b } from \"../lib/b.js\";\nexport * from './c';\nconst d = require('./d');\nawait import('./e');\nimport 'left-pad';\nimport './side';";
    assert.deepEqual(importSpecifiers('src/x.ts', js).sort(), ['../lib/b.js', './a', './c', './d', './e', './side']);
    assert.deepEqual(importSpecifiers('pkg/mod.py', 'from .units import CM\nfrom ..core.base import X\nimport os\n').sort(), ['../core/base.py', './units.py']);
    const files = new Set(['src/a.ts', 'lib/b.ts', 'src/c/index.js', 'src/d.cjs']);
    assert.equal(resolveImport('src/x.ts', './a', files), 'src/a.ts');
    assert.equal(resolveImport('src/x.ts', '../lib/b.js', files), 'lib/b.ts', 'TypeScript imports .ts files as .js');
    assert.equal(resolveImport('src/x.ts', './c', files), 'src/c/index.js');
    assert.equal(resolveImport('src/x.ts', './d', files), 'src/d.cjs');
    assert.equal(resolveImport('src/x.ts', './missing', files), undefined);
    assert.equal(resolveImport('x.ts', '../../outside', files), undefined);
  });

  it('groups the map by folder and says how many files it left out', () => {
    assert.equal(workspaceMap(['package.json', 'src/a.js', 'src/b.js', 'test/a.test.js'], 4), './ package.json\nsrc/ a.js b.js\ntest/ a.test.js');
    const many = [...Array.from({ length: MAP_MAX_PATHS - 1 }, (_, i) => `a/f${i}.js`), ...Array.from({ length: 100 }, (_, i) => `gen/g${i}.js`)];
    const map = workspaceMap(many, many.length + 7).split('\n');
    assert.equal(map[0]!.split(' ').length, MAP_MAX_PATHS, 'the first folders name their files');
    assert.equal(map[1], 'gen/ (100 files)', 'past the cap a folder gets a count');
    assert.equal(map[2], '… and 7 more files (use list_files)');
  });

  describe('on the units project', () => {
    let root: string;
    let remove: () => void;
    before(() => {
      ({ dir: root, remove } = tempDir('first-context'));
      cpSync(fixture('units-project'), root, { recursive: true });
      mkdirSync(path.join(root, 'build'));
      writeFileSync(path.join(root, 'build', 'out.js'), '');
    });
    after(() => remove());

    it('adds the map and the module the test imports (not the one two levels down), and takes their size from the read budget', async () => {
      const request = buildPrompt({
        round: 1,
        task: 'Make the tests pass.',
        files: [{ path: 'test/format.test.js', reason: 'failing-test', content: readFileSync(path.join(root, 'test', 'format.test.js'), 'utf8') }],
        budgetTokens: 32_000,
        offerTools: true,
      });
      const prepared = await prepareRequest(request, createReadTools({ reader: createWorkspaceReader(root) }));
      const first = prepared.messages[0]!.content;
      assert.match(first, /## Workspace map\n\nFiles of the workspace by folder .*; 6 files\):\n```\n\.\/ \.env \.gitignore package\.json\nsrc\/ format\.js units\.js\ntest\/ format\.test\.js\n```/);
      assert.doesNotMatch(first, /build\/|out\.js/, 'ignored by .gitignore');
      assert.match(first, /## Workspace modules the files above import\n\nsrc\/format\.js \(imported by test\/format\.test\.js\)\n```\nconst \{ CM_PER_INCH \} = require\('\.\/units'\);/);
      assert.doesNotMatch(first, /2\.45/, 'src/units.js is one level further: the model reads it');
      assert.match(first, /Propose your edits as search\/replace blocks\.$/, 'the closing instruction stays last');
      assert.deepEqual(prepared.files, ['test/format.test.js', 'src/format.js']);
      assert.ok(prepared.toolBudget!.maxResultTokens < request.toolBudget!.maxResultTokens);
      assert.ok(prepared.estimatedInputTokens > request.estimatedInputTokens);
    });

    it('adds nothing when the loop offered no tools', async () => {
      const request = buildPrompt({ round: 1, task: 't', files: [], budgetTokens: 8000 });
      assert.equal(await prepareRequest(request, createReadTools({ reader: createWorkspaceReader(root) })), request);
    });
  });
});
