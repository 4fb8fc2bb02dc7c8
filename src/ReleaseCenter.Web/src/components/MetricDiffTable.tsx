import Table from '@cloudscape-design/components/table';
import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import Box from '@cloudscape-design/components/box';
import type { MetricDiff, ReleaseDiff } from '../api/types';
import { num, percent, signed } from './format';

/** The API says "regressed beyond tolerance"; the chip says "regressed" and the tolerance column says how far. */
export const isRegressed = (m: MetricDiff) => m.verdict.startsWith('regressed');

const verdictLook: Record<string, StatusIndicatorProps.Type> = {
  improved: 'success',
  'within tolerance': 'info',
  added: 'info',
  removed: 'warning',
};

export const verdictType = (m: MetricDiff): StatusIndicatorProps.Type => (isRegressed(m) ? 'error' : verdictLook[m.verdict] ?? 'info');

export function VerdictChip({ metric }: { metric: MetricDiff }) {
  return <StatusIndicator type={verdictType(metric)}>{isRegressed(metric) ? 'regressed' : metric.verdict}</StatusIndicator>;
}

/**
 * One metric's change in words, rounded for people:
 * "auc regressed by 0.039 (over the 0.01 tolerance)", "latency_p95_ms improved by 8", "f1 was added (0.91)".
 */
export function metricSentence(m: MetricDiff): string {
  if (m.verdict === 'added') return `${m.metric} was added (${num(m.to)})`;
  if (m.verdict === 'removed') return `${m.metric} was removed (was ${num(m.from)})`;
  if (m.delta === null || m.delta === undefined || m.delta === 0) return `${m.metric} is unchanged (${num(m.to)})`;
  const by = num(Math.abs(m.delta));
  const tolerance = m.tolerance !== null && m.tolerance !== undefined ? num(m.tolerance) : null;
  let words: string;
  if (isRegressed(m)) words = `${m.metric} regressed by ${by}${tolerance ? ` (over the ${tolerance} tolerance)` : ''}`;
  else if (m.verdict === 'improved') words = `${m.metric} improved by ${by}`;
  else words = `${m.metric} ${m.delta > 0 ? 'rose' : 'fell'} by ${by}${tolerance ? ` (within the ${tolerance} tolerance)` : ''}`;
  return m.thresholdCrossed ? `${words}; ${m.thresholdCrossed}` : words;
}

const direction = (m: MetricDiff) => (m.direction === 'LowerIsBetter' ? 'Lower is better' : 'Higher is better');

/**
 * Per metric, the base (from) against the compared release (to): both values, absolute and
 * relative delta, which way is better, a verdict and any threshold crossed.
 */
export function MetricDiffTable({
  diff,
  fromLabel,
  toLabel,
  compact = false,
}: {
  diff: Pick<ReleaseDiff, 'metrics'> & Partial<Pick<ReleaseDiff, 'from' | 'to'>>;
  fromLabel?: string;
  toLabel?: string;
  /** Narrow places (a dialog, the split panel): values, deltas and verdict only. */
  compact?: boolean;
}) {
  const wide = ['direction', 'tolerance', 'threshold'];
  return (
    <Table
      columnDisplay={['metric', 'from', 'to', 'delta', 'relative', ...wide, 'verdict'].map((id) => ({ id, visible: !compact || !wide.includes(id) }))}
      variant="embedded"
      wrapLines
      trackBy="metric"
      items={diff.metrics}
      ariaLabels={{ tableLabel: 'Metric changes' }}
      columnDefinitions={[
        { id: 'metric', header: 'Metric', cell: (m) => m.metric, isRowHeader: true },
        { id: 'from', header: fromLabel ?? `Live (v${diff.from?.version})`, cell: (m) => num(m.from) },
        { id: 'to', header: toLabel ?? `This release (v${diff.to?.version})`, cell: (m) => num(m.to) },
        { id: 'delta', header: 'Delta', cell: (m) => signed(m.delta) },
        { id: 'relative', header: 'Relative', cell: (m) => percent(m.relativeDelta) },
        { id: 'direction', header: 'Better when', cell: direction },
        { id: 'tolerance', header: 'Tolerance', cell: (m) => (m.tolerance === null || m.tolerance === undefined ? '-' : num(m.tolerance)) },
        { id: 'verdict', header: 'Verdict', width: 170, cell: (m) => <VerdictChip metric={m} /> },
        { id: 'threshold', header: 'Threshold', cell: (m) => m.thresholdCrossed ?? (m.threshold !== null && m.threshold !== undefined ? `${num(m.threshold)} (not crossed)` : '-') },
      ]}
      empty={<Box color="text-status-inactive">Neither side reports metrics.</Box>}
    />
  );
}
