import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { agentCliPresets } from '../../../../src/agents/clis/presets';
import type { AgentCliId } from '../../../../src/agents/clis/pins';
import type { StreamEvent } from '../../../../src/agents/clis/preset';
import { repoRoot } from '../../repoRoot';

// Each preset's stream parser over event streams captured from the real CLI on this
// machine (test/fixtures/agent-clis/*.jsonl, against the loopback model servers of
// test/agentClis). A row: the capture, the working folder it ran in, what must come out.

interface Row {
  readonly preset: AgentCliId;
  readonly capture: string;
  readonly tools?: readonly string[];
  readonly failed?: RegExp;
  readonly summary?: string;
  readonly error?: RegExp;
  readonly usage?: boolean;
}

const rows: Row[] = [
  { preset: 'claude-code', capture: 'claude-code-edit.jsonl', tools: ['Read src/cart.js', 'Edit src/cart.js'], summary: 'Round 1: changed src/cart.js.', usage: true },
  { preset: 'claude-code', capture: 'claude-code-401.jsonl', tools: [], error: /^the model answered 401: Invalid API key/ },
  { preset: 'claude-code', capture: 'claude-code-500.jsonl', tools: [], error: /^the model answered 500: API Error: 500/ },
  { preset: 'qwen-code', capture: 'qwen-code-edit.jsonl', tools: ['Read src/cart.js', 'Edit src/cart.js'], summary: 'Round 1: changed src/cart.js.', usage: true },
  // Exit 0 and `is_error: false`, yet the call failed.
  { preset: 'qwen-code', capture: 'qwen-code-401.jsonl', tools: [], error: /^the model call failed: 401 Incorrect API key provided/ },
  { preset: 'qwen-code', capture: 'qwen-code-500.jsonl', tools: [], error: /^the model call failed: 500/ },
  { preset: 'opencode', capture: 'opencode-edit.jsonl', tools: ['Read src/cart.js', 'Edit src/cart.js'], summary: 'Round 1: changed src/cart.js.', usage: true },
  { preset: 'opencode', capture: 'opencode-500.jsonl', tools: [], error: /^the model answered 500: internal error/ },
];

function parse(row: Row): StreamEvent[] {
  const text = readFileSync(path.join(repoRoot(), 'test', 'fixtures', 'agent-clis', row.capture), 'utf8');
  // The folder the CLI ran in, as the capture's paths name it.
  const workdir = /(\/[^\s"]*refine-loop-agent-[^\s"/]+\/workdir)/.exec(text)?.[1] ?? '/nowhere';
  const parser = agentCliPresets[row.preset]!.parser({ workdir });
  return text.split('\n').flatMap((line) => [...parser.line(line)]);
}

describe('agent CLI stream parsers over real captures', () => {
  for (const row of rows) {
    it(`${row.preset}: ${row.capture}`, () => {
      const events = parse(row);
      if (row.tools) assert.deepEqual(events.filter((e) => e.kind === 'tool').map((e) => (e as { message: string }).message), row.tools);
      const summary = events.filter((e) => e.kind === 'summary').at(-1) as { text: string } | undefined;
      if (row.summary !== undefined) assert.equal(summary?.text, row.summary);
      const errors = events.filter((e) => e.kind === 'error') as { message: string }[];
      if (row.error) assert.match(errors.at(-1)?.message ?? '(no error)', row.error);
      else assert.deepEqual(errors, []);
      if (row.failed) assert.match((events.filter((e) => e.kind === 'toolFailed') as { message: string }[]).map((e) => e.message).join('\n'), row.failed);
      if (row.usage) {
        const usage = events.filter((e) => e.kind === 'usage').at(-1) as { usage: { inputTokens?: number; outputTokens?: number } } | undefined;
        assert.ok((usage?.usage.inputTokens ?? 0) > 0 && (usage?.usage.outputTokens ?? 0) > 0, 'token usage read');
      }
    });
  }

  it('ignores lines that are not JSON objects (a log line, a half line, an array)', () => {
    for (const preset of Object.values(agentCliPresets)) {
      if (!preset) continue;
      const parser = preset.parser({ workdir: '/w' });
      for (const line of ['', 'Warning: something', '{"type":', '[1,2]', 'null']) assert.deepEqual(parser.line(line), []);
    }
  });
});
