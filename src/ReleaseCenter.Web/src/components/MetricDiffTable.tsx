import Table from '@cloudscape-design/components/table';
import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import Box from '@cloudscape-design/components/box';
import type { ReleaseDiff } from '../api/types';
import { num, percent, signed } from './format';

const verdictLook: Record<string, StatusIndicatorProps.Type> = {
  improved: 'success',
  'within tolerance': 'info',
  regressed: 'error',
  added: 'info',
  removed: 'warning',
};

/** Per metric, live (from) against this release (to): both values, the deltas and a verdict. */
export function MetricDiffTable({ diff }: { diff: ReleaseDiff }) {
  return (
    <Table
      variant="embedded"
      wrapLines
      trackBy="metric"
      items={diff.metrics}
      columnDefinitions={[
        { id: 'metric', header: 'Metric', cell: (m) => m.metric, isRowHeader: true },
        { id: 'from', header: `Live (v${diff.from.version})`, cell: (m) => num(m.from) },
        { id: 'to', header: `This release (v${diff.to.version})`, cell: (m) => num(m.to) },
        { id: 'delta', header: 'Delta', cell: (m) => `${signed(m.delta)} (${percent(m.relativeDelta)})` },
        {
          id: 'verdict',
          header: 'Verdict',
          cell: (m) => (
            <StatusIndicator type={verdictLook[m.verdict] ?? 'info'}>
              {m.verdict}
              {m.thresholdCrossed ? ` (${m.thresholdCrossed})` : ''}
            </StatusIndicator>
          ),
        },
      ]}
      empty={<Box color="text-status-inactive">Neither side reports metrics.</Box>}
    />
  );
}
