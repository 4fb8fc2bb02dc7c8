import Box from '@cloudscape-design/components/box';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import { num } from './format';

/** A version's reported metrics, rounded for people. */
export function Metrics({ metrics }: { metrics: Record<string, number> | undefined }) {
  const entries = Object.entries(metrics ?? {});
  if (entries.length === 0) return <Box color="text-status-inactive">No metrics reported.</Box>;
  return <KeyValuePairs columns={Math.min(4, entries.length) as 1 | 2 | 3 | 4} items={entries.map(([k, v]) => ({ label: k, value: num(v) }))} />;
}
