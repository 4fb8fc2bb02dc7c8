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

/**
 * A stage's status as a person reads it. Every stage is evaluated when the release starts and keeps
 * "Evaluating" until its turn comes, so a later stage of a release that has moved on reads "Queued".
 */
export function StageStatusIndicator({ status, releaseStatus }: { status: ReleaseStatus; releaseStatus: ReleaseStatus }) {
  if (status === 'Evaluating' && releaseStatus !== 'Evaluating') return <StatusIndicator type="pending">Queued (gate passed)</StatusIndicator>;
  return <ReleaseStatusIndicator status={status} />;
}
