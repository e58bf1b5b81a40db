// The test part of the panel: the summary of the last run, its problems, the failures
// grouped (each group a section the person can close), and the chart of failing tests
// per round.
import type { PanelState } from '../protocol/reviewPanel';
import { failingFirstWords } from '../protocol/testWords';
import { t } from './l10n';
import { h, svg } from './dom';
import { cssId } from './store';

export function testsSection(current: PanelState): HTMLElement {
  const tests = current.tests!;
  return h(
    'section',
    { className: 'tests', id: 'tests', 'aria-label': t('Test results') },
    h('h2', {}, t('Tests after round {0}', tests.round)),
    h('p', { className: 'test-summary', id: 'test-summary' }, ...(tests.scope === 'selected' ? failingFirstSummary(tests) : fullSummary(tests))),
    tests.problems.length > 0 && h('ul', { className: 'problems' }, ...tests.problems.map((problem) => h('li', {}, h('strong', {}, problem.kind), ': ', problem.message))),
    ...tests.groups.map((group, index) =>
      h(
        'details',
        { className: 'group', id: `group-${tests.round}-${index}-${cssId(group.title).slice(0, 40)}`, open: true },
        h('summary', {}, `${group.title} (${group.failures.length})`),
        h(
          'ul',
          {},
          ...group.failures.map((failure) =>
            h('li', {}, h('strong', {}, failure.name), failure.file ? h('span', { className: 'muted' }, ` ${failure.file}${failure.line ? `:${failure.line}` : ''}`) : undefined, failure.message ? h('pre', { className: 'message' }, failure.message) : undefined),
          ),
        ),
      ),
    ),
  );
}

type Tests = NonNullable<PanelState['tests']>;

function fullSummary(tests: Tests): (Node | string)[] {
  const { summary } = tests;
  return [
    h('span', { className: summary.failed > 0 ? 'deleted' : 'added' }, t('{0} failing', summary.failed)),
    t(', {0} passing', summary.passed),
    summary.skipped ? t(', {0} skipped', summary.skipped) : '',
    tests.newlyFailing || tests.fixed ? t(' · {0} fixed, {1} newly failing', tests.fixed, tests.newlyFailing) : '',
  ];
}

function failingFirstSummary(tests: Tests): (Node | string)[] {
  const words = failingFirstWords(tests.summary, t);
  return [h('span', { className: tests.summary.failed > 0 ? 'deleted' : 'added' }, words.charAt(0).toUpperCase() + words.slice(1))];
}

export function chartSection(current: PanelState): HTMLElement {
  const points = current.history;
  const max = Math.max(1, ...points.map((point) => point.failed));
  const barWidth = 28;
  const gap = 12;
  const height = 90;
  const top = 14;
  const width = points.length * (barWidth + gap) + gap;
  const chart = svg(
    'svg',
    { viewBox: `0 0 ${width} ${height + top + 18}`, width, height: height + top + 18, role: 'img', 'aria-labelledby': 'chart-title' },
    svg('title', { id: 'chart-title' }, t('Failing tests per round: {0}', points.map((point) => (point.round === 0 ? t('baseline {0}', point.failed) : t('round {0} {1}', point.round, point.failed))).join(', '))),
    svg('line', { x1: 0, y1: top + height, x2: width, y2: top + height, class: 'axis' }),
    ...points.flatMap((point, index) => {
      const barHeight = point.failed === 0 ? 2 : Math.round((point.failed / max) * height);
      const x = gap + index * (barWidth + gap);
      return [
        svg('rect', { x, y: top + height - barHeight, width: barWidth, height: barHeight, class: point.failed === 0 ? 'bar good' : 'bar', rx: 2 }),
        svg('text', { x: x + barWidth / 2, y: top + height - barHeight - 3, class: 'value', 'text-anchor': 'middle' }, String(point.failed)),
        svg('text', { x: x + barWidth / 2, y: top + height + 13, class: 'label', 'text-anchor': 'middle' }, point.round === 0 ? 'base' : `R${point.round}`),
      ];
    }),
  );
  return h('section', { className: 'chart', id: 'chart', 'aria-label': t('Failing tests per round') }, h('h2', {}, t('Failing tests per round')), chart);
}
