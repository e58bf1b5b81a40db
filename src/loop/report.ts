import type { RoundRecord, SessionRecord, TestResultRecord } from '../domain/record';

// A session as a Markdown report: the task, each round's diff, test result and
// decisions, and the outcome. Patches go in fenced blocks long enough not to be
// closed by backticks inside them.

function fence(text: string, language: string): string {
  const longest = Math.max(2, ...Array.from(text.matchAll(/`+/g), (match) => match[0].length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}${language}\n${text.endsWith('\n') ? text : text + '\n'}${ticks}`;
}

function tests(result: TestResultRecord): string {
  const { passed, failed, skipped, problems } = result.summary;
  const parts = [`${passed} passed`, `${failed} failed`];
  if (skipped) parts.push(`${skipped} skipped`);
  if (problems) parts.push(`${problems} run problem${problems === 1 ? '' : 's'}`);
  let line = `${result.green ? 'green' : 'not green'}: ${parts.join(', ')}${result.scope === 'selected' ? ' (selected tests only)' : ''}`;
  if (result.fixed || result.newlyFailing) line += `; ${result.fixed} fixed, ${result.newlyFailing} newly failing`;
  const lines = [line];
  for (const id of result.failing.slice(0, 20)) lines.push(`  - failing: \`${id}\``);
  if (result.failing.length > 20) lines.push(`  - … and ${result.failing.length - 20} more`);
  for (const problem of result.problems) lines.push(`  - problem: ${problem}`);
  if (result.suiteShrank) lines.push(`  - the test suite shrank: ${result.suiteShrank.summary}`);
  return lines.join('\n');
}

/** What the agent read with the read-only tools before it proposed: tool, path or query, size. */
function reads(list: NonNullable<RoundRecord['reads']>): string {
  const lines = [`Read by the agent: ${list.length} call${list.length === 1 ? '' : 's'}, ${list.reduce((sum, read) => sum + read.size, 0)} characters of results`];
  for (const read of list.slice(0, 50)) {
    const target = read.target.replace(/`/g, "'").replace(/\s+/g, ' ').slice(0, 120) || '(no target)';
    lines.push(`- ${read.tool} \`${target}\` (${read.size} characters)${read.error ? `: refused, ${read.error}` : ''}`);
  }
  if (list.length > 50) lines.push(`- … and ${list.length - 50} more`);
  return lines.join('\n');
}

/** Best of N: every attempt of the round, best first, with its tests and (when not chosen) its diff. */
function attempts(list: NonNullable<RoundRecord['candidates']>, chosen: number | undefined): string {
  const lines = ['', `Attempts (best of ${list.length}), ranked by the tests:`, ''];
  for (const attempt of list) {
    const cost = `${(attempt.tokens.input ?? 0) + (attempt.tokens.output ?? 0)} tokens, ${(attempt.durationMs / 1000).toFixed(1)} s`;
    lines.push(`${attempt.rank}. attempt ${attempt.attempt}${attempt.attempt === chosen ? ' (chosen)' : ''}, ${attempt.agentId}: ${attempt.tests ? tests(attempt.tests).split('\n')[0] : `not tested (${attempt.error ?? 'no usable edits'})`}; ${attempt.why}; ${cost}`);
    if (attempt.attempt !== chosen && attempt.patch) lines.push('', fence(attempt.patch, 'diff'), '');
  }
  return lines.join('\n');
}

function round(record: RoundRecord): string {
  const out = [`## Round ${record.round}${record.reverted ? ' (reverted)' : ''}`, ''];
  if (record.proposal.summary.trim()) out.push(record.proposal.summary.trim(), '');
  const files = record.proposal.files.map((file) => `\`${file.path}\` (${file.status}, +${file.additions} −${file.deletions})`);
  out.push(`Proposed: ${files.length > 0 ? files.join(', ') : 'no changes'}`);
  if (record.reads && record.reads.length > 0) out.push(reads(record.reads));
  if (record.candidates && record.candidates.length > 0) out.push(attempts(record.candidates, record.chosenCandidate));
  if (record.proposal.protectedPaths.length > 0) out.push(`Protected paths touched: ${record.proposal.protectedPaths.map((p) => `\`${p}\``).join(', ')}`);
  for (const problem of record.proposal.editProblems) out.push(`- edit problem: ${problem}`);
  if (record.review) {
    const by = record.review.by === 'rule' ? ' (by rule)' : '';
    out.push(`Review: ${record.review.decision}${by}${record.review.reason ? ` — ${record.review.reason}` : ''}`);
    for (const rejection of record.review.hunkRejections) out.push(`- hunk rejected in \`${rejection.path}\`: ${rejection.reason}`);
    if (record.review.droppedProtected.length > 0) out.push(`- not applied (protected, no explicit yes): ${record.review.droppedProtected.join(', ')}`);
  }
  if (record.appliedPatch) out.push('', 'Applied:', '', fence(record.appliedPatch, 'diff'));
  else if (record.proposal.patch) out.push('', 'Proposed diff (not applied):', '', fence(record.proposal.patch, 'diff'));
  if (record.review?.userEdits) out.push('', 'Edited by the person:', '', fence(record.review.userEdits, 'diff'));
  if (record.tests) out.push('', `Tests: ${tests(record.tests)}`);
  if (record.afterTests) {
    const target = record.afterTests.restoreRound !== undefined ? ` to before round ${record.afterTests.restoreRound}` : '';
    out.push(`After tests: ${record.afterTests.decision}${target}${record.afterTests.by === 'rule' ? ' (by rule)' : ''}${record.afterTests.reason ? ` — ${record.afterTests.reason}` : ''}`);
  }
  if (record.note) out.push(`Note: ${record.note}`);
  return out.join('\n');
}

export function exportReport(session: SessionRecord): string {
  const out = [
    `# Refine Loop session ${session.sessionId}`,
    '',
    `Started ${new Date(session.startedAt).toISOString()}${session.endedAt !== undefined ? `, ended ${new Date(session.endedAt).toISOString()}` : ''}; approval mode ${session.approvalMode}, at most ${session.maxRounds} rounds.`,
    '',
    '## Task',
    '',
    session.task.trim(),
    '',
  ];
  if (session.lessons && session.lessons.length > 0) {
    out.push('## Lessons in the prompt', '', "The person's standing instructions (.refine-loop/lessons.md) the agent was given:", '');
    for (const lesson of session.lessons) out.push(`- ${lesson.replace(/\s+/g, ' ')}`);
    out.push('');
  }
  if (session.baseline) out.push(`Baseline tests: ${tests(session.baseline)}`, '');
  for (const record of session.rounds) out.push(round(record), '');
  out.push('## Outcome', '', `**${session.outcome ?? 'unfinished'}** after ${session.rounds.length} round${session.rounds.length === 1 ? '' : 's'}${session.reason ? `: ${session.reason}` : ''}`, '');
  return out.join('\n');
}
