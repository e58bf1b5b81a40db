import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { explainGeminiError, geminiParser } from '../../../../src/agents/clis/geminiEvents';
import type { StreamEvent } from '../../../../src/agents/clis/preset';
import { repoRoot } from '../../repoRoot';

// Real `gemini --output-format stream-json` streams of gemini-cli 0.61.0, captured
// against the loopback Gemini server of test/agentClis (run in /tmp/clis2-probe/proj).

const workdir = '/tmp/clis2-probe/proj';

function parseSample(name: string): StreamEvent[] {
  const parser = geminiParser({ workdir });
  return readFileSync(join(repoRoot(), 'test', 'fixtures', 'agent-clis', name), 'utf8')
    .split('\n')
    .flatMap((line) => parser.line(line));
}

const edited: StreamEvent[] = [
  { kind: 'tool', message: 'Read a.js' },
  { kind: 'tool', message: 'Edit a.js' },
  { kind: 'text', characters: 23 },
  { kind: 'usage', usage: { inputTokens: 4500, outputTokens: 180 } },
  { kind: 'summary', text: 'Changed x to 2 in a.js.' },
];

describe('gemini-cli event stream', () => {
  const samples: { name: string; expected: StreamEvent[] }[] = [
    { name: 'gemini-edit.jsonl', expected: edited },
    // Without -m: the router's call comes first and counts in the totals.
    { name: 'gemini-edit-auto-model.jsonl', expected: edited.map((event) => (event.kind === 'usage' ? { kind: 'usage', usage: { inputTokens: 6000, outputTokens: 240 } } : event)) },
    { name: 'gemini-401.jsonl', expected: [{ kind: 'error', message: 'the model server answered 401 UNAUTHENTICATED: API key not valid (scripted 401).' }] },
    { name: 'gemini-500.jsonl', expected: [{ kind: 'error', message: 'the model server answered 500 INTERNAL: Scripted server error 500.' }] },
    {
      name: 'gemini-write-outside.jsonl',
      expected: [
        { kind: 'tool', message: 'Write /tmp/clis2-probe/gout.txt' },
        {
          kind: 'toolFailed',
          message:
            'Write /tmp/clis2-probe/gout.txt: Path not in workspace: Attempted path "/tmp/clis2-probe/gout.txt" resolves outside the allowed workspace directories: /tmp/clis2-probe/proj or the project temp directory: /tmp/clis2-probe/ghome-GoWc0P/.gemini/tmp/proj',
        },
        { kind: 'text', characters: 232 },
        { kind: 'usage', usage: { inputTokens: 3000, outputTokens: 120 } },
        {
          kind: 'summary',
          text: 'tried outside: Path not in workspace: Attempted path "/tmp/clis2-probe/gout.txt" resolves outside the allowed workspace directories: /tmp/clis2-probe/proj or the project temp directory: /tmp/clis2-probe/ghome-GoWc0P/.gemini/tmp/proj',
        },
      ],
    },
  ];
  for (const sample of samples) {
    it(`reads ${sample.name}`, () => assert.deepEqual(parseSample(sample.name), sample.expected));
  }

  it('keeps the answer after the last tool use as the summary, and text before it when none followed', () => {
    const parser = geminiParser({ workdir });
    const events = [
      { type: 'message', role: 'assistant', content: 'Let me look. ', delta: true },
      { type: 'tool_use', tool_name: 'list_directory', tool_id: 't1', parameters: { dir_path: workdir } },
      { type: 'message', role: 'assistant', content: 'Fixed ', delta: true },
      { type: 'message', role: 'assistant', content: 'it.', delta: true },
      { type: 'result', status: 'success', stats: {} },
    ].flatMap((event) => parser.line(JSON.stringify(event)));
    assert.deepEqual(events.filter((event) => event.kind !== 'text'), [
      { kind: 'tool', message: 'List .' },
      { kind: 'summary', text: 'Fixed it.' },
    ]);
  });

  it('takes only error-severity error events as the run failing', () => {
    const parser = geminiParser({ workdir });
    assert.deepEqual(parser.line('{"type":"error","severity":"warning","message":"Loop detected"}'), []);
    assert.deepEqual(parser.line('{"type":"error","severity":"error","message":"Turn limit"}'), [{ kind: 'error', message: 'Turn limit' }]);
    assert.deepEqual(parser.line('Warning: 256-color support not detected.'), []);
  });

  it('explains API errors, and leaves other messages as they are', () => {
    assert.equal(explainGeminiError('[API Error: fetch failed]'), 'the model server answered: fetch failed');
    assert.equal(explainGeminiError('Something else'), 'Something else');
  });
});
