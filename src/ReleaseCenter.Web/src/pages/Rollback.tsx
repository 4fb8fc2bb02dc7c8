import { useState } from 'react';
import { useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Link from '@cloudscape-design/components/link';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import Steps from '@cloudscape-design/components/steps';
import Table from '@cloudscape-design/components/table';
import Textarea from '@cloudscape-design/components/textarea';
import { api, ok } from '../api/client';
import { rollbackQuery } from '../api/environments';
import { environmentsQuery, modelQuery } from '../api/queries';
import type { Rollback as RollbackT } from '../api/types';
import { ProblemAlert } from '../components/ProblemAlert';
import { timestamp } from '../components/format';
import { useSession } from '../auth/session';
import { Layout, useFollow } from '../shell/Layout';
import { usePageTitle } from '../shell/usePageTitle';

const look: Record<string, StatusIndicatorProps.Type> = {
  Requested: 'pending',
  AwaitingApproval: 'pending',
  RollingBack: 'in-progress',
  Completed: 'success',
  Rejected: 'stopped',
  Expired: 'stopped',
  Failed: 'error',
};
const words: Record<string, string> = {
  Requested: 'Requested',
  AwaitingApproval: 'Awaiting approval',
  RollingBack: 'Rolling back',
  Completed: 'Completed',
  Rejected: 'Rejected',
  Expired: 'Expired',
  Failed: 'Failed',
};

/** The rollback's story as steps: requested, approved (when it needs it), endpoint switched, verified. */
function progress(r: RollbackT) {
  const required = r.requiredApprovals ?? 0;
  const approvals = new Set((r.approvals ?? []).filter((a) => a.decision === 'approve').map((a) => a.by)).size;
  const needsApproval = required > 0;
  const done = r.status === 'Completed';
  const stopped = ['Rejected', 'Expired', 'Failed'].includes(r.status);
  type Step = { header: string; status: StatusIndicatorProps.Type; statusIconAriaLabel: string; details?: string };
  const steps: Step[] = [{ header: `Requested by ${r.requestedBy}`, status: 'success', statusIconAriaLabel: 'done', details: timestamp(r.requestedAt) }];
  if (needsApproval) {
    const approved = approvals >= required;
    steps.push({
      header: `Approval (${approvals} of ${required})`,
      status: approved ? 'success' : r.status === 'AwaitingApproval' ? 'pending' : stopped ? 'stopped' : 'pending',
      statusIconAriaLabel: approved ? 'done' : 'waiting',
      details: r.status === 'Rejected' ? 'Rejected' : r.status === 'Expired' ? 'Expired without a decision' : undefined,
    });
  }
  const switched = done || !!r.verification;
  steps.push({
    header: `Switch ${r.endpointName} to v${r.to.version}`,
    status: switched ? 'success' : r.status === 'RollingBack' ? 'in-progress' : r.status === 'Failed' ? 'error' : 'pending',
    statusIconAriaLabel: switched ? 'done' : r.status === 'RollingBack' ? 'in progress' : 'not started',
  });
  steps.push({
    header: 'Verify the endpoint',
    status: r.verification ? (r.verification.healthy ? 'success' : 'error') : r.status === 'Failed' ? 'error' : 'pending',
    statusIconAriaLabel: r.verification ? (r.verification.healthy ? 'healthy' : 'unhealthy') : 'not yet',
    details: r.verification ? `${r.verification.reason} (${timestamp(r.verification.at)})` : undefined,
  });
  return steps;
}

export default function Rollback() {
  const { id = '' } = useParams();
  usePageTitle(id, 'Rollbacks');
  const follow = useFollow();
  const session = useSession();
  const client = useQueryClient();
  const rollback = useQuery(rollbackQuery(id));
  const [comment, setComment] = useState('');
  const vote = useMutation({
    mutationFn: (decision: 'approve' | 'reject') =>
      ok(api.POST('/v1/rollbacks/{id}/approvals', { params: { path: { id } }, body: { decision, comment: comment.trim() || null } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['rollback', id] }),
  });
  const environments = useQuery(environmentsQuery());
  const owner = useQuery({ ...modelQuery(rollback.data?.model ?? ''), enabled: !!rollback.data });
  const project = owner.data?.project;
  const r = rollback.data;
  const crumbs = [
    { text: 'ML Release Center', href: '/releases' },
    { text: 'Environments', href: '/environments' },
    ...(r ? [{ text: r.environment, href: `/environments/${r.environment}` }] : []),
    { text: id, href: `/rollbacks/${id}` },
  ];
  if (rollback.isPending) return <Layout breadcrumbs={crumbs} content={<Spinner size="large" />} />;
  if (rollback.isError || !r) return <Layout breadcrumbs={crumbs} content={<ProblemAlert error={rollback.error} header="This rollback cannot be shown" />} />;
  const mine = r.requestedBy === session?.user;
  const votes = r.approvals ?? [];
  const required = r.requiredApprovals ?? 0;
  const voted = votes.some((a) => a.by === session?.user);
  // Who may vote: the groups the rollback's policy named when it was requested (older rollbacks: the environment's
  // default), held globally or in the model's project ("retail:approvers-prod").
  const groups = r.approverGroups?.length ? r.approverGroups : environments.data?.items.find((e) => e.name === r.environment)?.policy.rollbackApproverGroups ?? [];
  const known = (r.approverGroups?.length ?? 0) > 0 || environments.isSuccess;
  const inGroup = known && (groups.length === 0 || groups.some((g) => session?.groups.includes(g) || (project !== undefined && session?.groups.includes(`${project}:${g}`))));

  return (
    <Layout
      breadcrumbs={crumbs}
      content={
        <ContentLayout
          header={
            <Header
              variant="h1"
              description={`${r.model} in ${r.environment}: from v${r.from.version} back to v${r.to.version}`}
              actions={
                <Button href={`/environments/${r.environment}`} onFollow={follow}>
                  View {r.environment}
                </Button>
              }
            >
              Rollback {r.id}
            </Header>
          }
        >
          <SpaceBetween size="l">
            <Container header={<Header variant="h2">Status</Header>}>
              <SpaceBetween size="m">
                <StatusIndicator type={look[r.status] ?? 'info'}>{words[r.status] ?? r.status}</StatusIndicator>
                <Steps steps={progress(r)} ariaLabel="Rollback progress" />
                {r.failure ? (
                  <Box color="text-status-error">
                    {r.failure.error}
                    {r.failure.cause ? `: ${r.failure.cause}` : ''}
                  </Box>
                ) : null}
              </SpaceBetween>
            </Container>
            <Container header={<Header variant="h2">Details</Header>}>
              <KeyValuePairs
                columns={3}
                items={[
                  {
                    label: 'From (was live)',
                    value: (
                      <Link href={`/releases/${r.from.release}`} onFollow={follow}>
                        v{r.from.version} ({r.from.release})
                      </Link>
                    ),
                  },
                  {
                    label: 'To',
                    value: (
                      <Link href={`/releases/${r.to.release}`} onFollow={follow}>
                        v{r.to.version} ({r.to.release})
                      </Link>
                    ),
                  },
                  { label: 'Endpoint', value: r.endpointName },
                  { label: 'Reason', value: r.reason },
                  { label: 'Requested', value: `${timestamp(r.requestedAt)} by ${r.requestedBy}` },
                  { label: 'Finished', value: r.completedAt ? timestamp(r.completedAt) : '-' },
                ]}
              />
            </Container>
            <Table
              header={
                <Header
                  counter={`(${votes.length})`}
                  description={required > 0 ? `Needs ${required} approval${required === 1 ? '' : 's'}${groups.length ? ` from ${groups.join(' or ')}` : ''}; the requester cannot approve.` : 'This environment lets rollbacks run without approval.'}
                >
                  Approvals
                </Header>
              }
              trackBy="by"
              items={votes}
              columnDefinitions={[
                { id: 'by', header: 'By', cell: (a) => a.by, isRowHeader: true },
                { id: 'decision', header: 'Decision', cell: (a) => <StatusIndicator type={a.decision === 'approve' ? 'success' : 'stopped'}>{a.decision}</StatusIndicator> },
                { id: 'comment', header: 'Comment', cell: (a) => a.comment ?? '-' },
                { id: 'at', header: 'At', cell: (a) => timestamp(a.at) },
              ]}
              empty={<Box color="text-status-inactive">No votes.</Box>}
            />
            {r.status === 'AwaitingApproval' && environments.isSuccess && (mine || voted || !inGroup) ? (
              <Alert type="info" header="You cannot vote on this rollback">
                {mine ? 'You requested it, and a requester never counts as an approver.' : voted ? 'You have voted already.' : `Votes come from ${groups.join(' or ')}; you are not in ${groups.length === 1 ? 'it' : 'any of them'}.`}
              </Alert>
            ) : null}
            {r.status === 'AwaitingApproval' && !mine && !voted && inGroup ? (
              <Container header={<Header variant="h2">Your vote</Header>}>
                <SpaceBetween size="s">
                  <FormField label="Comment" constraintText="Optional; recorded with your vote.">
                    <Textarea value={comment} onChange={(e) => setComment(e.detail.value)} />
                  </FormField>
                  {vote.isError ? <ProblemAlert error={vote.error} header="Your vote was not recorded" /> : null}
                  <SpaceBetween direction="horizontal" size="xs">
                    <Button onClick={() => vote.mutate('reject')} loading={vote.isPending && vote.variables === 'reject'}>
                      Reject
                    </Button>
                    <Button variant="primary" onClick={() => vote.mutate('approve')} loading={vote.isPending && vote.variables === 'approve'}>
                      Approve rollback
                    </Button>
                  </SpaceBetween>
                </SpaceBetween>
              </Container>
            ) : null}
          </SpaceBetween>
        </ContentLayout>
      }
    />
  );
}
