import { test } from 'node:test';
import assert from 'node:assert/strict';
import { invoke, prepare, type ToolLogicDeps } from '../../../src/vscode/chat/runSessionTool';

// The language-model tool's logic with fakes at its edges. VS Code's extension-test host
// confirms every tool call by itself (its dialogs are skipped under test), so declining
// is tested here, with a host that follows VS Code's contract: prepare, show the
// confirmation, invoke only on yes.

function fakes(options: { trusted?: boolean; testCommandAnswer?: (command: string) => string | undefined } = {}) {
  const started: { task: string; files?: readonly string[]; testCommand?: string }[] = [];
  const asked: string[] = [];
  const deps: ToolLogicDeps = {
    isTrusted: () => options.trusted ?? true,
    confirmTestCommand: async (command) => {
      asked.push(command);
      return (options.testCommandAnswer ?? ((each) => each))(command);
    },
    run: async (input) => {
      started.push(input);
      return { line: 'Outcome: passed after 1 round(s): the tests pass', report: '# Refine Loop session s1' };
    },
  };
  return { deps, started, asked };
}

/** VS Code's side of a tool call: the confirmation first, the tool's invoke only on yes. */
async function host(deps: ToolLogicDeps, input: unknown, confirm: (confirmation: { title: string; message: string }) => boolean): Promise<string | 'declined'> {
  const prepared = prepare(deps, input);
  if (prepared.confirmation && !confirm(prepared.confirmation)) return 'declined';
  return invoke(deps, input);
}

test('run-session tool: declining the confirmation starts no session and asks nothing more', async () => {
  const { deps, started, asked } = fakes();
  const shown: string[] = [];
  const result = await host(deps, { task: 'make add add', testCommand: 'node --test', files: ['src/math.js'] }, (confirmation) => (shown.push(confirmation.message), false));
  assert.equal(result, 'declined');
  assert.deepEqual(started, []);
  assert.deepEqual(asked, []);
  assert.equal(shown.length, 1);
  assert.match(shown[0]!, /Task: make add add/);
  assert.match(shown[0]!, /Test command \(runs in the workspace after every approved round\): node --test/);
  assert.match(shown[0]!, /Files given to the agent: src\/math\.js/);
});

test('run-session tool: preparing never starts a session, and in a trusted workspace always asks', () => {
  const { deps, started } = fakes();
  for (const input of [{ task: 'make add add' }, { task: 'x', testCommand: 'npm test' }, { task: 'y', files: ['a.js'] }]) {
    const prepared = prepare(deps, input);
    assert.equal(prepared.confirmation?.title, 'Start a Refine Loop session?');
  }
  assert.deepEqual(started, []);
});

test('run-session tool: confirmed, it runs the session and returns the outcome and the report', async () => {
  const { deps, started, asked } = fakes();
  const result = await host(deps, { task: '  make add add ', testCommand: 'node --test', files: ['src/math.js'] }, () => true);
  assert.equal(result, 'Outcome: passed after 1 round(s): the tests pass\n\n# Refine Loop session s1');
  assert.deepEqual(started, [{ task: 'make add add', files: ['src/math.js'], testCommand: 'node --test' }]);
  assert.deepEqual(asked, ['node --test']);
});

test('run-session tool: a test command the person refuses starts nothing, even with the tool confirmed', async () => {
  const { deps, started } = fakes({ testCommandAnswer: () => undefined });
  assert.equal(await host(deps, { task: 'make add add', testCommand: 'rm -rf ~' }, () => true), 'Refused: the person did not confirm the test command.');
  assert.deepEqual(started, []);
});

test('run-session tool: in Restricted Mode it refuses with the reason and starts nothing', async () => {
  const { deps, started } = fakes({ trusted: false });
  const prepared = prepare(deps, { task: 'make add add' });
  assert.equal(prepared.confirmation, undefined);
  assert.match(await host(deps, { task: 'make add add' }, () => true), /^Refused: .*Restricted Mode/);
  assert.deepEqual(started, []);
});

test('run-session tool: an input without a task, or with a malformed test command or files, is an error the model can act on', async () => {
  const { deps, started } = fakes();
  assert.throws(() => prepare(deps, { task: '  ' }), /The tool needs a task/);
  await assert.rejects(invoke(deps, { task: 'x', testCommand: 3 }), /testCommand must be a command line/);
  await assert.rejects(invoke(deps, { task: 'x', files: 'a.js' }), /files must be a list of workspace-relative paths/);
  assert.deepEqual(started, []);
});
