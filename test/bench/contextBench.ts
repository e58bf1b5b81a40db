import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReadTools } from '../../src/agents/tools/readTools';
import { prepareRequest, runToolLoop, type ModelTurn } from '../../src/agents/tools/toolLoop';
import { EDIT_TOOL_NAME } from '../../src/edits/toolCall';
import { buildPrompt, estimateTokens } from '../../src/loop/prompt';
import { createWorkspaceReader } from '../../src/node/workspaceReader';

// `npm run bench:context`: (1) on a generated workspace of 2,000 listed files (plus
// node_modules and a .gitignore'd build folder that the map must skip), the size of the
// first prompt of a round with read tools and the time to build it (prompt, workspace
// map, imported modules), p50 and p95; (2) on the units-project fixture, the size of the
// tool results of one round that lists, searches, reads and then proposes.

export interface ContextFigures {
  readonly files: number;
  readonly runs: number;
  readonly promptChars: number;
  readonly promptTokens: number;
  readonly withoutContextChars: number;
  readonly mapChars: number;
  readonly importChars: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly round: readonly { tool: string; target: string; size: number }[];
}

function generate(root: string, listed: number): void {
  const folders = 40;
  const perFolder = listed / folders;
  writeFileSync(join(root, '.gitignore'), 'build/\n*.log\n');
  writeFileSync(join(root, 'package.json'), '{ "name": "generated", "scripts": { "test": "node --test" } }\n');
  let written = 2; // .gitignore, package.json
  for (let f = 0; f < folders && written < listed; f++) {
    const folder = join(root, 'src', `module${f}`);
    mkdirSync(folder, { recursive: true });
    for (let i = 0; i < perFolder && written < listed; i++) {
      const imports = [`const { helper${i} } = require('./file${(i + 1) % perFolder}');`, `const shared = require('../module${(f + 1) % folders}/file0');`];
      const body = Array.from({ length: 40 }, (_, line) => `function f${line}(x) { return helper${i}(x) + shared.value + ${line}; }`);
      writeFileSync(join(folder, `file${i}.js`), `${imports.join('\n')}\n${body.join('\n')}\nmodule.exports = { helper${i}: (x) => x, value: ${i} };\n`);
      written++;
    }
  }
  for (const skipped of ['node_modules/dep', 'build']) {
    mkdirSync(join(root, skipped), { recursive: true });
    for (let i = 0; i < 300; i++) writeFileSync(join(root, skipped, `x${i}.js`), 'module.exports = 1;\n');
  }
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

export async function runContextBench(repoRoot: string, runs = 30): Promise<ContextFigures> {
  const root = mkdtempSync(join(tmpdir(), 'refine-loop-bench-context-'));
  try {
    generate(root, 2000);
    const testFile = 'src/module0/file0.js';
    const base = () =>
      buildPrompt({
        round: 1,
        task: 'Make the failing tests pass.',
        files: [{ path: testFile, reason: 'failing-test', content: readFileSync(join(root, testFile), 'utf8') }],
        feedback: 'not ok 1 - helper\n',
        budgetTokens: 32_000,
        offerTools: true,
        maxToolCalls: 25,
      });
    const times: number[] = [];
    let prepared = await prepareRequest(base(), createReadTools({ reader: createWorkspaceReader(root, { exclude: ['**/node_modules/**'] }) }));
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      // A fresh reader each time: nothing cached between rounds.
      const tools = createReadTools({ reader: createWorkspaceReader(root, { exclude: ['**/node_modules/**'] }) });
      prepared = await prepareRequest(base(), tools);
      times.push(performance.now() - started);
    }
    const content = prepared.messages[0]!.content;
    const section = (title: string) => {
      const start = content.indexOf(title);
      if (start < 0) return 0;
      const next = content.indexOf('\n## ', start + title.length);
      return (next < 0 ? content.length : next) - start;
    };
    const round = await roundOnFixture(join(repoRoot, 'test', 'fixtures', 'agents', 'units-project'));
    return {
      files: 2000,
      runs,
      promptChars: prepared.system.length + content.length,
      promptTokens: estimateTokens(prepared.system) + estimateTokens(content),
      withoutContextChars: base().system.length + base().messages[0]!.content.length,
      mapChars: section('## Workspace map'),
      importChars: section('## Workspace modules the files above import'),
      p50Ms: percentile(times, 50),
      p95Ms: percentile(times, 95),
      round,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** One round on the fixture through the real tool loop and tools, with a scripted model: list, search, read, propose. */
async function roundOnFixture(fixture: string): Promise<{ tool: string; target: string; size: number }[]> {
  const tools = createReadTools({ reader: createWorkspaceReader(fixture) });
  const request = await prepareRequest(
    buildPrompt({
      round: 1,
      task: 'Make the tests pass.',
      files: [{ path: 'test/format.test.js', reason: 'failing-test', content: readFileSync(join(fixture, 'test', 'format.test.js'), 'utf8') }],
      budgetTokens: 32_000,
      offerTools: true,
    }),
    tools,
  );
  const script: ModelTurn[] = [
    { text: '', calls: [{ id: '1', name: 'list_files', input: {} }] },
    { text: '', calls: [{ id: '2', name: 'search_text', input: { query: 'CM_PER_INCH' } }] },
    { text: '', calls: [{ id: '3', name: 'read_file', input: { path: 'src/units.js' } }] },
    { text: '', calls: [{ id: '4', name: EDIT_TOOL_NAME, input: { edits: [] } }] },
  ];
  const result = await runToolLoop({ where: 'bench', component: 'bench', request, tools, send: async (exchanges) => script[exchanges.length]!, onStatus: () => undefined });
  return result.reads.map((read) => ({ tool: read.tool, target: read.target, size: read.size }));
}

export function report(figures: ContextFigures): string {
  const kb = (chars: number) => `${(chars / 1024).toFixed(1)} K chars`;
  const lines = [
    `## First prompt of a round with read tools, generated workspace of ${figures.files} listed files (+600 skipped)`,
    '',
    '| measure | value |',
    '| --- | --- |',
    `| first prompt (system + message) | ${kb(figures.promptChars)}, ~${figures.promptTokens} tokens |`,
    `| of which the workspace map | ${kb(figures.mapChars)} |`,
    `| of which imported modules | ${kb(figures.importChars)} |`,
    `| the same prompt without map and imports | ${kb(figures.withoutContextChars)} |`,
    `| time to build it, p50 / p95 of ${figures.runs} | ${figures.p50Ms.toFixed(1)} ms / ${figures.p95Ms.toFixed(1)} ms |`,
    '',
    '## Tool results of one round on test/fixtures/agents/units-project (list, search, read, propose)',
    '',
    '| call | target | result size |',
    '| --- | --- | --- |',
    ...figures.round.map((read) => `| ${read.tool} | ${read.target || '(workspace)'} | ${read.size} chars |`),
    `| total | | ${figures.round.reduce((sum, read) => sum + read.size, 0)} chars |`,
  ];
  return lines.join('\n');
}
