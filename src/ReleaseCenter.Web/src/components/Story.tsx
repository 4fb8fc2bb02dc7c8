import Box from '@cloudscape-design/components/box';
import Table from '@cloudscape-design/components/table';
import type { HistoryItem } from '../api/types';
import { timestamp } from './format';

// The execution history's bookkeeping (task scheduled/started/succeeded) says nothing a person needs.
const noise = /^(TaskScheduled|TaskStarted|TaskSucceeded|TaskSubmitted|LambdaFunction\w+|\w+StateExited|MapIteration\w+)$/;

function words(item: HistoryItem): string {
  if (item.source !== 'step-functions') return item.message;
  if (item.type.endsWith('StateEntered')) return `Step: ${item.message.replace(/^\w+StateEntered:\s*/, '')}`;
  if (item.type === 'ExecutionStarted') return 'The workflow started.';
  if (item.type === 'ExecutionSucceeded') return 'The workflow finished.';
  if (item.type === 'ExecutionFailed') return `The workflow failed. ${item.message}`;
  if (item.type === 'ExecutionAborted') return 'The workflow was stopped.';
  return item.message;
}

/** Our events joined with the workflow's steps, in plain words, newest last. */
export function Story({ items, loading }: { items: HistoryItem[]; loading: boolean }) {
  const story = items.filter((i) => i.source !== 'step-functions' || !noise.test(i.type));
  return (
    <Table
      variant="embedded"
      loading={loading}
      loadingText="Loading the story"
      trackBy={(i) => `${i.at}-${i.type}-${i.message}`}
      items={story}
      wrapLines
      columnDefinitions={[
        { id: 'at', header: 'Time', cell: (i) => timestamp(i.at), width: 210 },
        { id: 'env', header: 'Stage', cell: (i) => i.environment ?? '-', width: 110 },
        { id: 'what', header: 'What happened', cell: (i) => words(i), isRowHeader: true },
        { id: 'source', header: 'Source', cell: (i) => (i.source === 'step-functions' ? 'workflow' : 'release center'), width: 140 },
      ]}
      empty={<Box color="text-status-inactive">Nothing has happened yet.</Box>}
    />
  );
}
