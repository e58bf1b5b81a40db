import type { RoundRecord, SessionRecord } from '../domain/record';

// Lessons proposed at the end of a session, from what the person said and did in it:
// rejection reasons (whole and per hunk), the reasons given when reverting a round, and
// the person's own edits of proposals. Never from the agent's text (its summaries, its
// proposed lines) or from test output: either would let a model or a test write its
// own standing instructions. Proposing needs no model: a reason is already a sentence.

export type EvidenceKind = 'rejection' | 'hunk' | 'revert' | 'edit';

export interface LessonEvidence {
  readonly round: number;
  readonly kind: EvidenceKind;
  /** The reason as the person typed it, or the lines the person wrote in an edit. */
  readonly text: string;
  readonly path?: string;
}

export interface ProposedLesson {
  /** The sentence that would go into later prompts. */
  readonly text: string;
  readonly evidence: readonly LessonEvidence[];
  /** A model condensed the evidence (several of the person's reasons) into this sentence: src/loop/lessonsCondense.ts. */
  readonly condensed?: boolean;
}

/** At most this many lessons are proposed per session: each one asks the person a question. */
export const MAX_PROPOSED_LESSONS = 3;
/** A lesson is short: longer reasons are cut at a sentence end, or at a word. */
export const MAX_LESSON_CHARACTERS = 240;

/** Reasons the front ends fill in when the person gave none: nothing to learn from. */
const PLACEHOLDER_REASONS = new Set(['rejected without a reason']);

const kindOrder: readonly EvidenceKind[] = ['rejection', 'hunk', 'revert', 'edit'];

/** Lower case, no punctuation, single spaces: two lessons with the same key say the same thing. */
export function lessonKey(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** One line, trimmed, cut to MAX_LESSON_CHARACTERS; undefined when it is too slight to be a lesson. */
export function lessonSentence(raw: string): string | undefined {
  const text = raw.replace(/\s+/g, ' ').trim();
  if (PLACEHOLDER_REASONS.has(text.toLowerCase())) return undefined;
  // "no", "wrong", "retry": a reaction, not an instruction another session could follow.
  if (text.length < 10 || text.split(' ').length < 2) return undefined;
  if (text.length <= MAX_LESSON_CHARACTERS) return text;
  const head = text.slice(0, MAX_LESSON_CHARACTERS);
  const sentenceEnd = Math.max(head.lastIndexOf('. '), head.lastIndexOf('; '));
  if (sentenceEnd >= 40) return head.slice(0, sentenceEnd + 1);
  const wordEnd = head.lastIndexOf(' ');
  return `${head.slice(0, wordEnd > 40 ? wordEnd : head.length)}…`;
}

/** The lines the person wrote in an edit of a proposal (the `+` lines of its patch), per file. */
function editedLines(patch: string): { path: string; added: string[]; removed: number }[] {
  const files: { path: string; added: string[]; removed: number }[] = [];
  let current: { path: string; added: string[]; removed: number } | undefined;
  for (const line of patch.split('\n')) {
    if (line.startsWith('+++ ')) {
      const path = line.slice(4).trim().replace(/^b\//, '');
      current = { path, added: [], removed: 0 };
      files.push(current);
    } else if (line.startsWith('--- ') || line.startsWith('@@')) continue;
    else if (current && line.startsWith('+')) current.added.push(line.slice(1));
    else if (current && line.startsWith('-')) current.removed++;
  }
  return files;
}

function editEvidence(record: RoundRecord): { lesson: string; evidence: LessonEvidence }[] {
  const patch = record.review?.userEdits;
  if (!patch || record.review?.by !== 'person') return [];
  const found: { lesson: string; evidence: LessonEvidence }[] = [];
  for (const file of editedLines(patch)) {
    // Only the person's own lines, and only a small edit: a rewrite is not one lesson.
    const added = file.added.map((line) => line.trim()).filter((line) => line.length > 0);
    if (added.length === 0 || added.length > 2 || file.removed > 3) continue;
    const code = added.join(' ').replace(/`/g, "'");
    if (code.length > 160) continue;
    const lesson = lessonSentence(`Write code the way the reviewer did in ${file.path}: \`${code}\``);
    if (lesson) found.push({ lesson, evidence: { round: record.round, kind: 'edit', text: added.join('\n'), path: file.path } });
  }
  return found;
}

/** Every piece of the person's own evidence in one round, each with the sentence it suggests. */
function roundEvidence(record: RoundRecord): { lesson: string; evidence: LessonEvidence }[] {
  const found: { lesson: string; evidence: LessonEvidence }[] = [];
  const add = (raw: string, evidence: LessonEvidence) => {
    const lesson = lessonSentence(raw);
    if (lesson) found.push({ lesson, evidence });
  };
  const review = record.review;
  if (review?.by === 'person') {
    if (review.decision === 'reject' && review.reason) add(review.reason, { round: record.round, kind: 'rejection', text: review.reason });
    for (const hunk of review.hunkRejections) add(hunk.reason, { round: record.round, kind: 'hunk', text: hunk.reason, path: hunk.path });
  }
  const after = record.afterTests;
  if (after?.by === 'person' && after.decision === 'revertRetry' && after.reason) add(after.reason, { round: record.round, kind: 'revert', text: after.reason });
  found.push(...editEvidence(record));
  return found;
}

/**
 * At most `max` lessons from the session's own evidence, the ones heard most often
 * first, then whole rejections before hunks, reverts and edits; none that says what a
 * kept lesson says already.
 */
export function proposeLessons(record: SessionRecord, kept: readonly string[] = [], max = MAX_PROPOSED_LESSONS): ProposedLesson[] {
  const known = new Set(kept.map(lessonKey));
  const byKey = new Map<string, { text: string; evidence: LessonEvidence[]; first: number }>();
  let order = 0;
  for (const round of record.rounds) {
    for (const { lesson, evidence } of roundEvidence(round)) {
      const key = lessonKey(lesson);
      if (!key || known.has(key)) continue;
      const seen = byKey.get(key);
      if (seen) seen.evidence.push(evidence);
      else byKey.set(key, { text: lesson, evidence: [evidence], first: order++ });
    }
  }
  const rank = (entry: { evidence: LessonEvidence[] }) => Math.min(...entry.evidence.map((item) => kindOrder.indexOf(item.kind)));
  return [...byKey.values()]
    .sort((a, b) => b.evidence.length - a.evidence.length || rank(a) - rank(b) || a.first - b.first)
    .slice(0, Math.max(0, max))
    .map(({ text, evidence }) => ({ text, evidence }));
}

const kindLabel: Record<EvidenceKind, string> = {
  rejection: 'rejection reason',
  hunk: 'hunk rejection reason',
  revert: 'reason for reverting',
  edit: 'edit by the reviewer',
};

/** Where a lesson came from, in one line: the comment kept next to it in the lessons file. */
export function describeOrigin(sessionId: string, evidence: readonly LessonEvidence[]): string {
  const parts = evidence.map((item) => `round ${item.round} ${kindLabel[item.kind]}${item.path ? ` in ${item.path}` : ''}`);
  return `session ${sessionId}: ${[...new Set(parts)].join(', ')}`;
}
