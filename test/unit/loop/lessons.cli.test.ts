import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { askAboutLessons } from '../../../src/cli/lessons';
import { personEnv, runCliChild, type CliChildRun } from '../cliChild';
import { repoRoot } from '../repoRoot';

// End to end through the compiled CLI: the real `command` provider running the scripted
// agent of test/fixtures/loop (it logs each prompt it gets), the real test runner on the
// cart fixture, the gates answered on stdin. Session 1 rejects with a reason and keeps
// it as a lesson; session 2's first prompt carries it.

const ROOT = repoRoot();
const AGENT = join(ROOT, 'test/fixtures/loop/agent.js');
const REASON = "Use the project's logger, never console.log";

const cli = (args: string[], cwd: string, answers = '', extraEnv: Record<string, string> = {}): Promise<CliChildRun> => runCliChild(args, { cwd, env: personEnv(extraEnv), answers });

async function prompts(log: string): Promise<{ round: number; prompt: string }[]> {
  const text = await readFile(log, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { round: number; prompt: string });
}

test('cli lessons: a reason of session 1 kept with --learn yes is in the first prompt of session 2', { timeout: 180_000 }, async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'refine-lessons-'));
  t.after(() => rm(base, { recursive: true, force: true }));
  const project = join(base, 'cart');
  await cp(join(ROOT, 'test/fixtures/loop/cart'), project, { recursive: true });
  const runArgs = ['run', '--root', project, '--test', 'node --test', '--agent-command', `node ${JSON.stringify(AGENT)}`, '--task', 'Make the cart tests pass', '--no-baseline'];

  // Session 1: reject round 1 with the reason, then stop at round 2.
  const log1 = join(base, 'agent1.log');
  const first = await cli([...runArgs, '--learn', 'yes'], base, `n ${REASON}\nq\n`, { AGENT_LOG: log1 });
  assert.equal(first.code, 1, first.stderr);
  assert.match(first.stderr, /lessons: kept 1 in \.refine-loop\/lessons\.md/);
  const file = await readFile(join(project, '.refine-loop/lessons.md'), 'utf8');
  assert.match(file, new RegExp(`^- ${REASON.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} <!-- session \\S+: round 1 rejection reason -->$`, 'm'));
  // Shared through git: the store's ignore-everything file lets the lessons through.
  assert.match(await readFile(join(project, '.refine-loop/.gitignore'), 'utf8'), /^\*\n!lessons\.md\n$/);
  const firstPrompts = await prompts(log1);
  assert.doesNotMatch(firstPrompts[0]!.prompt, /Standing instructions/);

  // Session 2: the default --learn ask with no terminal keeps nothing new, and the first prompt carries the lesson.
  const log2 = join(base, 'agent2.log');
  const second = await cli(runArgs, base, 'n Prefer small functions over long ones\nq\n', { AGENT_LOG: log2 });
  assert.equal(second.code, 1, second.stderr);
  assert.match(second.stderr, /lessons: 1 from \.refine-loop\/lessons\.md go into the prompt/);
  assert.match(second.stderr, /lessons: 1 proposed, none kept \(no terminal to ask/);
  const secondPrompts = await prompts(log2);
  assert.equal(secondPrompts[0]!.round, 1);
  assert.match(secondPrompts[0]!.prompt, /## Standing instructions from the reviewer\n\n[^\n]+\n\n- Use the project's logger, never console\.log/);
  // The session record (and so the report) says which lessons were in the prompt.
  assert.match(second.stdout, /## Lessons in the prompt\n\n[^\n]+\n\n- Use the project's logger, never console\.log/);

  // List and remove; a hand-written line stays.
  await writeFile(join(project, '.refine-loop/lessons.md'), `${await readFile(join(project, '.refine-loop/lessons.md'), 'utf8')}- Keep functions short <!-- by hand -->\n`);
  const listed = await cli(['lessons', 'list', '--root', project], base);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^1\. Use the project's logger, never console\.log\n {3}\(session \S+: round 1 rejection reason\)\n2\. Keep functions short\n {3}\(by hand\)\n$/);
  const removed = await cli(['lessons', 'remove', '1', '--root', project], base);
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stdout, /removed lesson 1: Use the project's logger/);
  const after = await readFile(join(project, '.refine-loop/lessons.md'), 'utf8');
  assert.doesNotMatch(after, /console\.log/);
  assert.match(after, /^# Refine Loop lessons\n/);
  assert.match(after, /^- Keep functions short <!-- by hand -->$/m);
  const missing = await cli(['lessons', 'remove', '7', '--root', project], base);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no lesson 7/);
});

test('cli lessons: a broken lessons file is reported, not used, and never overwritten', { timeout: 180_000 }, async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'refine-lessons-'));
  t.after(() => rm(base, { recursive: true, force: true }));
  const project = join(base, 'cart');
  await cp(join(ROOT, 'test/fixtures/loop/cart'), project, { recursive: true });
  const broken = '- Use the logger\n<<<<<<< HEAD\n- Keep it short\n=======\n- Keep it long\n>>>>>>> theirs\n';
  await mkdir(join(project, '.refine-loop'), { recursive: true });
  await writeFile(join(project, '.refine-loop/lessons.md'), broken);
  const log = join(base, 'agent.log');
  const run = await cli(
    ['run', '--root', project, '--test', 'node --test', '--agent-command', `node ${JSON.stringify(AGENT)}`, '--task', 'Make the cart tests pass', '--no-baseline', '--learn', 'yes'],
    base,
    `n ${REASON}\nq\n`,
    { AGENT_LOG: log },
  );
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /warning: \.refine-loop\/lessons\.md line 2: an unresolved merge conflict marker/);
  assert.match(run.stderr, /The lessons not kept:\n- Use the project's logger, never console\.log\n/);
  assert.equal(await readFile(join(project, '.refine-loop/lessons.md'), 'utf8'), broken);
  assert.doesNotMatch((await prompts(log))[0]!.prompt, /Standing instructions/);
  const listed = await cli(['lessons', '--root', project], base);
  assert.equal(listed.code, 1);
  assert.match(listed.stderr, /line 2: an unresolved merge conflict marker/);
});

test('cli lessons: asking keeps y, drops n, and e keeps the edited sentence', async () => {
  const proposed = [
    { text: 'Use the logger, not console.log', evidence: [{ round: 1, kind: 'rejection' as const, text: 'Use the logger, not console.log' }] },
    { text: 'Never change the public signature', evidence: [{ round: 2, kind: 'hunk' as const, text: 'Never change the public signature', path: 'src/api.ts' }] },
    { text: 'Keep functions short please', evidence: [{ round: 3, kind: 'revert' as const, text: 'Keep functions short please' }] },
  ];
  const answers = ['y', 'maybe', 'n', 'e', 'x', 'e', 'Keep functions under 40 lines'];
  const questions: string[] = [];
  let said = '';
  const kept = await askAboutLessons(
    proposed,
    async (question) => {
      questions.push(question);
      return answers.shift();
    },
    (text) => (said += text),
  );
  assert.deepEqual(kept, ['Use the logger, not console.log', 'Keep functions under 40 lines']);
  assert.match(said, /lesson 2 of 3: Never change the public signature\n {2}from round 2 \(hunk, src\/api\.ts\)/);
  assert.match(said, /too short to be a lesson/);
  assert.equal(questions.filter((q) => q.startsWith('Keep it')).length, 5);
});
