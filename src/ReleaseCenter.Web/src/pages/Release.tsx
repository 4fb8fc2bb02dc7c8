import { useState } from 'react';
import { useParams, useSearchParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ButtonDropdown from '@cloudscape-design/components/button-dropdown';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Link from '@cloudscape-design/components/link';
import Modal from '@cloudscape-design/components/modal';
import SegmentedControl from '@cloudscape-design/components/segmented-control';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import SplitPanel from '@cloudscape-design/components/split-panel';
import Tabs from '@cloudscape-design/components/tabs';
import Textarea from '@cloudscape-design/components/textarea';
import { api, ok } from '../api/client';
import { asProblem, type ProblemError } from '../api/problem';
import { diffAgainstLiveQuery, eligibilityQuery, environmentsQuery, historyQuery, releaseQuery } from '../api/queries';
import { isTerminal, type Release as ReleaseT } from '../api/types';
import { ApprovalPanel, waitingStage } from '../components/ApprovalPanel';
import { BundleView } from '../components/BundleView';
import { Digest } from '../components/Digest';
import { EvaluationTable } from '../components/EvaluationTable';
import { MetricDiffTable } from '../components/MetricDiffTable';
import { RollbackModal } from '../components/RollbackModal';
import { ProblemAlert } from '../components/ProblemAlert';
import { ReleaseStatusIndicator } from '../components/ReleaseStatus';
import { StagePipeline } from '../components/StagePipeline';
import { Story } from '../components/Story';
import { timestamp } from '../components/format';
import { Layout, useFollow } from '../shell/Layout';
import { useFlash } from '../shell/flash';
import { canChange, useSession } from '../auth/session';
import { usePageTitle } from '../shell/usePageTitle';

function ComparePanel({ release, environment, onEnvironment }: { release: ReleaseT; environment: string; onEnvironment: (e: string) => void }) {
  const follow = useFollow();
  const diff = useQuery(diffAgainstLiveQuery(release.id, environment));
  return (
    <SpaceBetween size="m">
      <SegmentedControl
        label="Compare against what is live in"
        selectedId={environment}
        options={release.stages.map((s) => ({ id: s.environment, text: s.environment }))}
        onChange={(e) => onEnvironment(e.detail.selectedId)}
      />
      {diff.isPending ? (
        <Spinner />
      ) : diff.isError ? (
        asProblem(diff.error).status === 404 ? (
          <Box color="text-status-inactive">{asProblem(diff.error).detail ?? `Nothing of ${release.model} is live in ${environment}.`}</Box>
        ) : (
          <ProblemAlert error={diff.error} />
        )
      ) : diff.data.identical ? (
        <Box>This release is what is live in {environment}.</Box>
      ) : (
        <SpaceBetween size="s">
          <Box variant="small">
            Live: v{diff.data.from.version} ({diff.data.from.release}); this release: v{diff.data.to.version}.
          </Box>
          <MetricDiffTable compact diff={diff.data} />
          <Link href={`/compare?release=${encodeURIComponent(release.id)}&against=live&environment=${encodeURIComponent(environment)}`} onFollow={follow}>
            Open the full comparison (hyperparameters, datasets, config, artifact)
          </Link>
        </SpaceBetween>
      )}
    </SpaceBetween>
  );
}

function CancelModal({ release, onClose }: { release: ReleaseT; onClose: () => void }) {
  const flash = useFlash();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<ProblemError | null>(null);
  const cancel = useMutation({
    mutationFn: () => ok(api.POST('/v1/releases/{id}/cancel', { params: { path: { id: release.id } }, body: { reason } })),
    onSuccess: async () => {
      flash.push({ type: 'success', header: `Cancelled ${release.model} v${release.version}` });
      await queryClient.invalidateQueries({ queryKey: ['release', release.id] });
      onClose();
    },
    onError: (e) => setError(asProblem(e)),
  });
  return (
    <Modal
      visible
      onDismiss={onClose}
      header={`Cancel ${release.model} v${release.version}?`}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Keep it running
            </Button>
            <Button variant="primary" loading={cancel.isPending} onClick={() => cancel.mutate()}>
              Cancel release
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="m">
        <Box>
          The workflow is stopped first, then the release is marked Cancelled. An environment whose deployment had begun stays locked until
          its endpoint is back on what served before.
        </Box>
        <FormField label="Reason" errorText={error?.fieldError('reason')} description="Recorded in the audit log.">
          <Textarea value={reason} onChange={(e) => setReason(e.detail.value)} ariaLabel="Reason" />
        </FormField>
        {error && !error.fieldError('reason') ? <ProblemAlert error={error} header="Not cancelled" /> : null}
      </SpaceBetween>
    </Modal>
  );
}

export default function Release() {
  const { id = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const follow = useFollow();
  const session = useSession();
  const release = useQuery(releaseQuery(id));
  const r = release.data;
  const running = !!r && !isTerminal(r.status);
  const history = useQuery({ ...historyQuery(id, running), enabled: params.get('tab') === 'story' });
  const environments = useQuery(environmentsQuery());
  const stage = waitingStage(r);
  const eligibility = useQuery({ ...eligibilityQuery(id, stage?.environment), enabled: !!stage });
  const [cancelling, setCancelling] = useState(false);
  const [rollingBack, setRollingBack] = useState<string | null>(null);
  usePageTitle(r ? `${r.model} v${r.version}` : id, 'Releases');

  const panel = params.get('panel');
  const tab = params.get('tab') ?? 'evaluation';
  const compareEnv = params.get('env') ?? stage?.environment ?? r?.stages[r.stages.length - 1]?.environment ?? 'prod';
  const setParam = (k: string, v: string | null) => {
    const next = new URLSearchParams(params);
    if (v === null) next.delete(k);
    else next.set(k, v);
    setParams(next, { replace: true });
  };
  const canCancel = running && canChange(session);

  const crumbs = [
    { text: 'ML Release Center', href: '/releases' },
    { text: 'Releases', href: '/releases' },
    { text: r ? `${r.model} v${r.version}` : id, href: `/releases/${id}` },
  ];

  if (release.isPending) return <Layout breadcrumbs={crumbs} content={<Spinner size="large" />} />;
  if (release.isError || !r) return <Layout breadcrumbs={crumbs} content={<ProblemAlert error={release.error} header="This release cannot be shown" />} />;

  const mayVote = !!stage && eligibility.data?.canVote === true;
  // Where this release serves now: "Roll back" is offered there.
  const liveIn = (canChange(session) ? environments.data?.items ?? [] : []).filter((e) => e.live.some((l) => l.release === r.id)).map((e) => e.name);
  const splitPanel =
    panel === 'approve' ? (
      <SplitPanel header={stage ? `Approval: ${stage.environment}` : 'Approval'} hidePreferencesButton closeBehavior="hide">
        <ApprovalPanel releaseId={id} />
      </SplitPanel>
    ) : panel === 'compare' ? (
      <SplitPanel header="Compare with live" hidePreferencesButton closeBehavior="hide">
        <ComparePanel release={r} environment={compareEnv} onEnvironment={(e) => setParam('env', e)} />
      </SplitPanel>
    ) : undefined;

  return (
    <Layout
      breadcrumbs={crumbs}
      splitPanel={splitPanel}
      splitPanelOpen={!!splitPanel}
      onSplitPanelToggle={(open) => {
        if (!open) setParam('panel', null);
      }}
      content={
        <ContentLayout
          header={
            <Header
              variant="h1"
              description={
                <SpaceBetween direction="horizontal" size="xs">
                  <span>Requested by {r.requestedBy}</span>
                  {r.alsoRequestedBy?.length ? <span>on behalf of {r.alsoRequestedBy.join(', ')}</span> : null}
                  <span>· {timestamp(r.createdAt)}</span>
                </SpaceBetween>
              }
              actions={
                <SpaceBetween direction="horizontal" size="xs">
                  {canCancel ? <Button onClick={() => setCancelling(true)}>Cancel release</Button> : null}
                  {liveIn.length === 1 ? <Button onClick={() => setRollingBack(liveIn[0]!)}>Roll back {liveIn[0]}</Button> : null}
                  {liveIn.length > 1 ? (
                    <ButtonDropdown items={liveIn.map((e) => ({ id: e, text: `Roll back ${e}` }))} onItemClick={(e) => setRollingBack(e.detail.id)}>
                      Roll back
                    </ButtonDropdown>
                  ) : null}
                  <Button onClick={() => setParam('panel', 'compare')}>Compare</Button>
                  {stage && eligibility.data && !mayVote ? (
                    <Button onClick={() => setParam('panel', 'approve')}>Why can't I vote?</Button>
                  ) : null}
                  {mayVote ? (
                    <>
                      <Button onClick={() => setParam('panel', 'approve')}>Reject</Button>
                      <Button variant="primary" onClick={() => setParam('panel', 'approve')}>
                        Approve
                      </Button>
                    </>
                  ) : null}
                </SpaceBetween>
              }
            >
              {r.model} v{r.version} <ReleaseStatusIndicator status={r.status} />
            </Header>
          }
        >
          <SpaceBetween size="l">
            <Container header={<Header variant="h2">Release</Header>}>
              <KeyValuePairs
                columns={4}
                items={[
                  {
                    label: 'Model version',
                    value: (
                      <Link href={`/models/${encodeURIComponent(r.model)}/versions/${r.version}`} onFollow={follow}>
                        {r.model} v{r.version}
                      </Link>
                    ),
                  },
                  { label: 'Status', value: <ReleaseStatusIndicator status={r.status} /> },
                  { label: 'Requested by', value: r.alsoRequestedBy?.length ? `${r.requestedBy} (for ${r.alsoRequestedBy.join(', ')})` : r.requestedBy },
                  { label: 'Bundle digest', value: <Digest value={r.bundle?.digest} label="Bundle digest" /> },
                  { label: 'Release id', value: r.id },
                  { label: 'Created', value: timestamp(r.createdAt) },
                  { label: 'Updated', value: timestamp(r.updatedAt) },
                  { label: 'Notes', value: r.notes ?? '-' },
                  { label: 'Policy', value: r.policy?.description ?? "the environments' defaults" },
                  ...(r.template
                    ? [{ label: 'Template', value: `${r.template.name} (revision ${r.template.revision})${r.template.notify.length ? `, notifies ${r.template.notify.join(', ')}` : ''}` }]
                    : []),
                ]}
              />
            </Container>
            <StagePipeline release={r} environments={environments.data?.items ?? []} />
            <Tabs
              activeTabId={tab}
              onChange={(e) => setParam('tab', e.detail.activeTabId)}
              ariaLabel="Release details"
              tabs={[
                {
                  id: 'evaluation',
                  label: 'Evaluation',
                  content: (
                    <SpaceBetween size="l">
                      {r.stages.map((s) => (
                        <Container key={s.environment} header={<Header variant="h3">{s.environment}</Header>}>
                          <EvaluationTable report={s.evaluation} />
                        </Container>
                      ))}
                    </SpaceBetween>
                  ),
                },
                { id: 'bundle', label: 'Bundle', content: <BundleView release={r} /> },
                {
                  id: 'story',
                  label: 'Story',
                  content: history.isError ? (
                    <ProblemAlert error={history.error} />
                  ) : (
                    <Story items={history.data?.items ?? []} loading={history.isPending} />
                  ),
                },
              ]}
            />
          </SpaceBetween>
          {cancelling ? <CancelModal release={r} onClose={() => setCancelling(false)} /> : null}
          {rollingBack ? <RollbackModal environment={rollingBack} model={r.model} onClose={() => setRollingBack(null)} /> : null}
        </ContentLayout>
      }
    />
  );
}
