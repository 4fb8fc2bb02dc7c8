import Table from '@cloudscape-design/components/table';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Box from '@cloudscape-design/components/box';
import type { EvaluationReport } from '../api/types';
import { num, signed } from './format';

/** Per metric: value, threshold, the live model's value, the delta and the gate's verdict. */
export function EvaluationTable({ report, header }: { report: EvaluationReport | null | undefined; header?: React.ReactNode }) {
  if (!report) return <Box color="text-status-inactive">Not evaluated yet.</Box>;
  return (
    <Table
      variant="embedded"
      wrapLines
      header={header}
      trackBy="metric"
      items={report.metrics}
      columnDefinitions={[
        { id: 'metric', header: 'Metric', cell: (m) => m.metric, isRowHeader: true },
        { id: 'value', header: 'Value', cell: (m) => num(m.value) },
        {
          id: 'threshold',
          header: 'Threshold',
          cell: (m) => (m.threshold === null ? '-' : `${m.direction === 'LowerIsBetter' ? '≤' : '≥'} ${num(m.threshold)}`),
        },
        { id: 'live', header: `Live${report.liveVersion ? ` (v${report.liveVersion})` : ''}`, cell: (m) => num(m.liveValue) },
        { id: 'delta', header: 'Better than live by', cell: (m) => signed(m.delta) },
        {
          id: 'verdict',
          header: 'Verdict',
          cell: (m) => (
            <StatusIndicator type={m.verdict === 'Pass' ? 'success' : 'error'}>
              {m.verdict === 'Pass' ? 'Pass' : `Fail${m.reasons.length ? `: ${m.reasons.join(' ')}` : ''}`}
            </StatusIndicator>
          ),
        },
      ]}
      empty={<Box color="text-status-inactive">No metrics were evaluated.</Box>}
    />
  );
}
