import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import type { Release, ReleaseStatus } from '../api/types';
import { statusLabel } from './ReleaseStatus';

const type: Record<ReleaseStatus, StatusIndicatorProps.Type> = {
  Pending: 'not-started',
  Evaluating: 'in-progress',
  AwaitingApproval: 'pending',
  Deploying: 'in-progress',
  Verifying: 'in-progress',
  Released: 'success',
  Rejected: 'error',
  Expired: 'stopped',
  Failed: 'error',
  RolledBack: 'warning',
  Cancelled: 'stopped',
};

/** One status per environment, in promotion order: "dev ✓ staging ⏳ prod –". */
export function StageProgress({ release }: { release: Release }) {
  return (
    <SpaceBetween direction="horizontal" size="xs">
      {release.stages.map((s) => (
        <span key={s.environment} title={`${s.environment}: ${statusLabel(s.status)}`}>
          <StatusIndicator type={type[s.status] ?? 'info'} iconAriaLabel={statusLabel(s.status)}>
            {s.environment}
          </StatusIndicator>
        </span>
      ))}
    </SpaceBetween>
  );
}
