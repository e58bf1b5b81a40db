import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { codexParser, codexRefusals, describeCommand, unwrapShell } from '../../../../src/agents/clis/codexEvents';
import type { StreamEvent } from '../../../../src/agents/clis/preset';
import { repoRoot } from '../../repoRoot';

// Real `codex exec --json` streams of codex 0.171.0, captured against the loopback
// Responses server of test/agentClis (the folder it ran in was /tmp/clis2-probe/proj).

const workdir = '/tmp/clis2-probe/proj';

function parseSample(name: string): StreamEvent[] {
  const parser = codexParser({ workdir });
  return readFileSync(join(repoRoot(), 'test', 'fixtures', 'agent-clis', name), 'utf8')
    .split('\n')
    .flatMap((line) => parser.line(line));
}

describe('codex event stream', () => {
  const samples: { name: string; expected: StreamEvent[] }[] = [
    {
      name: 'codex-edit.jsonl',
      expected: [
        { kind: 'tool', message: 'Read a.js' },
        { kind: 'tool', message: 'Edit a.js' },
        { kind: 'text', characters: 23 },
        { kind: 'summary', text: 'Changed x to 2 in a.js.' },
        { kind: 'usage', usage: { inputTokens: 3600, outputTokens: 240 } },
      ],
    },
    {
      name: 'codex-401.jsonl',
      expected: [{ kind: 'error', message: 'unexpected status 401 Unauthorized: Incorrect API key provided (scripted 401)., url: http://127.0.0.1:33677/v1/responses' }],
    },
    {
      name: 'codex-500.jsonl',
      expected: [{ kind: 'error', message: 'We’re currently experiencing high demand, which may cause temporary errors. (codex says this when the model server answers with a 5xx status)' }],
    },
    {
      // The patch outside the folder was refused by codex itself; its stream does not say so (only its stderr does).
      name: 'codex-patch-outside.jsonl',
      expected: [
        { kind: 'text', characters: 13 },
        { kind: 'summary', text: 'tried outside' },
        { kind: 'usage', usage: { inputTokens: 2400, outputTokens: 160 } },
      ],
    },
  ];
  for (const sample of samples) {
    it(`reads ${sample.name}`, () => assert.deepEqual(parseSample(sample.name), sample.expected));
  }

  it('skips lines that are not JSON events, and the non-final error event', () => {
    const parser = codexParser({ workdir });
    assert.deepEqual(parser.line('Reading additional input from stdin...'), []);
    assert.deepEqual(parser.line('{"type":"error","message":"Reconnecting... 1/5"}'), []);
    assert.deepEqual(parser.line('{"type":"turn.failed","error":{}}'), [{ kind: 'error', message: 'the turn failed without a message' }]);
  });

  it('shows file changes by kind, failed patches as failed', () => {
    const parser = codexParser({ workdir });
    const line = (status: string) =>
      JSON.stringify({ type: 'item.completed', item: { type: 'file_change', status, changes: [{ path: `${workdir}/src/new.js`, kind: 'add' }, { path: `${workdir}/old.js`, kind: 'delete' }] } });
    assert.deepEqual(parser.line(line('completed')), [
      { kind: 'tool', message: 'Create src/new.js' },
      { kind: 'tool', message: 'Delete old.js' },
    ]);
    assert.deepEqual(parser.line(line('failed')), [
      { kind: 'toolFailed', message: 'Create src/new.js: the patch failed' },
      { kind: 'toolFailed', message: 'Delete old.js: the patch failed' },
    ]);
  });

  it('unwraps the shell codex runs commands in, and names plain reads', () => {
    assert.equal(unwrapShell("/bin/bash -lc 'cat a.js'"), 'cat a.js');
    assert.equal(unwrapShell(`/bin/bash -lc 'echo '\\''hi'\\'''`), "echo 'hi'");
    assert.equal(unwrapShell('ls -la'), 'ls -la');
    assert.equal(describeCommand({ workdir }, "/bin/bash -lc 'cat src/cart.js'"), 'Read src/cart.js');
    assert.equal(describeCommand({ workdir }, `/bin/bash -lc 'sed -n 1,40p ${workdir}/src/cart.js'`), 'Read src/cart.js');
    assert.equal(describeCommand({ workdir }, "/bin/bash -lc 'rg -n total src'"), 'Run rg -n total src');
    assert.equal(describeCommand({ workdir }, "/bin/bash -lc 'cat a.js | head'"), 'Run cat a.js | head');
  });
});

describe('codex refusals on stderr', () => {
  it('reads the router errors codex logs for refused patches, once each', () => {
    // The stderr of the run that captured codex-patch-outside.jsonl.
    const stderr = [
      'Reading additional input from stdin...',
      '2026-12-01T12:04:28.163273Z ERROR codex_core::tools::router: error=patch rejected: writing outside of the project; rejected by user approval settings',
      '2026-12-01T12:04:28.263273Z ERROR codex_core::tools::router: error=patch rejected: writing outside of the project; rejected by user approval settings',
    ].join('\n');
    assert.deepEqual(codexRefusals(stderr), ['codex refused a tool use: patch rejected: writing outside of the project; rejected by user approval settings']);
    assert.deepEqual(codexRefusals('WARNING: proceeding, even though we could not create PATH aliases'), []);
  });
});
