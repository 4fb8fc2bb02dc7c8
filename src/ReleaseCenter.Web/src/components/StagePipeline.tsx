import Box from '@cloudscape-design/components/box';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Alert from '@cloudscape-design/components/alert';
import ProgressBar from '@cloudscape-design/components/progress-bar';
import { useQuery } from '@tanstack/react-query';
import { trafficQuery } from '../api/queries';
import type { components } from '../api/schema';
import type { Environment, Release, Stage } from '../api/types';
import { ReleaseStatusIndicator } from './ReleaseStatus';
import { duration, num, relative, timestamp } from './format';
import { approvalExpiresAt, stageApproverGroups, stageStrategy } from './waitingOn';

function Gate({ stage }: { stage: Stage }) {
  const e = stage.evaluation;
  if (!e) return <StatusIndicator type="pending">Not evaluated yet</StatusIndicator>;
  const failing = e.metrics.filter((m) => m.verdict !== 'Pass').length;
  return e.passed ? (
    <StatusIndicator type="success">Passed ({e.metrics.length} metrics)</StatusIndicator>
  ) : (
    <StatusIndicator type="error">
      Failed: {failing} of {e.metrics.length} metrics
    </StatusIndicator>
  );
}

function Approvals({ stage, env }: { stage: Stage; env?: Environment }) {
  if (!stage.requiresApproval) return <Box>Not required</Box>;
  const required = Number(stage.requiredApprovals ?? 0);
  const approvers = new Set((stage.approvals ?? []).filter((a) => a.decision === 'approve').map((a) => a.by));
  const groups = stageApproverGroups(stage, env);
  const waiting = stage.status === 'AwaitingApproval' && !stage.decision;
  const expires = waiting ? approvalExpiresAt(stage, env) : null;
  return (
    <SpaceBetween size="xxs">
      <Box>
        {approvers.size} of {required} from {groups.length ? groups.join(' or ') : 'approvers'}
        {stage.decision ? ` · ${stage.decision}` : ''}
      </Box>
      {waiting && stage.approvalRequestedAt ? (
        <Box variant="small">
          Waiting since {relative(stage.approvalRequestedAt)}
          {expires ? ` · expires ${relative(expires)}` : ''}
        </Box>
      ) : null}
      {(stage.approvals ?? []).map((a) => (
        <Box key={`${a.by}-${a.at}`} variant="small">
          <StatusIndicator type={a.decision === 'approve' ? 'success' : 'error'}>
            {a.by} {a.decision === 'approve' ? 'approved' : 'rejected'} {relative(a.at)}
          </StatusIndicator>
          {a.comment ? <Box variant="small" display="block">“{a.comment}”</Box> : null}
        </Box>
      ))}
    </SpaceBetween>
  );
}

function strategyText(stage: Stage, env?: Environment): string {
  const d = stageStrategy(stage, env);
  if (!d || d.strategy === 'all-at-once') return 'all at once';
  if (d.strategy === 'canary') return `canary ${d.canaryPercent ?? '?'} %, then the rest after ${duration(Number(d.waitIntervalSeconds) * 1000)}`;
  return `linear steps of ${d.linearStepPercent ?? '?'} % every ${duration(Number(d.waitIntervalSeconds) * 1000)}`;
}

type Traffic = components['schemas']['TrafficSplit'];

function Deployment({ stage, env, traffic }: { stage: Stage; env?: Environment; traffic?: Traffic }) {
  const d = stage.deployment;
  if (!d) return <Box color="text-status-inactive">Not deployed · strategy {strategyText(stage, env)}</Box>;
  const took = d.completedAt ? duration(Date.parse(d.completedAt) - Date.parse(d.startedAt)) : null;
  return (
    <SpaceBetween size="xxs">
      <Box>{d.endpointName}</Box>
      <Box variant="small">config {d.endpointConfigName}</Box>
      <Box variant="small">strategy {strategyText(stage, env)}</Box>
      <Box variant="small">
        {d.completedAt ? `done ${relative(d.completedAt)} (${took})` : `started ${relative(d.startedAt)}`}
      </Box>
      {traffic && traffic.environment === stage.environment && traffic.newPercent !== null && traffic.newPercent !== undefined ? (
        <ProgressBar
          value={Number(traffic.newPercent)}
          label="Traffic to this release"
          description={`${num(Number(traffic.newPercent), 1)} % new · ${num(Number(traffic.previousPercent ?? 0), 1)} % previous`}
          ariaLabel={`Traffic to this release in ${stage.environment}`}
        />
      ) : null}
      {d.reverted ? <StatusIndicator type="warning">Reverted: {d.reverted.message}</StatusIndicator> : null}
    </SpaceBetween>
  );
}

function StageCard({ stage, env, index, traffic }: { stage: Stage; env?: Environment; index: number; traffic?: Traffic }) {
  const v = stage.verification;
  return (
    <div data-testid={`stage-${stage.environment}`}>
      <Container
        header={
          <Header variant="h3" description={`Stage ${index + 1}`}>
            {stage.environment}
          </Header>
        }
      >
        <SpaceBetween size="m">
          <ReleaseStatusIndicator status={stage.status} />
          {stage.waiting ? (
            <Alert type="info" header={stage.waiting.kind === 'freeze' ? 'Waiting: environment frozen' : 'Waiting: soaking upstream'}>
              {stage.waiting.reason} Waiting since {relative(stage.waiting.since)}.
            </Alert>
          ) : null}
          <KeyValuePairs
            columns={1}
            items={[
              { label: 'Gate', value: <Gate stage={stage} /> },
              { label: 'Approvals', value: <Approvals stage={stage} env={env} /> },
              { label: 'Deployment', value: <Deployment stage={stage} env={env} traffic={traffic} /> },
              {
                label: 'Verification',
                value: v ? (
                  <StatusIndicator type={v.healthy ? 'success' : 'error'}>
                    {v.healthy ? 'Healthy' : 'Unhealthy'}: {v.reason}
                  </StatusIndicator>
                ) : (
                  <Box color="text-status-inactive">Not verified</Box>
                ),
              },
            ]}
          />
          {stage.failure ? (
            <Alert type="error" header={stage.failure.error}>
              {stage.failure.cause}
            </Alert>
          ) : null}
        </SpaceBetween>
      </Container>
    </div>
  );
}

/** The stages in promotion order (dev → staging → prod), each with status, gate, approvals, deployment and verification. */
export function StagePipeline({ release, environments }: { release: Release; environments: Environment[] }) {
  // While a deployment shifts traffic (canary, linear), the split is read from the endpoint every 2 s.
  const shifting = release.stages.some((s) => s.status === 'Deploying' && s.deployment && !s.deployment.completedAt);
  const traffic = useQuery(trafficQuery(release.id, shifting));
  return (
    <section aria-label="Stages">
      <ColumnLayout columns={Math.min(4, Math.max(1, release.stages.length)) as 1 | 2 | 3 | 4}>
        {release.stages.map((s, i) => (
          <StageCard
            key={s.environment}
            index={i}
            stage={s}
            env={environments.find((e) => e.name === s.environment)}
            traffic={shifting ? traffic.data : undefined}
          />
        ))}
      </ColumnLayout>
      <Box variant="small" margin={{ top: 's' }}>
        Updated {timestamp(release.updatedAt)}
      </Box>
    </section>
  );
}
