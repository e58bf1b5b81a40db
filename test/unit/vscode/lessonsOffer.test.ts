import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProposedLesson } from '../../../src/loop/lessons';
import { createLessonsFileStore } from '../../../src/node/lessonsFile';
import { hostMessageSchema, panelMessageSchema, type HostMessage, type PanelLessons, type PanelMessage } from '../../../src/protocol/reviewPanel';
import { LessonsOffer, type LessonOutcome } from '../../../src/vscode/lessonsOffer';

// The review panel's lessons part, host side, over a fake panel (the port) and the real
// lessons file in a temp folder: keep, keep edited, discard, a broken file.

class FakePanel {
  readonly posted: HostMessage[] = [];
  private onMessage: ((message: PanelMessage) => void)[] = [];
  private onReady: (() => void)[] = [];
  private onRestore: ((kept: { state?: { sessionId: string } }) => void)[] = [];
  post(message: HostMessage): boolean {
    this.posted.push(hostMessageSchema.parse(message));
    return true;
  }
  onDidReceiveMessage(listener: (message: PanelMessage) => void) {
    this.onMessage.push(listener);
    return { dispose: () => (this.onMessage = this.onMessage.filter((each) => each !== listener)) };
  }
  onDidBecomeReady(listener: () => void) {
    this.onReady.push(listener);
    return { dispose: () => (this.onReady = this.onReady.filter((each) => each !== listener)) };
  }
  onDidRestore(listener: (kept: { state?: { sessionId: string } }) => void) {
    this.onRestore.push(listener);
    return { dispose: () => (this.onRestore = this.onRestore.filter((each) => each !== listener)) };
  }
  restore(sessionId: string): void {
    for (const listener of this.onRestore) listener({ state: { sessionId } });
  }
  /** What the webview sends, checked as the host checks it. */
  send(raw: unknown): void {
    const message = panelMessageSchema.parse(raw);
    for (const listener of this.onMessage) listener(message);
  }
  ready(): void {
    for (const listener of this.onReady) listener();
  }
  get lessons(): PanelLessons | undefined {
    const last = this.posted.filter((message) => message.type === 'lessons').at(-1);
    return last?.type === 'lessons' ? last.lessons : undefined;
  }
}

const REASON = "Use the project's logger, not console.log";
const proposed: ProposedLesson[] = [
  { text: REASON, evidence: [{ round: 1, kind: 'rejection', text: REASON }] },
  { text: 'Never change the public signature', evidence: [{ round: 2, kind: 'hunk', text: 'Never change the public signature', path: 'src/api.ts' }] },
];

async function setUp(existing?: string, recorded: Record<string, string[]> = {}) {
  const root = await mkdtemp(join(tmpdir(), 'refine-lessons-offer-'));
  const file = join(root, '.refine-loop', 'lessons.md');
  if (existing !== undefined) {
    await mkdir(join(root, '.refine-loop'), { recursive: true });
    await writeFile(file, existing);
  }
  const panel = new FakePanel();
  const warnings: string[] = [];
  const offer = new LessonsOffer(panel, { warn: (_area, message) => void warnings.push(message) }, async (sessionId) => recorded[sessionId]);
  const outcomes: LessonOutcome[] = [];
  offer.onDidDecide((outcome) => outcomes.push(outcome));
  const store = createLessonsFileStore(root);
  const decided = (count: number) => new Promise<void>((resolve) => {
    const check = () => (outcomes.length >= count ? resolve() : setTimeout(check, 5));
    check();
  });
  const read = () => readFile(file, 'utf8').catch(() => undefined);
  return { root, file, panel, offer, store, outcomes, decided, read, warnings, done: () => rm(root, { recursive: true, force: true }) };
}

/** Lets the offer's async handling of a message run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

test('lessons offer: the panel gets the proposals with their evidence, and what the prompt carried', async () => {
  const { panel, offer, store, done } = await setUp();
  try {
    offer.begin('s1', ['Prefer early returns']);
    assert.deepEqual({ ...panel.lessons }, { sessionId: 's1', inPrompt: ['Prefer early returns'], proposed: [] });
    assert.equal(offer.offer('s1', ['Prefer early returns'], proposed, store), true);
    const view = panel.lessons!;
    assert.deepEqual(view.inPrompt, ['Prefer early returns']);
    assert.deepEqual(
      view.proposed.map((item) => [item.id, item.text, item.decision, item.evidence]),
      [
        ['s1:1', REASON, 'open', [{ round: 1, kind: 'rejection', text: REASON }]],
        ['s1:2', 'Never change the public signature', 'open', [{ round: 2, kind: 'hunk', text: 'Never change the public signature', path: 'src/api.ts' }]],
      ],
    );
    // A reloaded panel says ready again and gets the same offer.
    const before = panel.posted.length;
    panel.ready();
    assert.equal(panel.posted.length, before + 1);
    assert.deepEqual(panel.lessons, view);
  } finally {
    await done();
  }
});

test('lessons offer: keep writes the lesson with its origin, an edited keep writes the edit, discard writes nothing', async () => {
  const { panel, offer, store, decided, read, outcomes, done } = await setUp();
  try {
    offer.offer('s1', [], [...proposed, { text: 'Run the linter before you finish', evidence: [{ round: 3, kind: 'revert', text: 'Run the linter before you finish' }] }], store);
    panel.send({ type: 'lessonDecision', sessionId: 's1', id: 's1:2', decision: 'discard' });
    await decided(1);
    assert.equal(await read(), undefined, 'a discard writes nothing');
    panel.send({ type: 'lessonDecision', sessionId: 's1', id: 's1:1', decision: 'keep' });
    await decided(2);
    let text = (await read())!;
    assert.match(text, /^# Refine Loop lessons\n/);
    assert.ok(text.endsWith(`- ${REASON} <!-- session s1: round 1 rejection reason -->\n`), text);
    panel.send({ type: 'lessonDecision', sessionId: 's1', id: 's1:3', decision: 'keep', text: '  Run   npm run lint before you finish  ' });
    await decided(3);
    text = (await read())!;
    assert.ok(text.endsWith(`- ${REASON} <!-- session s1: round 1 rejection reason -->\n- Run npm run lint before you finish <!-- session s1: round 3 reason for reverting, edited by the reviewer -->\n`), text);
    assert.doesNotMatch(text, /public signature/);
    assert.deepEqual(outcomes, [
      { id: 's1:2', decision: 'discarded' },
      { id: 's1:1', decision: 'kept', text: REASON },
      { id: 's1:3', decision: 'kept', text: 'Run npm run lint before you finish' },
    ]);
    assert.deepEqual(panel.lessons!.proposed.map((item) => [item.decision, item.keptText]), [['kept', undefined], ['discarded', undefined], ['kept', 'Run npm run lint before you finish']]);
    // A second keep of a decided lesson (a double click) writes nothing more.
    panel.send({ type: 'lessonDecision', sessionId: 's1', id: 's1:1', decision: 'keep' });
    await settle();
    assert.equal(await read(), text);
  } finally {
    await done();
  }
});

test('lessons offer: hand edits of the file stay; an edit too short to be a lesson is refused and nothing is written', async () => {
  const handWritten = '# Team lessons\r\n\r\nOur notes.\r\n\r\n- Prefer early returns <!-- by hand -->\r\n\r\n## Later\r\n';
  const { panel, offer, store, decided, read, done } = await setUp(handWritten);
  try {
    offer.offer('s1', [], proposed, store);
    panel.send({ type: 'lessonDecision', sessionId: 's1', id: 's1:1', decision: 'keep', text: 'no' });
    await settle();
    assert.match(panel.lessons!.problem ?? '', /"no" is too short to be a lesson/);
    assert.equal(panel.lessons!.proposed[0]!.decision, 'open');
    assert.equal(await read(), handWritten);
    panel.send({ type: 'lessonDecision', sessionId: 's1', id: 's1:1', decision: 'keep' });
    await decided(1);
    assert.equal(await read(), `# Team lessons\r\n\r\nOur notes.\r\n\r\n- Prefer early returns <!-- by hand -->\r\n- ${REASON} <!-- session s1: round 1 rejection reason -->\r\n\r\n## Later\r\n`);
    assert.equal(panel.lessons!.problem, undefined, 'a keep clears the problem');
  } finally {
    await done();
  }
});

test('lessons offer: a broken lessons file is reported in the panel and never overwritten; the lesson can be kept once it is fixed', async () => {
  const broken = '- Prefer early returns\n<<<<<<< HEAD\n- Mine\n=======\n- Theirs\n>>>>>>> other\n';
  const { file, panel, offer, store, decided, read, warnings, done } = await setUp(broken);
  try {
    offer.offer('s1', [], proposed, store);
    panel.send({ type: 'lessonDecision', sessionId: 's1', id: 's1:1', decision: 'keep' });
    await settle();
    assert.match(panel.lessons!.problem ?? '', /^Not kept: \.refine-loop\/lessons\.md line 2: an unresolved merge conflict marker/);
    assert.equal(panel.lessons!.proposed[0]!.decision, 'open');
    assert.equal(await read(), broken);
    assert.equal(warnings.length, 1);
    await writeFile(file, '- Prefer early returns\n- Mine\n');
    panel.send({ type: 'lessonDecision', sessionId: 's1', id: 's1:1', decision: 'keep' });
    await decided(1);
    assert.equal(await read(), `- Prefer early returns\n- Mine\n- ${REASON} <!-- session s1: round 1 rejection reason -->\n`);
  } finally {
    await done();
  }
});

test('lessons offer: a decision for another session or a lesson not offered is ignored; a new session drops an undecided offer', async () => {
  const { panel, offer, store, read, warnings, done } = await setUp();
  try {
    offer.offer('s1', [], proposed, store);
    panel.send({ type: 'lessonDecision', sessionId: 's0', id: 's1:1', decision: 'keep' });
    panel.send({ type: 'lessonDecision', sessionId: 's1', id: 's1:9', decision: 'keep' });
    await settle();
    assert.equal(await read(), undefined);
    assert.equal(warnings.length, 2);
    offer.begin('s2', []);
    assert.deepEqual({ ...panel.lessons }, { sessionId: 's2', inPrompt: [], proposed: [] });
    panel.send({ type: 'lessonDecision', sessionId: 's1', id: 's1:1', decision: 'keep' });
    await settle();
    assert.equal(await read(), undefined, 'the earlier offer is gone: nothing kept');
  } finally {
    await done();
  }
});

test('lessons offer: the protocol refuses a decision that is neither keep nor discard, or an oversized edit', () => {
  assert.equal(panelMessageSchema.safeParse({ type: 'lessonDecision', sessionId: 's1', id: 's1:1', decision: 'always' }).success, false);
  assert.equal(panelMessageSchema.safeParse({ type: 'lessonDecision', sessionId: 's1', id: 's1:1', decision: 'keep', text: 'x'.repeat(2001) }).success, false);
  assert.equal(panelMessageSchema.safeParse({ type: 'lessonsShown', sessionId: 's1', ids: ['s1:1'] }).success, true);
});

test('lessons offer: a panel restored after a reload names the lessons in the stored session\'s prompt', async () => {
  const { panel, offer, done } = await setUp(undefined, { s0: ['Prefer early returns'] });
  try {
    panel.restore('s9');
    await settle();
    assert.equal(panel.posted.length, 0, 'a session without lessons in its prompt shows none');
    panel.restore('s0');
    await settle();
    assert.deepEqual({ ...panel.lessons }, { sessionId: 's0', inPrompt: ['Prefer early returns'], proposed: [] });
    assert.deepEqual({ ...offer.current }, { sessionId: 's0', inPrompt: ['Prefer early returns'], proposed: [] });
  } finally {
    await done();
  }
});
