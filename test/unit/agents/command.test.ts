import { afterEach, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { AgentError, CancelledError } from '../../../src/domain/errors';
import { sha256Hex } from '../../../src/domain/hash';
import type { AgentProgress } from '../../../src/domain/ports';
import { createAgent } from '../../../src/agents/index';
import { alive, failure, fixture, recordingLogger, sampleRequest, tempDir, waitFor } from './helpers';

// The command provider against real child processes: scripted agents in
// test/fixtures/agents, run through /bin/sh in their own process group.

const node = JSON.stringify(process.execPath);
const secretEnv = { ...process.env, OPENAI_API_KEY: 'sk-secret-openai', ANTHROPIC_API_KEY: 'sk-secret-anthropic', REFINE_LOOP_API_KEY: 'sk-secret-shared', OPENROUTER_API_KEY: 'sk-or-secret', GEMINI_API_KEY: 'g-secret', GOOGLE_API_KEY: 'g2-secret', MY_COMPANY_TOKEN: 'extra-secret', AGENT_TEST_MARKER: 'passed-on' };
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function workspace(): string {
  const { dir, remove } = tempDir('ws');
  cleanups.push(remove);
  mkdirSync(path.join(dir, 'src'));
  writeFileSync(path.join(dir, 'src', 'math.js'), 'export function add(a, b) {\n  return a - b;\n}\n');
  writeFileSync(path.join(dir, 'old.txt'), 'obsolete\n');
  mkdirSync(path.join(dir, 'node_modules', 'dep'), { recursive: true });
  writeFileSync(path.join(dir, 'node_modules', 'dep', 'index.js'), 'module.exports = 1;\n');
  mkdirSync(path.join(dir, '.git'));
  writeFileSync(path.join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  return dir;
}

describe('command provider, reply mode', () => {
  it('gives the prompt on stdin and the request file, and returns stdout as reply text', async () => {
    const root = workspace();
    const log = recordingLogger();
    const agent = createAgent({ provider: 'command', command: `${node} ${JSON.stringify(fixture('reply-agent.mjs'))}`, root, timeoutMs: 20_000, env: secretEnv, secretVariables: ['MY_COMPANY_*'], log });
    const request = sampleRequest();
    const progress: AgentProgress[] = [];
    const reply = await agent.propose(request, new AbortController().signal, (event) => progress.push(event));
    assert.equal(reply.kind, 'text');
    if (reply.kind !== 'text') return;
    assert.match(reply.text, /src\/math\.js\n<<<<<<< SEARCH\n {2}return a - b;\n=======\n {2}return a \+ b;\n>>>>>>> REPLACE/);
    const seen = JSON.parse(/SEEN (.*)/.exec(reply.text)![1]!) as Record<string, unknown>;
    assert.equal(seen.round, 2);
    assert.equal(seen.task, request.task);
    assert.equal(seen.feedback, request.feedback);
    assert.deepEqual(seen.files, ['src/math.js']);
    assert.equal(seen.hasSystem, true);
    assert.equal(seen.messages, 1);
    assert.equal(seen.promptHasTask, true);
    assert.ok((seen.promptLength as number) > request.system.length);
    assert.equal(seen.cwd, root);
    assert.deepEqual(seen.keys, [], 'no API key variable reaches the program');
    assert.equal(seen.marker, 'passed-on', 'the rest of the environment does');
    assert.ok(progress.some((event) => event.kind === 'text' && event.characters > 0));
    const logged = log.lines.join('\n');
    assert.doesNotMatch(logged, /sk-secret/);
    assert.match(logged, /exited 0/);
  });

  it('removes the request file afterwards', async () => {
    const root = workspace();
    const { dir, remove } = tempDir('out');
    cleanups.push(remove);
    const record = path.join(dir, 'request-path');
    const command = `printf %s "$REFINE_LOOP_REQUEST" > ${JSON.stringify(record)}; printf 'a.txt\\n<<<<<<< SEARCH\\nx\\n=======\\ny\\n>>>>>>> REPLACE\\n'`;
    const agent = createAgent({ provider: 'command', command, root, timeoutMs: 10_000 });
    await agent.propose(sampleRequest(), new AbortController().signal);
    const requestPath = readFileSync(record, 'utf8');
    assert.match(requestPath, /request\.json$/);
    assert.equal(existsSync(requestPath), false);
  });

  it('fails with the exit code and the end of stderr when the program exits non-zero', async () => {
    const agent = createAgent({ provider: 'command', command: 'echo "model backend unavailable" >&2; exit 3', root: workspace(), timeoutMs: 10_000 });
    const error = await failure(agent.propose(sampleRequest(), new AbortController().signal));
    assert.equal(error.code, 'agent.commandFailed');
    assert.match(error.message, /exited with code 3/);
    assert.match(error.message, /model backend unavailable/);
    assert.match(error.message, /Nothing was applied/);
  });

  it('stops a program that hangs, with its whole process group, at the timeout', async () => {
    const { dir, remove } = tempDir('pids');
    cleanups.push(remove);
    const pidFile = path.join(dir, 'pids.json');
    const agent = createAgent({ provider: 'command', command: `${node} ${JSON.stringify(fixture('hang-agent.mjs'))} ${JSON.stringify(pidFile)}`, root: workspace(), timeoutMs: 3000 });
    const error = await failure(agent.propose(sampleRequest(), new AbortController().signal));
    assert.equal(error.code, 'agent.timeout');
    assert.match(error.message, /did not finish within 3 s and was stopped with every process it started/);
    const pids = JSON.parse(readFileSync(pidFile, 'utf8')) as number[];
    assert.equal(pids.length, 2);
    assert.ok(await waitFor(() => pids.every((pid) => !alive(pid)), 3000), `processes ${pids.join(', ')} are gone`);
  });

  it('holds the timeout when a grandchild in a session of its own keeps stdout open, and ends it', { skip: process.platform === 'linux' ? false : 'reads /proc' }, async () => {
    const { dir, remove } = tempDir('pids');
    cleanups.push(remove);
    const pidFile = path.join(dir, 'grandchild');
    // The grandchild leaves the group and the session (setsid) and inherits stdout; its parent waits forever.
    const command = `setsid sh -c 'echo $$ > ${pidFile}; exec sleep 600' & echo thinking; sleep 600`;
    const agent = createAgent({ provider: 'command', command, root: workspace(), timeoutMs: 2000 });
    const started = Date.now();
    const error = await failure(agent.propose(sampleRequest(), new AbortController().signal));
    assert.equal(error.code, 'agent.timeout');
    // Generous (loaded machine): today it waited 730 s; the bound is the timeout plus the kill grace.
    assert.ok(Date.now() - started < 30_000, `returned after ${Date.now() - started} ms`);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(await waitFor(() => !alive(grandchild), 3000), `the setsid grandchild ${grandchild} is gone`);
  });

  it('a program that exits 0 leaves nothing running: its setsid grandchild holding stdout is killed', { skip: process.platform === 'linux' ? false : 'reads /proc' }, async () => {
    const { dir, remove } = tempDir('pids');
    cleanups.push(remove);
    const pidFile = path.join(dir, 'grandchild');
    const reply = 'src/math.js\\n<<<<<<< SEARCH\\n  return a - b;\\n=======\\n  return a + b;\\n>>>>>>> REPLACE\\n';
    const command = `setsid sh -c 'echo $$ > ${pidFile}; exec sleep 600' & while [ ! -s ${pidFile} ]; do sleep 0.05; done; printf '${reply}'`;
    const agent = createAgent({ provider: 'command', command, root: workspace(), timeoutMs: 60_000 });
    const result = await agent.propose(sampleRequest(), new AbortController().signal);
    assert.equal(result.kind, 'text');
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(await waitFor(() => !alive(grandchild), 3000), `the setsid grandchild ${grandchild} is gone`);
  });

  it('stops the program when cancelled', async () => {
    const { dir, remove } = tempDir('pids');
    cleanups.push(remove);
    const pidFile = path.join(dir, 'pids.json');
    const agent = createAgent({ provider: 'command', command: `${node} ${JSON.stringify(fixture('hang-agent.mjs'))} ${JSON.stringify(pidFile)}`, root: workspace(), timeoutMs: 60_000 });
    const controller = new AbortController();
    const pending = agent.propose(sampleRequest(), controller.signal, (event) => {
      if (event.kind === 'text') controller.abort();
    });
    const error = await failure(pending);
    assert.ok(error instanceof CancelledError);
    const pids = JSON.parse(readFileSync(pidFile, 'utf8')) as number[];
    assert.ok(await waitFor(() => pids.every((pid) => !alive(pid)), 3000));
  });

  it('rejects an empty reply', async () => {
    const agent = createAgent({ provider: 'command', command: 'true', root: workspace(), timeoutMs: 10_000 });
    const error = await failure(agent.propose(sampleRequest(), new AbortController().signal));
    assert.equal(error.code, 'agent.emptyReply');
    assert.match(error.message, /The agent command `true` returned an empty reply/);
  });

  it('rejects a reply without edits, quoting its start', async () => {
    const agent = createAgent({ provider: 'command', command: 'echo "I looked at it and the code seems fine to me."', root: workspace(), timeoutMs: 10_000 });
    const error = await failure(agent.propose(sampleRequest(), new AbortController().signal));
    assert.equal(error.code, 'agent.noEdits');
    assert.match(error.message, /replied without any edits .* It began: "I looked at it and the code seems fine to me\."/);
  });

  it('stops a program whose reply passes the size cap (a 10 MB reply)', async () => {
    const command = `${node} -e "process.stdout.write('x'.repeat(10 * 1024 * 1024))"`;
    const agent = createAgent({ provider: 'command', command, root: workspace(), timeoutMs: 20_000 });
    const error = await failure(agent.propose(sampleRequest(), new AbortController().signal));
    assert.equal(error.code, 'agent.replyTooLarge');
    assert.match(error.message, /more than 4\.0 MB/);
  });

  it('says which command could not be set up', () => {
    assert.throws(() => createAgent({ provider: 'command', command: '  ', root: '/', timeoutMs: 1000 }), (error: unknown) => error instanceof AgentError && error.code === 'agent.noCommand');
  });
});

describe('command provider, worktree mode', () => {
  const worktreeCommand = `${node} ${JSON.stringify(fixture('worktree-agent.mjs'))}`;

  it('runs the program on a copy and returns its changes with the base hashes', async () => {
    const root = workspace();
    const outside = tempDir('outside');
    cleanups.push(outside.remove);
    symlinkSync(outside.dir, path.join(root, 'escape'));
    symlinkSync('src', path.join(root, 'source-link'));
    const agent = createAgent({ provider: 'command', command: worktreeCommand, commandMode: 'worktree', root, timeoutMs: 20_000, env: secretEnv });
    const reply = await agent.propose(sampleRequest(), new AbortController().signal);
    assert.equal(reply.kind, 'changes');
    if (reply.kind !== 'changes') return;

    const byPath = new Map(reply.changes.map((change) => [change.path, change]));
    assert.deepEqual([...byPath.keys()].sort(), ['old.txt', 'src/math.js', 'src/new.js']);
    const math = byPath.get('src/math.js')!;
    const mathBefore = readFileSync(path.join(root, 'src', 'math.js'));
    assert.equal(math.kind, 'modify');
    assert.equal(math.beforeHash, await sha256Hex(mathBefore));
    assert.equal(Buffer.from(math.before!).toString(), mathBefore.toString());
    assert.equal(Buffer.from(math.after!).toString(), 'export function add(a, b) {\n  return a + b;\n}\n');
    assert.equal(byPath.get('src/new.js')!.kind, 'create');
    assert.equal(Buffer.from(byPath.get('src/new.js')!.after!).toString(), '// round 2\n');
    assert.equal(byPath.get('src/new.js')!.beforeHash, undefined);
    const deleted = byPath.get('old.txt')!;
    assert.equal(deleted.kind, 'delete');
    assert.equal(deleted.beforeHash, await sha256Hex(readFileSync(path.join(root, 'old.txt'))));

    // The workspace itself is untouched: the loop applies changes only after review.
    assert.match(readFileSync(path.join(root, 'src', 'math.js'), 'utf8'), /a - b/);
    assert.ok(existsSync(path.join(root, 'old.txt')));

    const report = JSON.parse(/REPORT (.*)/.exec(reply.summary)![1]!) as { cwdIsWorkdir: boolean; entries: string[]; keys: string[]; workdir: string };
    assert.match(reply.summary, /^Changed the sign in add\(\)\./);
    assert.equal(report.cwdIsWorkdir, true);
    assert.deepEqual(report.entries, ['source-link', 'src'], '.git, node_modules and the escaping symlink are left out (old.txt was deleted)');
    assert.deepEqual(report.keys, []);
    assert.equal(existsSync(report.workdir), false, 'the copy is removed afterwards');
  });

  it('fails when the program changed nothing', async () => {
    const agent = createAgent({ provider: 'command', command: 'echo "nothing to do"', commandMode: 'worktree', root: workspace(), timeoutMs: 10_000 });
    const error = await failure(agent.propose(sampleRequest(), new AbortController().signal));
    assert.equal(error.code, 'agent.noEdits');
    assert.match(error.message, /changed no file in its copy/);
  });

  it('refuses a change to a file the person edited in the workspace meanwhile', async () => {
    const root = workspace();
    const agent = createAgent({
      provider: 'command',
      command: worktreeCommand,
      commandMode: 'worktree',
      root,
      timeoutMs: 20_000,
      env: { ...process.env, ALSO_EDIT_REAL: path.join(root, 'src', 'math.js') },
      // Uncontained: the program plays the person, who edits the workspace meanwhile.
      sandbox: 'none',
    });
    const error = await failure(agent.propose(sampleRequest(), new AbortController().signal));
    assert.equal(error.code, 'agent.workspaceChanged');
    assert.match(error.message, /src\/math\.js changed in the workspace while the agent command worked/);
  });

  it('fails with the exit code and removes the copy when the program fails', async () => {
    const { dir, remove } = tempDir('out');
    cleanups.push(remove);
    const record = path.join(dir, 'workdir');
    const command = `printf %s "$REFINE_LOOP_WORKDIR" > ${JSON.stringify(record)}; echo edited > src/math.js; exit 1`;
    // Uncontained, so that it can leave a note of where its copy was.
    const agent = createAgent({ provider: 'command', command, commandMode: 'worktree', root: workspace(), timeoutMs: 10_000, sandbox: 'none' });
    const error = await failure(agent.propose(sampleRequest(), new AbortController().signal));
    assert.equal(error.code, 'agent.commandFailed');
    assert.equal(existsSync(readFileSync(record, 'utf8')), false);
  });
});

describe('command provider, worktree mode: containment', () => {
  const bwrapUsable = process.platform === 'linux' && spawnSync('bwrap', ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-pid', 'true']).status === 0;
  /** A workspace outside /tmp (the sandbox gives the agent a /tmp of its own), and a folder beside it. */
  function placesOutsideTmp(): { root: string; beside: string } {
    const base = mkdtempSync(path.join('/var/tmp', 'refine-contain-'));
    cleanups.push(() => rmSync(base, { recursive: true, force: true }));
    const root = path.join(base, 'ws');
    mkdirSync(path.join(root, 'src'), { recursive: true });
    writeFileSync(path.join(root, 'src', 'math.js'), 'export function add(a, b) {\n  return a - b;\n}\n');
    mkdirSync(path.join(root, '.git', 'hooks'), { recursive: true });
    mkdirSync(path.join(base, 'beside'));
    return { root, beside: path.join(base, 'beside') };
  }
  const escapingAgent = (root: string, beside: string) =>
    [
      "sed -i 's/a - b/a + b/' src/math.js",
      `echo owned > ${JSON.stringify(path.join(root, 'evil.txt'))} 2>/dev/null`,
      `echo owned > ${JSON.stringify(path.join(root, '.git', 'hooks', 'pre-commit'))} 2>/dev/null`,
      `echo owned > ${JSON.stringify(path.join(beside, 'note.txt'))} 2>/dev/null`,
      'echo owned > ../escape.txt 2>/dev/null',
      'true',
    ].join('; ');

  it('with bubblewrap: writes to the workspace, its .git and beside it fail; the copy is edited', { skip: bwrapUsable ? false : 'bwrap is not usable here' }, async () => {
    const { root, beside } = placesOutsideTmp();
    const log = recordingLogger();
    const agent = createAgent({ provider: 'command', command: escapingAgent(root, beside), commandMode: 'worktree', root, timeoutMs: 20_000, sandbox: 'bwrap', log });
    const reply = await agent.propose(sampleRequest(), new AbortController().signal);
    assert.equal(reply.kind, 'changes');
    if (reply.kind !== 'changes') return;
    assert.deepEqual(reply.changes.map((change) => change.path), ['src/math.js']);
    assert.equal(existsSync(path.join(root, 'evil.txt')), false);
    assert.equal(existsSync(path.join(root, '.git', 'hooks', 'pre-commit')), false);
    assert.equal(existsSync(path.join(beside, 'note.txt')), false);
    assert.doesNotMatch(reply.summary, /Changed outside/);
    assert.doesNotMatch(log.lines.join('\n'), /not contained/);
  });

  it('uncontained: the person is told once, and files changed outside the copy are reported with the proposal', async () => {
    const { root, beside } = placesOutsideTmp();
    const log = recordingLogger();
    const agent = createAgent({ provider: 'command', command: escapingAgent(root, beside), commandMode: 'worktree', root, timeoutMs: 20_000, sandbox: 'none', log });
    const reply = await agent.propose(sampleRequest(), new AbortController().signal);
    assert.equal(reply.kind, 'changes');
    if (reply.kind !== 'changes') return;
    assert.match(reply.summary, /^! Changed outside the agent's copy while it ran \(not part of this proposal; check them\): \.git\/hooks\/pre-commit, evil\.txt/);
    assert.deepEqual(reply.changes.map((change) => change.path), ['src/math.js'], 'what landed outside is not proposed');
    await agent.propose(sampleRequest(), new AbortController().signal).catch(() => undefined);
    const warnings = log.lines.filter((line) => /not contained/.test(line));
    assert.equal(warnings.length, 1, 'told once, not every round');
  });

  it('sandbox bwrap without bwrap on PATH: nothing runs, and it says why', async () => {
    const { root } = placesOutsideTmp();
    const marker = path.join(root, 'ran');
    const agent = createAgent({ provider: 'command', command: `touch ${JSON.stringify(marker)}`, commandMode: 'worktree', root, timeoutMs: 10_000, sandbox: 'bwrap', env: { ...process.env, PATH: '/nonexistent' } });
    await assert.rejects(agent.propose(sampleRequest(), new AbortController().signal), /sandbox is bwrap, but bubblewrap \(bwrap\) is not installed/);
    assert.equal(existsSync(marker), false);
  });
});
