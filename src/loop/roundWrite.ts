// Writing an approved round through the journal. When a file changed during the
// review (its base hash no longer matches), the approved changes are re-matched on the
// file as it is now, once; if they no longer fit, nothing is written and the person's
// edits are kept.
import type { FileChange } from '../domain/model';
import { applyJournaled, imagesOf, type CheckpointPorts } from './checkpoints';
import { rebaseChange } from './review';

export type RoundWrite =
  | { readonly written: readonly FileChange[] }
  | { readonly written?: undefined; readonly conflicts: readonly string[]; readonly message: string };

export async function writeRound(sessionId: string, round: number, changes: readonly FileChange[], ports: CheckpointPorts & { readonly clock: { now(): number } }): Promise<RoundWrite> {
  const read = (path: string) => ports.workspace.read(path);
  const first = await applyJournaled(sessionId, round, await imagesOf(changes, read), ports, ports.clock.now());
  if (first.ok) return { written: changes };
  const rebased: FileChange[] = [];
  for (const change of changes) {
    if (!first.conflicts.includes(change.path)) rebased.push(change);
    else {
      const again = rebaseChange(change, await read(change.path));
      if (again) rebased.push(again);
    }
  }
  if (rebased.length === changes.length) {
    const second = await applyJournaled(sessionId, round, await imagesOf(rebased, read), ports, ports.clock.now());
    if (second.ok) {
      ports.log.info('loop', `round ${round}: ${first.conflicts.join(', ')} changed during review; the approved hunks were re-matched and applied`);
      return { written: rebased };
    }
  }
  return {
    conflicts: first.conflicts,
    message: `${first.conflicts.join(', ')} changed while round ${round} was under review and the approved changes no longer fit; nothing was written, your edits are kept.`,
  };
}
