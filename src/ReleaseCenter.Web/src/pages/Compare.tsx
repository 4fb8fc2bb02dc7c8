import { useSearchParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import Badge from '@cloudscape-design/components/badge';
import BarChart from '@cloudscape-design/components/bar-chart';
import Box from '@cloudscape-design/components/box';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Link from '@cloudscape-design/components/link';
import Select, { type SelectProps } from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import { api, ok } from '../api/client';
import { environmentsQuery, fetchReleasePage } from '../api/queries';
import type { MetricDiff, ReleaseDiff } from '../api/types';
import { Digest } from '../components/Digest';
import { MetricDiffTable, metricSentence, verdictType } from '../components/MetricDiffTable';
import { ProblemAlert } from '../components/ProblemAlert';
import { num, shortDigest } from '../components/format';
import { Layout, useFollow } from '../shell/Layout';
import { usePageTitle } from '../shell/usePageTitle';

/**
 * Two releases side by side, or a release against what is live in an environment.
 * URL: /compare?release=<id>&against=<id>|live[&environment=<env>]. The base ("against") is the
 * "from" side: deltas read as "from the base to the release".
 */
export default function Compare() {
  usePageTitle('Compare releases');
  const [params, setParams] = useSearchParams();
  const release = params.get('release') ?? '';
  const against = params.get('against') ?? '';
  const environment = params.get('environment') ?? '';
  const ready = !!release && !!against && (against !== 'live' || !!environment);

  const set = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next, { replace: true });
  };

  const diff = useQuery({
    queryKey: ['compare', release, against, environment],
    enabled: ready,
    retry: false,
    queryFn: () =>
      ok(
        api.GET('/v1/releases/{id}/diff', {
          params: { path: { id: release }, query: { against, environment: against === 'live' ? environment : undefined } },
        }),
      ),
  });

  return (
    <Layout
      breadcrumbs={[
        { text: 'ML Release Center', href: '/releases' },
        { text: 'Releases', href: '/releases' },
        { text: 'Compare', href: '/compare' },
      ]}
      content={
        <ContentLayout
          header={
            <Header variant="h1" description="Per metric, both values, the change and a verdict; then hyperparameters, datasets, inference config and artifact.">
              Compare releases
            </Header>
          }
        >
          <SpaceBetween size="l">
            <Pickers
              release={release}
              against={against}
              environment={environment}
              onChange={set}
            />
            {!ready ? (
              <Container>
                <Box color="text-status-inactive">Choose a release and what to compare it with.</Box>
              </Container>
            ) : diff.isPending ? (
              <Spinner size="large" />
            ) : diff.isError ? (
              <ProblemAlert error={diff.error} header="These releases cannot be compared" />
            ) : (
              <DiffView diff={diff.data} />
            )}
          </SpaceBetween>
        </ContentLayout>
      }
    />
  );
}

function Pickers({
  release,
  against,
  environment,
  onChange,
}: {
  release: string;
  against: string;
  environment: string;
  onChange: (changes: Record<string, string | null>) => void;
}) {
  const releases = useQuery({ queryKey: ['releases', 'compare-picker'], queryFn: () => fetchReleasePage({}, undefined, 100) });
  const environments = useQuery(environmentsQuery());
  const releaseOptions: SelectProps.Option[] = (releases.data?.items ?? []).map((r) => ({
    value: r.id,
    label: r.id,
    description: `${r.model} v${r.version} · ${r.status}`,
  }));
  const liveOptions: SelectProps.Option[] = (environments.data?.items ?? []).map((e) => ({
    value: `live:${e.name}`,
    label: `Live in ${e.name}`,
    description: e.liveRelease ? `${e.liveRelease} (v${e.liveVersion})` : 'nothing live',
  }));
  const find = (options: SelectProps.Option[], value: string): SelectProps.Option | null =>
    options.find((o) => o.value === value) ?? (value ? { value, label: value } : null);
  const baseValue = against === 'live' ? `live:${environment}` : against;
  const baseOptions: SelectProps.OptionGroup[] = [
    { label: 'What is live', options: liveOptions },
    { label: 'Releases', options: releaseOptions },
  ];
  return (
    <Container>
      <ColumnLayout columns={2}>
        <FormField label="Base" description="What the change is measured from: a release, or what is live in an environment.">
          <Select
            selectedOption={find([...liveOptions, ...releaseOptions], baseValue)}
            options={baseOptions}
            filteringType="auto"
            statusType={releases.isPending ? 'loading' : 'finished'}
            placeholder="Choose the base"
            onChange={(e) => {
              const v = e.detail.selectedOption.value ?? '';
              if (v.startsWith('live:')) onChange({ against: 'live', environment: v.slice(5) });
              else onChange({ against: v, environment: null });
            }}
          />
        </FormField>
        <FormField label="Release" description="The release whose change you are reading.">
          <Select
            selectedOption={find(releaseOptions, release)}
            options={releaseOptions}
            filteringType="auto"
            statusType={releases.isPending ? 'loading' : 'finished'}
            placeholder="Choose a release"
            onChange={(e) => onChange({ release: e.detail.selectedOption.value ?? null })}
          />
        </FormField>
      </ColumnLayout>
    </Container>
  );
}

const changeBadge = (change: string) =>
  change === 'unchanged' ? <Box color="text-status-inactive">unchanged</Box> : <Badge color={change === 'removed' ? 'red' : change === 'added' ? 'green' : 'blue'}>{change}</Badge>;

export function DiffView({ diff }: { diff: ReleaseDiff }) {
  const follow = useFollow();
  const base = diff.against === 'live' ? `Live in ${diff.environment} (v${diff.from.version})` : `${diff.from.release} (v${diff.from.version})`;
  const compared = `${diff.to.release} (v${diff.to.version})`;
  const releaseLink = (id: string, version: number) => (
    <Link href={`/releases/${id}`} onFollow={follow}>
      {id} (v{version})
    </Link>
  );
  const s = diff.summary;
  return (
    <SpaceBetween size="l">
      <Container header={<Header variant="h2">Summary</Header>}>
        <SpaceBetween size="m">
          <KeyValuePairs
            columns={4}
            items={[
              { label: diff.against === 'live' ? `Base: live in ${diff.environment}` : 'Base', value: releaseLink(diff.from.release, diff.from.version) },
              { label: 'Release', value: releaseLink(diff.to.release, diff.to.version) },
              {
                label: 'Metrics',
                value: `${s.improved} improved, ${s.withinTolerance} within tolerance, ${s.regressed} regressed${s.added ? `, ${s.added} added` : ''}${s.removed ? `, ${s.removed} removed` : ''}`,
              },
              { label: 'Thresholds', value: `${s.thresholdsNowFailing} now failing, ${s.thresholdsNowMet} now met` },
            ]}
          />
          {diff.identical ? (
            <StatusIndicator type="info">Both sides ship the same bundle ({shortDigest(diff.to.bundleDigest)}).</StatusIndicator>
          ) : (
            <ul aria-label="Metric verdicts" style={{ margin: 0, paddingInlineStart: 20 }}>
              {diff.metrics.map((m) => (
                <li key={m.metric}>
                  <StatusIndicator type={verdictType(m)}>{metricSentence(m)}</StatusIndicator>
                </li>
              ))}
            </ul>
          )}
        </SpaceBetween>
      </Container>
      <Container header={<Header variant="h2" description={`From ${base} to ${compared}.`}>Metrics</Header>}>
        <SpaceBetween size="l">
          <MetricDiffTable diff={diff} fromLabel={base} toLabel={compared} />
          <MetricChart metrics={diff.metrics} base={base} compared={compared} />
        </SpaceBetween>
      </Container>
      <Table
        header={<Header counter={`(${diff.hyperparameters.filter((h) => h.change !== 'unchanged').length} changed)`}>Hyperparameters</Header>}
        trackBy="name"
        items={diff.hyperparameters}
        wrapLines
        columnDefinitions={[
          { id: 'name', header: 'Name', cell: (h) => h.name, isRowHeader: true },
          { id: 'from', header: 'Base', cell: (h) => h.from ?? '-' },
          { id: 'to', header: 'Release', cell: (h) => h.to ?? '-' },
          { id: 'change', header: 'Change', cell: (h) => changeBadge(h.change) },
        ]}
        empty={<Box color="text-status-inactive">Neither side records hyperparameters.</Box>}
      />
      <Table
        header={<Header counter={`(${diff.datasets.filter((d) => d.change !== 'unchanged').length} changed)`}>Datasets</Header>}
        trackBy="name"
        items={diff.datasets}
        wrapLines
        columnDefinitions={[
          { id: 'name', header: 'Dataset', cell: (d) => d.name, isRowHeader: true },
          { id: 'from', header: 'Base', cell: (d) => (d.fromDigest ? <Digest value={d.fromDigest} label={`${d.name} base digest`} /> : '-') },
          { id: 'to', header: 'Release', cell: (d) => (d.toDigest ? <Digest value={d.toDigest} label={`${d.name} release digest`} /> : '-') },
          { id: 'uri', header: 'Location', cell: (d) => (d.fromUri === d.toUri ? d.toUri ?? '-' : `${d.fromUri ?? '-'} → ${d.toUri ?? '-'}`) },
          { id: 'change', header: 'Change', cell: (d) => changeBadge(d.change) },
        ]}
        empty={<Box color="text-status-inactive">Neither side records datasets.</Box>}
      />
      <Container header={<Header variant="h2">Inference config and artifact</Header>}>
        <Table
          variant="embedded"
          wrapLines
          trackBy="what"
          items={[
            {
              what: 'Inference config',
              from: `${diff.inferenceConfig.from.instanceType ?? '-'} × ${diff.inferenceConfig.from.instanceCount ?? '-'}`,
              to: `${diff.inferenceConfig.to.instanceType ?? '-'} × ${diff.inferenceConfig.to.instanceCount ?? '-'}`,
              changed: diff.inferenceConfig.changed,
            },
            { what: 'Inference image', from: diff.image.from ?? '-', to: diff.image.to ?? '-', changed: diff.image.changed },
            { what: 'Artifact', from: diff.artifact.fromUri, to: diff.artifact.toUri, changed: diff.artifact.uriChanged },
            { what: 'Artifact digest', from: shortDigest(diff.artifact.fromDigest), to: shortDigest(diff.artifact.toDigest), changed: diff.artifact.digestChanged },
          ]}
          columnDefinitions={[
            { id: 'what', header: 'Item', cell: (r) => r.what, isRowHeader: true },
            { id: 'from', header: 'Base', cell: (r) => r.from },
            { id: 'to', header: 'Release', cell: (r) => r.to },
            { id: 'change', header: 'Change', cell: (r) => changeBadge(r.changed ? 'changed' : 'unchanged') },
          ]}
        />
      </Container>
    </SpaceBetween>
  );
}

/**
 * Each metric's change in its better direction, relative to the base, as a bar: "+9 %" is better
 * whether the metric should rise (auc) or fall (latency), so metrics on different scales sit on one
 * chart and one side reads "better". The table above carries the same numbers as text.
 */
function MetricChart({ metrics, base, compared }: { metrics: MetricDiff[]; base: string; compared: string }) {
  const points = metrics
    .filter((m) => m.improvement !== null && m.improvement !== undefined && m.from)
    .map((m) => ({ x: m.metric, y: Number((((m.improvement ?? 0) / Math.abs(m.from ?? 1)) * 100).toPrecision(6)) }));
  if (points.length === 0) return null;
  const format = (v: number) => `${v > 0 ? '+' : ''}${num(v, 2)} %`;
  return (
    <BarChart
      series={[
        { title: 'Better', type: 'bar', data: points.map((p) => ({ x: p.x, y: Math.max(0, p.y) })), valueFormatter: format },
        { title: 'Worse', type: 'bar', data: points.map((p) => ({ x: p.x, y: Math.min(0, p.y) })), valueFormatter: format },
      ]}
      stackedBars
      xScaleType="categorical"
      yTitle={`Change in the better direction, relative to ${base} (%)`}
      horizontalBars
      hideFilter
      height={Math.max(120, points.length * 48)}
      ariaLabel={`How much each metric got better or worse from ${base} to ${compared}`}
      ariaDescription={points.map((p) => `${p.x}: ${format(p.y)} (${p.y >= 0 ? 'better' : 'worse'})`).join('; ')}
      i18nStrings={{ xTickFormatter: (x) => String(x), yTickFormatter: (y) => `${num(y, 1)} %` }}
      empty={<Box color="text-status-inactive">No metric is reported on both sides.</Box>}
    />
  );
}
