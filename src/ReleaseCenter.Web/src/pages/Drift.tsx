import { useEffect, useMemo, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import BarChart from '@cloudscape-design/components/bar-chart';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import ExpandableSection from '@cloudscape-design/components/expandable-section';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Link from '@cloudscape-design/components/link';
import Modal from '@cloudscape-design/components/modal';
import Multiselect from '@cloudscape-design/components/multiselect';
import Pagination from '@cloudscape-design/components/pagination';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import Toggle from '@cloudscape-design/components/toggle';
import { asProblem, ProblemError } from '../api/problem';
import { environmentsQuery, modelsQuery } from '../api/queries';
import {
  driftPolicyQuery,
  driftReportQuery,
  driftReportsQuery,
  putDriftPolicy,
  putRetrainingPolicy,
  retrainingPolicyQuery,
  retrainRunQuery,
  type DriftPolicy,
  type DriftReport,
  type DriftVerdict,
  type FeatureBins,
  type FeatureDrift,
  type RetrainingPolicy,
  type RetrainStatus,
} from '../api/drift';
import { canChange, useSession } from '../auth/session';
import { ProblemAlert } from '../components/ProblemAlert';
import { duration, num, relative, timestamp } from '../components/format';
import { Layout, useFollow, type Crumb } from '../shell/Layout';
import { useFlash } from '../shell/flash';
import { usePageTitle } from '../shell/usePageTitle';

const seg = encodeURIComponent;

// ------------------------------------------------------------------ small pieces

const verdicts: Record<DriftVerdict, { type: StatusIndicatorProps.Type; label: string }> = {
  stable: { type: 'success', label: 'Stable' },
  moderate: { type: 'warning', label: 'Moderate' },
  drifted: { type: 'error', label: 'Drifted' },
};

function VerdictIndicator({ verdict }: { verdict: DriftVerdict }) {
  const v = verdicts[verdict] ?? { type: 'info' as const, label: String(verdict) };
  return <StatusIndicator type={v.type}>{v.label}</StatusIndicator>;
}

const retrainStatuses: Record<RetrainStatus, { type: StatusIndicatorProps.Type; label: string }> = {
  Skipped: { type: 'stopped', label: 'Skipped' },
  Training: { type: 'in-progress', label: 'Training' },
  Registered: { type: 'info', label: 'Version registered' },
  ReleaseOpened: { type: 'success', label: 'Release opened' },
  Failed: { type: 'error', label: 'Failed' },
};

function RetrainIndicator({ status }: { status: RetrainStatus }) {
  const s = retrainStatuses[status] ?? { type: 'info' as const, label: String(status) };
  return <StatusIndicator type={s.type}>{s.label}</StatusIndicator>;
}

function Mono({ children }: { children: string }) {
  return (
    <Box variant="code" fontSize="body-s">
      <span style={{ wordBreak: 'break-all' }}>{children}</span>
    </Box>
  );
}

function When({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <>-</>;
  return (
    <span title={relative(iso)}>
      {timestamp(iso)} ({relative(iso)})
    </span>
  );
}

function driftedFeatures(r: DriftReport): string[] {
  return r.driftedFeatures ?? r.evaluation.features.filter((f) => f.verdict === 'drifted').map((f) => f.feature);
}

function crumbs(model?: string, report?: string): Crumb[] {
  const c: Crumb[] = [
    { text: 'ML Release Center', href: '/releases' },
    { text: 'Drift', href: '/drift' },
  ];
  if (model) c.push({ text: model, href: `/drift/${seg(model)}` });
  if (model && report) c.push({ text: report, href: `/drift/${seg(model)}/${seg(report)}` });
  return c;
}

function useCanEditPolicies() {
  return canChange(useSession());
}

// ------------------------------------------------------------------ /drift and /drift/:model

function RetrainCell({ model, id, drifted }: { model: string; id: string; drifted: boolean }) {
  const run = useQuery(retrainRunQuery(model, id));
  if (run.isPending) return <StatusIndicator type="loading">Loading</StatusIndicator>;
  if (run.isError) return <StatusIndicator type="warning">{asProblem(run.error).title}</StatusIndicator>;
  if (!run.data) return <Box color="text-status-inactive">{drifted ? 'None' : 'Not needed'}</Box>;
  return <RetrainIndicator status={run.data.status} />;
}

const reportsPageSize = 20;

function ReportsTable({ model }: { model: string }) {
  const follow = useFollow();
  const pages = useInfiniteQuery(driftReportsQuery(model));
  const rows = useMemo(() => pages.data?.pages.flatMap((p) => p.items) ?? [], [pages.data]);
  const [paging, setPaging] = useState({ model, index: 1 });
  const requested = paging.model === model ? paging.index : 1;
  const { hasNextPage, isFetchingNextPage, isFetchNextPageError, fetchNextPage } = pages;
  const needMore = rows.length < requested * reportsPageSize && hasNextPage && !pages.isPending;
  useEffect(() => {
    if (needMore && !isFetchingNextPage && !isFetchNextPageError) void fetchNextPage();
  }, [needMore, isFetchingNextPage, isFetchNextPageError, fetchNextPage]);
  const pagesCount = Math.max(1, Math.ceil(rows.length / reportsPageSize));
  const pageIndex = hasNextPage ? requested : Math.min(requested, pagesCount);
  const items = rows.slice((pageIndex - 1) * reportsPageSize, pageIndex * reportsPageSize);

  return (
    <Table<DriftReport>
      enableKeyboardNavigation
      trackBy="id"
      items={items}
      loading={pages.isPending || (items.length === 0 && (needMore || isFetchingNextPage))}
      loadingText="Loading drift reports"
      ariaLabels={{ tableLabel: `Drift reports of ${model}` }}
      header={
        <Header
          variant="h2"
          counter={pages.isPending ? undefined : `(${rows.length}${hasNextPage ? '+' : ''})`}
          description="Newest first. Open a report for its features, their distributions and the retraining it caused."
          actions={<Button iconName="refresh" ariaLabel="Refresh the drift reports" onClick={() => void pages.refetch()} />}
        >
          Drift reports
        </Header>
      }
      columnDefinitions={[
        {
          id: 'receivedAt',
          header: 'Received (UTC)',
          isRowHeader: true,
          cell: (r) => (
            <Link href={`/drift/${seg(model)}/${seg(r.id)}`} onFollow={follow} ariaLabel={`Report ${r.id}, received ${timestamp(r.receivedAt)}`}>
              {timestamp(r.receivedAt).replace(' UTC', '')}
            </Link>
          ),
        },
        { id: 'environment', header: 'Environment', cell: (r) => r.environment },
        { id: 'source', header: 'Source', cell: (r) => r.source },
        { id: 'drifted', header: 'Drifted', cell: (r) => ((r.drifted ?? r.evaluation.drifted) ? 'Yes' : 'No') },
        { id: 'verdict', header: 'Worst verdict', cell: (r) => <VerdictIndicator verdict={r.evaluation.verdict} /> },
        { id: 'features', header: 'Drifted features', cell: (r) => driftedFeatures(r).join(', ') || '-' },
        { id: 'submittedBy', header: 'Submitted by', cell: (r) => r.submittedBy },
        {
          id: 'retraining',
          header: 'Retraining',
          cell: (r) => <RetrainCell model={model} id={r.id} drifted={r.drifted ?? r.evaluation.drifted} />,
        },
      ]}
      pagination={
        <Pagination
          currentPageIndex={pageIndex}
          pagesCount={pagesCount}
          openEnd={hasNextPage}
          onChange={(e) => setPaging({ model, index: e.detail.currentPageIndex })}
          ariaLabels={{ nextPageLabel: 'Next page', previousPageLabel: 'Previous page', pageLabel: (n) => `Page ${n}` }}
        />
      }
      footer={isFetchNextPageError ? <ProblemAlert error={pages.error} header="More reports could not be loaded" /> : undefined}
      empty={
        pages.isError ? (
          <SpaceBetween size="s">
            <ProblemAlert error={pages.error} header="The drift reports could not be loaded" />
            <Button onClick={() => void pages.refetch()}>Retry</Button>
          </SpaceBetween>
        ) : (
          <Box textAlign="center" color="inherit">
            <SpaceBetween size="xxs">
              <Box variant="strong">No drift reports yet</Box>
              <Box variant="p">
                Reports arrive through POST /v1/models/{model}/drift-reports or from AWS drift signals (CloudWatch alarms, SageMaker Model Monitor).
              </Box>
            </SpaceBetween>
          </Box>
        )
      }
    />
  );
}

function changedBy(p: { updatedBy: string | null; updatedAt?: string | null }, never: string) {
  return p.updatedBy ? `${timestamp(p.updatedAt)} by ${p.updatedBy}` : never;
}

const editorsText = 'Only ml-engineers and release-admins may change this policy.';

function DriftPolicyModal({ policy, onClose }: { policy: DriftPolicy; onClose: () => void }) {
  const flash = useFlash();
  const client = useQueryClient();
  const t = policy.thresholds;
  const [psiWarn, setPsiWarn] = useState(String(t.psiWarn));
  const [psiAlert, setPsiAlert] = useState(String(t.psiAlert));
  const [ksAlpha, setKsAlpha] = useState(String(t.ksAlpha));
  const [error, setError] = useState<ProblemError | null>(null);
  const parse = (s: string) => (s.trim() === '' ? null : Number(s.trim().replace(',', '.')));
  const local = (s: string) => {
    const n = parse(s);
    return n !== null && !Number.isFinite(n) ? 'Enter a number.' : undefined;
  };
  const save = useMutation({
    mutationFn: () => putDriftPolicy(policy.model, { psiWarn: parse(psiWarn), psiAlert: parse(psiAlert), ksAlpha: parse(ksAlpha) }),
    onSuccess: async () => {
      flash.push({ type: 'success', header: `Saved the drift thresholds of ${policy.model}` });
      await client.invalidateQueries({ queryKey: ['model', policy.model, 'drift-policy'] });
      onClose();
    },
    onError: (e) => setError(asProblem(e)),
  });
  const invalid = [psiWarn, psiAlert, ksAlpha].some((s) => local(s));
  return (
    <Modal
      visible
      onDismiss={onClose}
      header={`Edit drift thresholds: ${policy.model}`}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Cancel
            </Button>
            <Button variant="primary" loading={save.isPending} disabled={invalid} onClick={() => save.mutate()}>
              Save
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!invalid) save.mutate();
        }}
      >
        <Form>
          <SpaceBetween size="m">
            <FormField
              label="PSI warning threshold"
              description="A feature's PSI at or above this is moderate drift."
              constraintText="A positive number; empty means the default 0.1."
              errorText={local(psiWarn) ?? error?.fieldError('psiWarn')}
            >
              <Input value={psiWarn} onChange={(e) => setPsiWarn(e.detail.value)} inputMode="decimal" />
            </FormField>
            <FormField
              label="PSI alert threshold"
              description="A feature's PSI at or above this is drift."
              constraintText="At least the warning threshold; empty means the default 0.25."
              errorText={local(psiAlert) ?? error?.fieldError('psiAlert')}
            >
              <Input value={psiAlert} onChange={(e) => setPsiAlert(e.detail.value)} inputMode="decimal" />
            </FormField>
            <FormField
              label="KS significance level (alpha)"
              description="With samples on both sides, a two-sample KS p-value below this is drift."
              constraintText="Between 0 and 1, exclusive; empty means the default 0.05."
              errorText={local(ksAlpha) ?? error?.fieldError('ksAlpha')}
            >
              <Input value={ksAlpha} onChange={(e) => setKsAlpha(e.detail.value)} inputMode="decimal" />
            </FormField>
            {error ? <ProblemAlert error={error} header="The thresholds were not saved" /> : null}
          </SpaceBetween>
        </Form>
      </form>
    </Modal>
  );
}

function RetrainingPolicyModal({ policy, onClose }: { policy: RetrainingPolicy; onClose: () => void }) {
  const flash = useFlash();
  const client = useQueryClient();
  const session = useSession();
  const isAdmin = (session?.groups ?? []).includes('release-admins');
  const environments = useQuery(environmentsQuery());
  const [enabled, setEnabled] = useState(policy.enabled);
  const [pipelineName, setPipelineName] = useState(policy.pipelineName ?? '');
  const [cooldown, setCooldown] = useState(String(policy.cooldownSeconds));
  const [maxPerDay, setMaxPerDay] = useState(String(policy.maxPerDay));
  const [timeout, setTimeoutSeconds] = useState(String(policy.pipelineTimeoutSeconds));
  const [openRelease, setOpenRelease] = useState(policy.openRelease);
  const [releaseEnvironments, setReleaseEnvironments] = useState<string[]>(policy.releaseEnvironments ?? []);
  const [error, setError] = useState<ProblemError | null>(null);
  const int = (s: string) => (s.trim() === '' ? null : Number(s.trim()));
  const local = (s: string) => {
    const n = int(s);
    return n !== null && !Number.isInteger(n) ? 'Enter a whole number.' : undefined;
  };
  const pipelineChanged = (pipelineName.trim() || null) !== (policy.pipelineName ?? null);
  const save = useMutation({
    mutationFn: () =>
      putRetrainingPolicy(policy.model, {
        enabled,
        pipelineName: pipelineName.trim() || null,
        cooldownSeconds: int(cooldown),
        maxPerDay: int(maxPerDay),
        pipelineTimeoutSeconds: int(timeout),
        openRelease,
        releaseEnvironments: releaseEnvironments.length ? releaseEnvironments : null,
      }),
    onSuccess: async () => {
      flash.push({ type: 'success', header: `Saved the retraining policy of ${policy.model}` });
      await client.invalidateQueries({ queryKey: ['model', policy.model, 'retraining-policy'] });
      onClose();
    },
    onError: (e) => setError(asProblem(e)),
  });
  const forbidden = error?.status === 403;
  const invalid = [cooldown, maxPerDay, timeout].some((s) => local(s));
  const envOptions = (environments.data?.items ?? []).map((e) => ({ value: e.name, label: e.name }));
  const seconds = (s: string) => {
    const n = int(s);
    return n !== null && Number.isInteger(n) && n >= 0 ? duration(n * 1000) : undefined;
  };
  return (
    <Modal
      visible
      size="medium"
      onDismiss={onClose}
      header={`Edit retraining policy: ${policy.model}`}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Cancel
            </Button>
            <Button variant="primary" loading={save.isPending} disabled={invalid} onClick={() => save.mutate()}>
              Save
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!invalid) save.mutate();
        }}
      >
        <Form>
          <SpaceBetween size="m">
            <FormField label="Retraining" description="When on, a drifted report starts the pipeline, within the limits below.">
              <Toggle checked={enabled} onChange={(e) => setEnabled(e.detail.checked)}>
                Retrain when a report finds drift
              </Toggle>
            </FormField>
            <FormField
              label="Training pipeline"
              description="The SageMaker pipeline that trains the model; its name starts with release-center-."
              constraintText={
                isAdmin ? 'Required when retraining is on.' : 'Only release-admins may set or change the pipeline: what it trains is released under this policy.'
              }
              errorText={error?.fieldError('pipelineName') ?? (forbidden && pipelineChanged ? error?.detail ?? 'Only release-admins may change the pipeline.' : undefined)}
            >
              <Input value={pipelineName} onChange={(e) => setPipelineName(e.detail.value)} placeholder="release-center-..." />
            </FormField>
            <ColumnLayout columns={3}>
              <FormField
                label="Cooldown (seconds)"
                constraintText={seconds(cooldown) ? `${seconds(cooldown)}; at most 30 days` : 'At most 30 days'}
                errorText={local(cooldown) ?? error?.fieldError('cooldownSeconds')}
              >
                <Input value={cooldown} onChange={(e) => setCooldown(e.detail.value)} inputMode="numeric" type="number" />
              </FormField>
              <FormField label="At most per day" constraintText="1 to 100" errorText={local(maxPerDay) ?? error?.fieldError('maxPerDay')}>
                <Input value={maxPerDay} onChange={(e) => setMaxPerDay(e.detail.value)} inputMode="numeric" type="number" />
              </FormField>
              <FormField
                label="Pipeline timeout (seconds)"
                constraintText={seconds(timeout) ? `${seconds(timeout)}; 1 min to 7 days` : '1 min to 7 days'}
                errorText={local(timeout) ?? error?.fieldError('pipelineTimeoutSeconds')}
              >
                <Input value={timeout} onChange={(e) => setTimeoutSeconds(e.detail.value)} inputMode="numeric" type="number" />
              </FormField>
            </ColumnLayout>
            <FormField label="Release" description="Open a release of the version the pipeline registers; it passes the same gates and approvals as any release.">
              <Checkbox checked={openRelease} onChange={(e) => setOpenRelease(e.detail.checked)}>
                Open a release for the retrained version
              </Checkbox>
            </FormField>
            <FormField
              label="Release environments"
              constraintText="None chosen: every environment, in order."
              errorText={Object.keys(error?.errors ?? {}).some((k) => k.startsWith('releaseEnvironments')) ? error?.fieldLines().filter((l) => l.startsWith('releaseEnvironments')).join(' ') : undefined}
            >
              <Multiselect
                selectedOptions={envOptions.filter((o) => releaseEnvironments.includes(o.value))}
                options={envOptions}
                onChange={(e) => setReleaseEnvironments(e.detail.selectedOptions.map((o) => o.value!))}
                placeholder="Every environment"
                statusType={environments.isPending ? 'loading' : environments.isError ? 'error' : 'finished'}
                loadingText="Loading environments"
                disabled={!openRelease}
              />
            </FormField>
            {error ? (
              <ProblemAlert error={error} header={forbidden ? 'Only release-admins may set or change the pipeline' : 'The retraining policy was not saved'} />
            ) : null}
          </SpaceBetween>
        </Form>
      </form>
    </Modal>
  );
}

function Policies({ model }: { model: string }) {
  const canEdit = useCanEditPolicies();
  const drift = useQuery(driftPolicyQuery(model));
  const retraining = useQuery(retrainingPolicyQuery(model));
  const [editing, setEditing] = useState<'drift' | 'retraining' | null>(null);
  const edit = (what: 'drift' | 'retraining', ready: boolean) => (
    <Button
      disabled={!canEdit || !ready}
      disabledReason={!canEdit ? editorsText : undefined}
      ariaLabel={what === 'drift' ? 'Edit drift thresholds' : 'Edit retraining policy'}
      onClick={() => setEditing(what)}
    >
      Edit
    </Button>
  );
  return (
    <ColumnLayout columns={2}>
      <Container
        header={
          <Header variant="h2" description="The thresholds new reports of this model are judged by." actions={edit('drift', !!drift.data)}>
            Drift thresholds
          </Header>
        }
        footer={canEdit ? undefined : <Box variant="small">{editorsText}</Box>}
      >
        {drift.isPending ? (
          <Spinner />
        ) : drift.isError ? (
          <ProblemAlert error={drift.error} header="The drift thresholds could not be loaded" />
        ) : (
          <KeyValuePairs
            columns={2}
            items={[
              { label: 'PSI warning', value: num(drift.data.thresholds.psiWarn) },
              { label: 'PSI alert', value: num(drift.data.thresholds.psiAlert) },
              { label: 'KS alpha', value: num(drift.data.thresholds.ksAlpha) },
              { label: 'Last changed', value: changedBy(drift.data, 'Never: the defaults') },
            ]}
          />
        )}
      </Container>
      <Container
        header={
          <Header variant="h2" description="Whether drift retrains the model, and within which limits." actions={edit('retraining', !!retraining.data)}>
            Retraining policy
          </Header>
        }
        footer={canEdit ? undefined : <Box variant="small">{editorsText}</Box>}
      >
        {retraining.isPending ? (
          <Spinner />
        ) : retraining.isError ? (
          <ProblemAlert error={retraining.error} header="The retraining policy could not be loaded" />
        ) : (
          <KeyValuePairs
            columns={2}
            items={[
              {
                label: 'Retraining',
                value: retraining.data.enabled ? <StatusIndicator type="success">On</StatusIndicator> : <StatusIndicator type="stopped">Off</StatusIndicator>,
              },
              { label: 'Training pipeline', value: retraining.data.pipelineName ? <Mono>{retraining.data.pipelineName}</Mono> : '-' },
              { label: 'Cooldown', value: duration(retraining.data.cooldownSeconds * 1000) },
              { label: 'At most per day', value: String(retraining.data.maxPerDay) },
              { label: 'Pipeline timeout', value: duration(retraining.data.pipelineTimeoutSeconds * 1000) },
              {
                label: 'Release',
                value: retraining.data.openRelease
                  ? `Opened for the retrained version, to ${retraining.data.releaseEnvironments?.length ? retraining.data.releaseEnvironments.join(' → ') : 'every environment'}`
                  : 'Not opened',
              },
              { label: 'Last changed', value: changedBy(retraining.data, 'Never: retraining is off until set') },
            ]}
          />
        )}
      </Container>
      {editing === 'drift' && drift.data ? <DriftPolicyModal policy={drift.data} onClose={() => setEditing(null)} /> : null}
      {editing === 'retraining' && retraining.data ? <RetrainingPolicyModal policy={retraining.data} onClose={() => setEditing(null)} /> : null}
    </ColumnLayout>
  );
}

function ModelView({ model }: { model: string }) {
  usePageTitle(model || undefined, 'Drift');
  const navigate = useNavigate();
  const follow = useFollow();
  const models = useQuery(modelsQuery());
  const options = (models.data ?? []).map((m) => ({ value: m.name, label: m.name, description: m.project }));
  const known = !model || models.isPending || models.isError || options.some((o) => o.value === model);
  return (
    <Layout
      breadcrumbs={crumbs(model || undefined)}
      content={
        <ContentLayout
          header={
            <Header
              variant="h1"
              description="Drift reports compare what a model sees in an environment with its training baseline, feature by feature (PSI, and KS where samples were given). Drift can retrain the model under its retraining policy."
            >
              {model ? `Drift: ${model}` : 'Drift'}
            </Header>
          }
        >
          <SpaceBetween size="l">
            <Container>
              <SpaceBetween size="s">
                <FormField label="Model" description="Whose drift reports and policies to show.">
                  <div style={{ maxWidth: 420 }}>
                    <Select
                      selectedOption={options.find((o) => o.value === model) ?? null}
                      options={options}
                      onChange={(e) => navigate(`/drift/${seg(e.detail.selectedOption.value ?? '')}`)}
                      placeholder="Choose a model"
                      filteringType="auto"
                      statusType={models.isPending ? 'loading' : models.isError ? 'error' : 'finished'}
                      loadingText="Loading models"
                      errorText="The models could not be loaded"
                      empty="No models registered"
                    />
                  </div>
                </FormField>
                {models.isError ? <ProblemAlert error={models.error} header="The models could not be loaded" /> : null}
                {model ? (
                  <Box variant="small">
                    <Link href={`/models/${seg(model)}`} onFollow={follow}>
                      Model page of {model}
                    </Link>
                  </Box>
                ) : null}
              </SpaceBetween>
            </Container>
            {!model ? (
              <Box textAlign="center" color="text-status-inactive" padding="l">
                Choose a model to see its drift reports, its drift thresholds and its retraining policy.
              </Box>
            ) : !known ? (
              <ProblemAlert error={new ProblemError(404, { title: 'Not found', detail: `Model '${model}' does not exist.` })} />
            ) : (
              <SpaceBetween size="l">
                <ReportsTable model={model} />
                <Policies model={model} />
              </SpaceBetween>
            )}
          </SpaceBetween>
        </ContentLayout>
      }
    />
  );
}

// ------------------------------------------------------------------ /drift/:model/:report

/** "< 10", "10 – 20", "≥ 90" from the inner edges; "Bin 3" without them. */
function binLabels(bins: FeatureBins): string[] {
  const n = Math.max(bins.baseline.length, bins.current.length);
  const edges = bins.edges;
  return Array.from({ length: n }, (_, i) => {
    if (!edges || edges.length !== n - 1) return `Bin ${i + 1}`;
    if (n === 1) return 'All values';
    if (i === 0) return `< ${num(edges[0])}`;
    if (i === n - 1) return `≥ ${num(edges[n - 2])}`;
    return `${num(edges[i - 1])} – ${num(edges[i])}`;
  });
}

const share = (v: number | undefined) => (v === undefined ? '-' : `${num(v * 100, 1)} %`);

function FeatureDistribution({ feature }: { feature: FeatureDrift }) {
  const bins = feature.bins;
  if (!bins || (bins.baseline.length === 0 && bins.current.length === 0)) {
    return <Box color="text-status-inactive">This report has no bin data.</Box>;
  }
  const labels = binLabels(bins);
  const rows = labels.map((label, i) => ({ label, baseline: bins.baseline[i], current: bins.current[i] }));
  const max = Math.max(...rows.map((r) => Math.max(r.baseline ?? 0, r.current ?? 0)), 0.01);
  const description = rows.map((r) => `${r.label}: baseline ${share(r.baseline)}, current ${share(r.current)}`).join('; ');
  return (
    <SpaceBetween size="s">
      <BarChart
        series={[
          { title: 'Baseline', type: 'bar', data: rows.map((r) => ({ x: r.label, y: r.baseline ?? 0 })), valueFormatter: (v) => share(v) },
          { title: 'Current', type: 'bar', data: rows.map((r) => ({ x: r.label, y: r.current ?? 0 })), valueFormatter: (v) => share(v) },
        ]}
        xScaleType="categorical"
        xDomain={labels}
        yDomain={[0, Math.min(1, Math.ceil((max + 0.02) * 10) / 10)]}
        yTickFormatter={(v) => `${num(v * 100, 0)} %`}
        xTitle={bins.edges ? `${feature.feature} (bins of the baseline's deciles)` : `${feature.feature} (bins as reported)`}
        yTitle="Share of values"
        height={220}
        hideFilter
        ariaLabel={`Baseline and current distribution of ${feature.feature}`}
        ariaDescription={`Grouped bars, share of values per bin. ${description}.`}
        empty={<Box textAlign="center">This report has no bin data.</Box>}
      />
      <ExpandableSection headerText="Chart data as a table" variant="footer">
        <Table
          variant="embedded"
          ariaLabels={{ tableLabel: `Distribution of ${feature.feature} per bin` }}
          items={rows}
          columnDefinitions={[
            { id: 'bin', header: 'Bin', cell: (r) => r.label, isRowHeader: true },
            { id: 'baseline', header: 'Baseline', cell: (r) => share(r.baseline) },
            { id: 'current', header: 'Current', cell: (r) => share(r.current) },
            {
              id: 'change',
              header: 'Change',
              cell: (r) => (r.baseline === undefined || r.current === undefined ? '-' : `${r.current >= r.baseline ? '+' : ''}${num((r.current - r.baseline) * 100, 1)} pp`),
            },
          ]}
        />
      </ExpandableSection>
    </SpaceBetween>
  );
}

function Retraining({ model, report }: { model: string; report: DriftReport }) {
  const follow = useFollow();
  const run = useQuery(retrainRunQuery(model, report.id));
  const header = (
    <Header variant="h2" description="What this report's drift did under the model's retraining policy.">
      Retraining
    </Header>
  );
  if (run.isPending)
    return (
      <Container header={header}>
        <Spinner />
      </Container>
    );
  if (run.isError)
    return (
      <Container header={header}>
        <ProblemAlert error={run.error} header="The retraining could not be loaded" />
      </Container>
    );
  const r = run.data;
  if (!r)
    return (
      <Container header={header}>
        <Box color="text-status-inactive">
          {report.evaluation.drifted ? 'This report started no retraining.' : 'This report found no drift, so it started no retraining.'}
        </Box>
      </Container>
    );
  return (
    <Container header={header}>
      <KeyValuePairs
        columns={3}
        items={[
          { label: 'Status', value: <RetrainIndicator status={r.status} /> },
          { label: 'Decision', value: r.proceed ? 'Retrain' : 'Do not retrain' },
          { label: 'Decided', value: timestamp(r.decidedAt) },
          { label: 'Reason', value: r.reason || '-' },
          { label: 'Training pipeline', value: r.pipelineName ? <Mono>{r.pipelineName}</Mono> : '-' },
          { label: 'Pipeline execution', value: r.pipelineExecutionArn ? <Mono>{r.pipelineExecutionArn}</Mono> : '-' },
          {
            label: 'Version',
            value:
              r.version != null ? (
                <Link href={`/models/${seg(model)}/versions/${r.version}`} onFollow={follow}>
                  {model} v{r.version}
                </Link>
              ) : (
                '-'
              ),
          },
          {
            label: 'Release',
            value: r.releaseId ? (
              <Link href={`/releases/${seg(r.releaseId)}`} onFollow={follow}>
                {r.releaseId}
              </Link>
            ) : (
              '-'
            ),
          },
          ...(r.failure ? [{ label: 'Failure', value: <Box color="text-status-error">{r.failure}</Box> }] : []),
        ]}
      />
    </Container>
  );
}

function ReportView({ model, reportId }: { model: string; reportId: string }) {
  usePageTitle(reportId, model, 'Drift');
  const follow = useFollow();
  const report = useQuery(driftReportQuery(model, reportId));
  const c = crumbs(model, reportId);
  if (report.isPending) return <Layout breadcrumbs={c} content={<Spinner size="large" />} />;
  if (report.isError) return <Layout breadcrumbs={c} content={<ProblemAlert error={report.error} header="This drift report cannot be shown" />} />;
  const r = report.data;
  const e = r.evaluation;
  const drifted = driftedFeatures(r);
  return (
    <Layout
      breadcrumbs={c}
      content={
        <ContentLayout
          header={
            <Header
              variant="h1"
              description={`${model} in ${r.environment}, received ${timestamp(r.receivedAt)} from ${r.submittedBy}.`}
            >
              Drift report {r.id}
            </Header>
          }
        >
          <SpaceBetween size="l">
            <Container header={<Header variant="h2">Summary</Header>}>
              <KeyValuePairs
                columns={4}
                items={[
                  {
                    label: 'Model',
                    value: (
                      <Link href={`/drift/${seg(model)}`} onFollow={follow}>
                        {model}
                      </Link>
                    ),
                  },
                  {
                    label: 'Environment',
                    value: (
                      <Link href={`/environments/${seg(r.environment)}`} onFollow={follow}>
                        {r.environment}
                      </Link>
                    ),
                  },
                  { label: 'Source', value: r.source },
                  { label: 'Received', value: <When iso={r.receivedAt} /> },
                  { label: 'Submitted by', value: r.submittedBy },
                  { label: 'Drifted', value: (r.drifted ?? e.drifted) ? 'Yes' : 'No' },
                  { label: 'Worst verdict', value: <VerdictIndicator verdict={e.verdict} /> },
                  { label: 'Drifted features', value: drifted.join(', ') || '-' },
                  {
                    label: 'Thresholds applied',
                    value: `PSI warning ${num(e.thresholds.psiWarn)}, alert ${num(e.thresholds.psiAlert)}; KS alpha ${num(e.thresholds.ksAlpha)}`,
                  },
                  ...(r.signal
                    ? [
                        { label: 'AWS signal', value: r.signal.reason },
                        { label: 'Signal reference', value: <Mono>{r.signal.reference}</Mono> },
                        { label: 'Signal feature', value: r.signal.feature ?? '-' },
                      ]
                    : []),
                ]}
              />
            </Container>
            <Retraining model={model} report={r} />
            <Table<FeatureDrift>
              trackBy="feature"
              items={e.features}
              ariaLabels={{ tableLabel: 'Features' }}
              wrapLines
              header={
                <Header variant="h2" counter={`(${e.features.length})`} description="Population stability index per feature, and the two-sample KS test where samples were given.">
                  Features
                </Header>
              }
              columnDefinitions={[
                { id: 'feature', header: 'Feature', cell: (f) => f.feature, isRowHeader: true },
                { id: 'verdict', header: 'Verdict', cell: (f) => <VerdictIndicator verdict={f.verdict} /> },
                { id: 'psi', header: 'PSI', cell: (f) => num(f.psi) },
                { id: 'ks', header: 'KS statistic', cell: (f) => num(f.ksStatistic) },
                { id: 'p', header: 'KS p-value', cell: (f) => (typeof f.ksPValue === 'number' && f.ksPValue > 0 && f.ksPValue < 0.0001 ? '< 0.0001' : num(f.ksPValue)) },
                { id: 'reasons', header: 'Reasons', cell: (f) => (f.reasons.length ? f.reasons.join(' ') : '-') },
              ]}
              empty={<Box textAlign="center">This report has no features.</Box>}
            />
            {e.features.map((f) => (
              <Container
                key={f.feature}
                header={
                  <Header variant="h2" description="Share of values per bin, the training baseline beside what the environment saw." info={<VerdictIndicator verdict={f.verdict} />}>
                    Distribution: {f.feature}
                  </Header>
                }
              >
                <FeatureDistribution feature={f} />
              </Container>
            ))}
          </SpaceBetween>
        </ContentLayout>
      }
    />
  );
}

export default function Drift() {
  const { model = '', report } = useParams();
  return report ? <ReportView model={model} reportId={report} /> : <ModelView model={model} />;
}
