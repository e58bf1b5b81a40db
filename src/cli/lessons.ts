import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, errorMessage } from '../domain/errors';
import type { SessionRecord } from '../domain/record';
import type { Agent } from '../domain/ports';
import { describeOrigin, lessonSentence, proposeLessons, type ProposedLesson } from '../loop/lessons';
import { CONDENSE_TIMEOUT_MS, condenseLessons, isModelAgent } from '../loop/lessonsCondense';
import { addLessons, LESSONS_FILE, readLessons, removeLesson, type Lesson } from '../loop/lessonsFile';
import { createLessonsFileStore } from '../node/lessonsFile';
import type { CliIo } from './main';

// Lessons in the terminal: `refine-loop run --learn yes|no|ask` proposes lessons at the
// end of a session from the person's own reasons and edits and keeps those they say
// yes to; `refine-loop lessons` lists and removes them.

export type LearnMode = 'yes' | 'no' | 'ask';

export function learnMode(value: string | undefined): LearnMode {
  const mode = value ?? 'ask';
  if (mode !== 'yes' && mode !== 'no' && mode !== 'ask') throw new UsageError(`--learn '${mode}' is not 'yes', 'no' or 'ask'.`);
  return mode;
}

type Ask = (question: string) => Promise<string | undefined>;
type Say = (text: string) => void;

/**
 * Asks about each proposed lesson: y keeps it, n drops it, e edits it first (an empty
 * edit keeps the proposed sentence). An ended stdin keeps nothing more.
 */
export async function askAboutLessons(proposed: readonly ProposedLesson[], ask: Ask, say: Say): Promise<string[]> {
  const kept: string[] = [];
  for (const [index, lesson] of proposed.entries()) {
    say(`\nlesson ${index + 1} of ${proposed.length}: ${lesson.text}\n`);
    if (lesson.condensed) say('  condensed by the model from your reasons below: keep it only if it says what you meant\n');
    for (const evidence of lesson.evidence) say(`  from round ${evidence.round} (${evidence.kind}${evidence.path ? `, ${evidence.path}` : ''}): ${evidence.text.replace(/\s+/g, ' ')}\n`);
    for (;;) {
      const answer = (await ask('Keep it for later sessions? y / n / e edit: '))?.trim();
      if (answer === undefined) return kept;
      if (answer === 'n') break;
      if (answer === 'y') {
        kept.push(lesson.text);
        break;
      }
      if (answer === 'e') {
        const edited = (await ask('Lesson (Enter keeps it as it is): '))?.trim();
        if (edited === undefined) return kept;
        const text = edited ? lessonSentence(edited) : lesson.text;
        if (!text) {
          say('  too short to be a lesson: say what to do in a sentence\n');
          continue;
        }
        kept.push(text);
        break;
      }
    }
  }
  return kept;
}

export interface Learning {
  /** The kept lessons, oldest first, for the session's prompts. */
  readonly lessons: readonly string[];
  /**
   * At the end: proposes lessons from the session and keeps those the mode (or the person)
   * says yes to. With `condenseWith` (the session's agent, where it is a model) and a
   * person to ask, one more proposal condenses several reasons; `--learn yes` never keeps that one.
   */
  finish(record: SessionRecord | undefined, ask: Ask, options?: { interactive?: boolean; condenseWith?: Agent }): Promise<void>;
}

/** Reads the lessons file of `root`; a broken file is reported, used for nothing, and never written. */
export async function startLearning(root: string, modeOption: string | undefined, say: Say): Promise<Learning> {
  const mode = learnMode(modeOption);
  const store = createLessonsFileStore(root);
  const read = await readLessons(store);
  if (read.state === 'broken') say(`warning: ${read.error.message}\n`);
  else if (read.lessons.length > 0) say(`lessons: ${read.lessons.length} from ${LESSONS_FILE} go into the prompt\n`);
  const texts = read.lessons.map((lesson) => lesson.text);
  return {
    lessons: texts,
    async finish(record, ask, { interactive = process.stdin.isTTY === true, condenseWith } = {}) {
      if (!record || mode === 'no') return;
      let proposed = proposeLessons(record, texts);
      if (proposed.length === 0) return;
      // `ask` needs a person at a terminal; piped answers are for the gates, not for this.
      if (mode === 'ask' && !interactive) {
        say(`lessons: ${proposed.length} proposed, none kept (no terminal to ask; pass --learn yes to keep them)\n`);
        return;
      }
      if (mode === 'ask' && condenseWith && isModelAgent(condenseWith)) {
        const condensed = await condenseLessons(proposed, condenseWith, AbortSignal.timeout(CONDENSE_TIMEOUT_MS), texts).catch((error: unknown) => {
          say(`lessons: the model could not condense your reasons (${errorMessage(error)}); each is proposed on its own\n`);
          return undefined;
        });
        if (condensed) proposed = [condensed, ...proposed];
      }
      const chosen = mode === 'yes' ? proposed.map((lesson) => lesson.text) : await askAboutLessons(proposed, ask, say);
      if (chosen.length === 0) return;
      const origin = (text: string) => {
        const source = proposed.find((lesson) => lesson.text === text);
        return source ? `${describeOrigin(record.sessionId, source.evidence)}${source.condensed ? ', condensed by the model' : ''}` : `session ${record.sessionId}: edited by the reviewer`;
      };
      const lessons: Lesson[] = chosen.map((text) => ({ text, origin: origin(text) }));
      try {
        await addLessons(store, lessons);
        say(`lessons: kept ${lessons.length} in ${LESSONS_FILE}\n`);
      } catch (error) {
        say(`warning: ${errorMessage(error)}\nThe lessons not kept:\n${lessons.map((lesson) => `- ${lesson.text}\n`).join('')}`);
      }
    },
  };
}

export const lessonsUsage = `usage: refine-loop lessons [list] [--root DIR]
       refine-loop lessons remove N [--root DIR]

list prints the kept lessons of ${LESSONS_FILE}, numbered, with where each came from;
remove N deletes lesson N (every other line of the file stays as it is).
`;

export async function lessons(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, strict: true, allowPositionals: true, options: { root: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    throw new UsageError(`${errorMessage(error)}\n\n${lessonsUsage}`);
  }
  if (parsed.values.help) {
    io.stdout(lessonsUsage);
    return 0;
  }
  const root = resolve(io.cwd, parsed.values.root ?? '.');
  const [action = 'list', ...rest] = parsed.positionals;
  if (action === 'list' && rest.length === 0) {
    const read = await readLessons(createLessonsFileStore(root));
    if (read.state === 'broken') {
      io.stderr(`refine-loop lessons: ${read.error.message}\n`);
      return 1;
    }
    if (read.lessons.length === 0) io.stderr(`no lessons in ${LESSONS_FILE}\n`);
    read.lessons.forEach((lesson, index) => io.stdout(`${index + 1}. ${lesson.text}${lesson.origin ? `\n   (${lesson.origin})` : ''}\n`));
    return 0;
  }
  if (action === 'remove' && rest.length === 1) {
    const number = rest[0]!;
    if (!/^\d+$/.test(number) || Number(number) < 1) throw new UsageError(`N '${number}' is not a lesson number (see refine-loop lessons list).`);
    try {
      const removed = await removeLesson(createLessonsFileStore(root), Number(number));
      io.stdout(`removed lesson ${number}: ${removed.text}\n`);
      return 0;
    } catch (error) {
      io.stderr(`refine-loop lessons: ${errorMessage(error)}\n`);
      return 1;
    }
  }
  throw new UsageError(`unexpected arguments '${parsed.positionals.join(' ')}'.\n\n${lessonsUsage}`);
}
