import type { Agent, AgentRequest } from '../domain/ports';
import { estimateTokens } from '../domain/tokens';
import { lessonKey, lessonSentence, type LessonEvidence, type ProposedLesson } from './lessons';

// Where the session's agent is a model, it may condense several of the person's reasons
// into one lesson. It gets only the person's own words (the reasons, never the agent's
// text or test output), and what it writes is one more proposal, shown with the reasons
// it came from: it is kept only with the person's yes, like any other.

/** A model that does not answer in this long adds nothing to the offer: each reason is still proposed on its own. */
export const CONDENSE_TIMEOUT_MS = 60_000;

/** Agents that are a model answering text (not a program that edits files). */
export function isModelAgent(agent: Pick<Agent, 'id'>): boolean {
  return /^(?:vscode-lm|openai-compatible|anthropic)(?::|$)/.test(agent.id);
}

const REASON_KINDS: ReadonlySet<LessonEvidence['kind']> = new Set(['rejection', 'hunk', 'revert']);

const SYSTEM = [
  'You turn a code reviewer\'s remarks into one standing instruction for a coding agent.',
  'Reply with exactly one sentence in the imperative, at most 200 characters, that says what every remark below asks for.',
  'No preamble, no quotes, no list, no code blocks, no file edits. If the remarks ask for unrelated things, reply with the single word NONE.',
].join(' ');

/** Marks of an edit or of a reply that is not one sentence: such a reply is no lesson. */
const NOT_A_SENTENCE = /<{7}|={7}|>{7}|```|\*\*\* Begin Patch|^(?:\+\+\+|---|@@) /m;

export function condenseRequest(reasons: readonly string[]): AgentRequest {
  const content = `The reviewer's remarks, one per line:\n${reasons.map((reason) => `- ${reason.replace(/\s+/g, ' ').trim()}`).join('\n')}`;
  return { round: 0, task: 'condense the reviewer\'s remarks into one lesson', system: SYSTEM, messages: [{ role: 'user', content }], files: [], estimatedInputTokens: estimateTokens(SYSTEM + content), maxOutputTokens: 120 };
}

/** The one sentence of a reply, or undefined when the reply is anything else. */
export function condensedSentence(reply: string): string | undefined {
  const text = reply.trim();
  if (NOT_A_SENTENCE.test(text)) return undefined;
  const lines = text.split(/\r?\n/).filter((line) => line.trim());
  if (lines.length !== 1) return undefined;
  const sentence = lines[0]!.trim().replace(/^(?:[-*]\s+|lesson:\s*)/i, '').replace(/^["'“‘](.*)["'”’]$/, '$1').trim();
  if (/^none\.?$/i.test(sentence) || sentence.length > 240) return undefined;
  return lessonSentence(sentence);
}

/**
 * One lesson condensed from the proposals that came from two or more of the person's
 * reasons, with all their evidence; undefined when there are not enough reasons, or the
 * model wrote anything but one new sentence. A failing model throws (the caller says so).
 */
export async function condenseLessons(proposed: readonly ProposedLesson[], agent: Agent, signal: AbortSignal, kept: readonly string[] = []): Promise<ProposedLesson | undefined> {
  const sources = proposed.filter((lesson) => !lesson.condensed && lesson.evidence.some((item) => REASON_KINDS.has(item.kind)));
  if (sources.length < 2) return undefined;
  const reply = await agent.propose(condenseRequest(sources.map((lesson) => lesson.text)), signal);
  if (reply.kind !== 'text' || (reply.toolCalls && reply.toolCalls.length > 0)) return undefined;
  const text = condensedSentence(reply.text);
  // Nothing new: it repeats one of the reasons, or a lesson already kept.
  if (!text || [...sources.map((lesson) => lesson.text), ...kept].some((known) => lessonKey(known) === lessonKey(text))) return undefined;
  const evidence = sources.flatMap((lesson) => lesson.evidence.filter((item) => REASON_KINDS.has(item.kind)));
  return { text, evidence, condensed: true };
}
