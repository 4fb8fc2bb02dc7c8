import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import type { ReleaseStatus } from '../api/types';

const look: Record<ReleaseStatus, [StatusIndicatorProps.Type, string]> = {
  Pending: ['pending', 'Pending'],
  Evaluating: ['in-progress', 'Evaluating'],
  AwaitingApproval: ['pending', 'Awaiting approval'],
  Deploying: ['in-progress', 'Deploying'],
  Verifying: ['in-progress', 'Verifying'],
  Released: ['success', 'Released'],
  Rejected: ['error', 'Rejected'],
  Expired: ['stopped', 'Expired'],
  Failed: ['error', 'Failed'],
  RolledBack: ['warning', 'Rolled back'],
  Cancelled: ['stopped', 'Cancelled'],
};

export function statusLabel(status: ReleaseStatus): string {
  return look[status]?.[1] ?? status;
}

export function ReleaseStatusIndicator({ status }: { status: ReleaseStatus }) {
  const [type, label] = look[status] ?? ['info', status];
  return <StatusIndicator type={type}>{label}</StatusIndicator>;
}
