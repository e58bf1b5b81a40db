import type { RunProblem, TestCase } from '../../domain/testReport';
import { type ParseContext, type ParsedTests, makeTest, parseJsFrame, stripAnsi, workspacePath } from './common';

// TAP 13 as node:test writes it (`--test-reporter=tap`): nested subtests by indentation,
// `# Subtest: name` before each result, and a YAML block with location, error, stack,
// expected and actual. A file that failed to load shows up as a top-level test named by
// its path with an `exitCode`: that is a collection problem, not a failed test.

interface Pending {
  readonly indent: number;
  readonly name: string;
}

type Yaml = Record<string, string>;

const resultLine = /^(\s*)(ok|not ok)\s+\d+(?:\s+-\s+|\s+)?(.*?)(?:\s+#\s+(SKIP|TODO)\b\s*(.*))?$/i;

/** The small YAML subset node:test writes: `key: scalar`, quoted scalars and `|-` blocks. */
function parseYamlBlock(lines: string[]): Yaml {
  const result: Yaml = {};
  const indent = lines.find((line) => line.trim() !== '')?.search(/\S/) ?? 0;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.search(/\S/) !== indent) continue;
    const match = /^\s*([\w]+):\s?(.*)$/.exec(line);
    if (!match) continue;
    const key = match[1]!;
    const value = match[2]!;
    if (/^[|>][-+]?$/.test(value)) {
      const block: string[] = [];
      while (index + 1 < lines.length && (lines[index + 1]!.trim() === '' || lines[index + 1]!.search(/\S/) > indent)) {
        block.push(lines[++index]!);
      }
      const blockIndent = Math.min(...block.filter((entry) => entry.trim() !== '').map((entry) => entry.search(/\S/)));
      result[key] = block.map((entry) => entry.slice(Number.isFinite(blockIndent) ? blockIndent : 0)).join('\n').replace(/\s+$/, '');
    } else if (value.startsWith("'")) {
      result[key] = value.slice(1, value.endsWith("'") ? -1 : undefined).replace(/''/g, "'");
    } else if (value.startsWith('"')) {
      try {
        result[key] = JSON.parse(value) as string;
      } catch {
        result[key] = value.slice(1, -1);
      }
    } else if (value !== '~') {
      result[key] = value;
    }
  }
  return result;
}

function location(raw: string | undefined, context: ParseContext): { file?: string; line?: number } {
  if (!raw) return {};
  const match = /^(.*?):(\d+)(?::\d+)?$/.exec(raw);
  if (!match) return { file: workspacePath(raw, context) };
  return { file: workspacePath(match[1]!, context), line: Number(match[2]) };
}

/** Results and the plan at one indentation level: a plan of 5 with one result is a run cut short. */
interface Level {
  count: number;
  planned?: number;
  planSeen: boolean;
}

export function parseTap(text: string, context: ParseContext = {}): ParsedTests {
  const lines = stripAnsi(text).replace(/\r\n/g, '\n').split('\n');
  const tests: TestCase[] = [];
  const problems: RunProblem[] = [];
  const open: Pending[] = [];
  // Comment lines not part of a result (a child's stderr, e.g. a SyntaxError), kept for the next problem.
  let diagnostics: string[] = [];
  const levels = new Map<number, Level>();
  let topIndent: number | undefined;
  let topPlanned = false;
  let sawTap = false;
  const level = (indent: number): Level => {
    let found = levels.get(indent);
    if (!found) levels.set(indent, (found = { count: 0, planSeen: false }));
    return found;
  };
  const unmet = (planned: number, count: number, indent: number) =>
    problems.push({ kind: 'runner', message: `The TAP report planned ${planned} test${planned === 1 ? '' : 's'}${indent > 0 ? ' in a subtest' : ''} but reported ${count}: the run was cut short or the report is incomplete.` });
  /** Levels deeper than `indent` are finished: a leading plan must have been met. */
  const close = (indent: number) => {
    for (const [depth, entry] of [...levels]) {
      if (depth <= indent) continue;
      if (entry.planned !== undefined && entry.count !== entry.planned) unmet(entry.planned, entry.count, depth);
      levels.delete(depth);
    }
  };

  /** The end of one TAP stream: every level's plan settled, and the top level must have had one. */
  const finishStream = () => {
    close(-1);
    if (sawTap && !topPlanned) problems.push({ kind: 'runner', message: 'The TAP report has no plan (1..N): it was cut off before the end, so its results are incomplete.' });
    sawTap = false;
    topPlanned = false;
    topIndent = undefined;
  };

  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (/^TAP version \d+/.test(line)) {
      // A new stream (a script that runs two TAP producers): the last one is settled.
      finishStream();
      sawTap = true;
      continue;
    }
    const bail = /^\s*Bail out!\s*(.*)$/.exec(line);
    if (bail) {
      const reason = bail[1]!.trim();
      problems.push({ kind: 'runner', message: `The test run bailed out${reason ? `: ${reason}` : ''}; the tests after that point did not run.` });
      continue;
    }
    const plan = /^(\s*)1\.\.(\d+)\s*(?:#.*)?$/.exec(line);
    if (plan) {
      const indent = plan[1]!.length;
      const planned = Number(plan[2]);
      const entry = level(indent);
      if (entry.count > 0) {
        if (entry.count !== planned) unmet(planned, entry.count, indent);
        // A trailing plan ends its stream at this level.
        levels.set(indent, { count: 0, planSeen: true });
      } else {
        entry.planned = planned;
        entry.planSeen = true;
      }
      if (topIndent === undefined || indent <= topIndent) {
        topIndent = indent;
        topPlanned = true;
      }
      sawTap = true;
      continue;
    }
    const subtest = /^(\s*)# Subtest: (.*)$/.exec(line);
    if (subtest) {
      const indent = subtest[1]!.length;
      while (open.length > 0 && open[open.length - 1]!.indent >= indent) open.pop();
      open.push({ indent, name: subtest[2]! });
      continue;
    }
    const result = resultLine.exec(line);
    if (!result) {
      const comment = /^\s*# (.*)$/.exec(line);
      if (comment && !/^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) \d/.test(comment[1]!)) diagnostics.push(comment[1]!);
      continue;
    }
    const indent = result[1]!.length;
    const status = result[2]!.toLowerCase();
    const directive = result[4]?.toUpperCase();
    sawTap = true;
    close(indent);
    level(indent).count++;
    if (topIndent === undefined || indent < topIndent) {
      topIndent = indent;
      topPlanned = levels.get(indent)?.planSeen === true;
    }
    while (open.length > 0 && open[open.length - 1]!.indent > indent) open.pop();
    const own = open.length > 0 && open[open.length - 1]!.indent === indent ? open.pop() : undefined;
    const name = own?.name ?? result[3]!;
    const suite = open.filter((entry) => entry.indent < indent).map((entry) => entry.name);

    // The YAML block right after the result line.
    let yaml: Yaml = {};
    if (lines[index + 1]?.trim() === '---') {
      const block: string[] = [];
      index += 2;
      while (index < lines.length && lines[index]!.trim() !== '...') block.push(lines[index++]!);
      yaml = parseYamlBlock(block);
    }

    const where = location(yaml.location, context);
    if (yaml.type === 'suite') {
      // A suite's own failure is only news when it is not just "subtests failed" (a hook threw, say).
      if (status === 'not ok' && yaml.failureType !== 'subtestsFailed') {
        problems.push({ kind: 'runner', message: `Suite "${name}" failed: ${yaml.error ?? 'unknown error'}`, ...where });
      }
      continue;
    }
    if (status === 'not ok' && yaml.exitCode !== undefined && suite.length === 0 && yaml.error === 'test failed') {
      // node --test ran a file that exited before reporting tests: it did not load.
      const file = workspacePath(name, context);
      const detail = diagnostics.join('\n').trim();
      const headline = diagnostics.find((entry) => /^\w*(Error|Exception)\b/.test(entry.trim())) ?? `exited with code ${yaml.exitCode}`;
      problems.push({ kind: 'collection', message: `${file} failed to load: ${headline.trim()}`, file, ...(detail ? { detail } : {}) });
      diagnostics = [];
      continue;
    }
    diagnostics = [];

    const skipped = directive === 'SKIP' || directive === 'TODO';
    const failed = status === 'not ok' && !skipped;
    const stack = failed && yaml.stack ? yaml.stack.split('\n').flatMap((entry) => parseJsFrame(entry, context) ?? []) : [];
    tests.push(
      makeTest({
        name,
        suite,
        idFile: undefined,
        file: where.file,
        line: where.line,
        status: failed ? 'failed' : skipped ? 'skipped' : 'passed',
        durationMs: yaml.duration_ms === undefined ? undefined : Number(yaml.duration_ms),
        errorType: failed ? yaml.name : undefined,
        message: failed ? yaml.error?.trim() : undefined,
        expected: failed ? yaml.expected : undefined,
        actual: failed ? yaml.actual : undefined,
        stack,
        skipReason: skipped ? `${directive === 'TODO' ? 'todo' : 'skipped'}${result[5]?.trim() ? `: ${result[5].trim()}` : ''}` : undefined,
      }),
    );
  }
  finishStream();
  return { tests, problems };
}
