import { PathError } from './errors';
import { inertText } from './terminalText';

// The path guard: every path an agent names passes here before it is read or written.
// Pure string rules; the real-path half (symlinks, `.git` files) is src/node/realPathGuard.ts,
// which every Workspace adapter calls (its `read` throws PathError, which apply turns into a rejection).

// Names Windows reserves in every folder, with or without an extension.
const deviceName = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i;

/** The loop's own store at the workspace root (sessions, journal, lessons). */
export const STORE_FOLDER = '.refine-loop';

/** A Windows device name: the part before the first dot, trailing dots and spaces trimmed (Windows drops them). */
export function isDeviceName(segment: string): boolean {
  return deviceName.test((segment.split('.')[0] ?? '').replace(/[. ]+$/, ''));
}

/** `.git`, in any case, or its 8.3 short name on Windows (`GIT~1`). */
export function isGitFolderName(segment: string): boolean {
  const lower = segment.toLowerCase().replace(/[. ]+$/, '');
  return lower === '.git' || /^git~\d+$/.test(lower);
}

function reject(path: string, why: string): never {
  throw new PathError(`Path '${printable(path)}' ${why}`, path);
}

function printable(path: string): string {
  return inertText(path).replace(/\n/g, '\\x0a');
}

/**
 * Returns the normalised workspace-relative path (`/` separators, no `.` segments),
 * or throws PathError saying why the path is refused.
 */
export function guardPath(path: string): string {
  if (path.length === 0 || path.trim().length === 0) reject(path, 'is empty.');
  if (path.includes('\u0000')) reject(path, 'contains a NUL byte.');
  if (Array.from(path).some((c) => c.charCodeAt(0) < 0x20)) reject(path, 'contains a control character.');
  const slashed = path.replace(/\\/g, '/');
  if (slashed.startsWith('/')) reject(path, 'is absolute; use a path relative to the workspace root.');
  if (/^[a-z]:/i.test(slashed)) reject(path, 'has a drive letter; use a path relative to the workspace root.');
  if (slashed.startsWith('~')) reject(path, 'points into a home folder; use a path relative to the workspace root.');
  const segments: string[] = [];
  for (const segment of slashed.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (segments.length === 0) reject(path, 'leads outside the workspace (`..`).');
      segments.pop();
      continue;
    }
    if (segment.includes(':')) reject(path, `has a ':' in '${segment}' (a Windows stream or drive name).`);
    if (/[. ]$/.test(segment)) reject(path, `has a segment '${segment}' ending in a dot or space, which Windows silently drops.`);
    if (isDeviceName(segment)) reject(path, `names the Windows device '${segment}'.`);
    if (isGitFolderName(segment)) reject(path, 'is inside .git/, which edits may not touch.');
    if (segments.length === 0 && segment.toLowerCase() === STORE_FOLDER) reject(path, `is inside ${STORE_FOLDER}/, Refine Loop's own store, which edits may not touch.`);
    segments.push(segment);
  }
  if (segments.length === 0) reject(path, 'names the workspace root, not a file.');
  return segments.join('/');
}
