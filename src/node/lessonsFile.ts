import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from './atomicFile';

// The lessons file on disk (its format and its edits are src/loop/lessonsFile.ts). The
// loop itself writes it, at the person's yes, never a proposal: the path guard keeps
// proposals out of .refine-loop/. Writes are atomic, so a crash leaves the old file or
// the new one.

export const LESSONS_RELATIVE_PATH = '.refine-loop/lessons.md';

export function lessonsPath(root: string): string {
  return join(root, ...LESSONS_RELATIVE_PATH.split('/'));
}

/**
 * The CLI's store keeps `.refine-loop/` out of git with a `*` .gitignore; the lessons
 * file is the one thing in it meant to be committed and shared, so it is let through.
 */
async function letLessonsThroughGitignore(root: string): Promise<void> {
  const path = join(dirname(lessonsPath(root)), '.gitignore');
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  if (!lines.includes('*') || lines.includes('!lessons.md')) return;
  await writeFileAtomic(path, new TextEncoder().encode(`${text.endsWith('\n') || text === '' ? text : text + '\n'}!lessons.md\n`));
}

/** The LessonsStore port (src/loop/lessonsFile.ts) over `ROOT/.refine-loop/lessons.md`. */
export function createLessonsFileStore(root: string): { read(): Promise<string | undefined>; write(text: string): Promise<void> } {
  const path = lessonsPath(root);
  return {
    async read() {
      try {
        // Invalid UTF-8 becomes U+FFFD, which the parser reports as not a text file.
        return new TextDecoder('utf-8', { fatal: false }).decode(await readFile(path));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async write(text) {
      await mkdir(dirname(path), { recursive: true });
      await writeFileAtomic(path, new TextEncoder().encode(text));
      await letLessonsThroughGitignore(root);
    },
  };
}
