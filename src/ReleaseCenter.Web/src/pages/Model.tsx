import { useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Link from '@cloudscape-design/components/link';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import { environmentsQuery, modelPolicyQuery, modelQuery, versionsQuery } from '../api/queries';
import { PolicyTable } from '../components/PolicyTable';
import { PolicyEditModal } from '../components/PolicyEditModal';
import { isAdminOf, useSession } from '../auth/session';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import LineChart from '@cloudscape-design/components/line-chart';
import { VersionsStrip } from '../components/VersionsStrip';
import type { ModelVersion } from '../api/types';
import { ProblemAlert } from '../components/ProblemAlert';
import { num, relative, timestamp } from '../components/format';
import { Layout, useFollow } from '../shell/Layout';
import { usePageTitle } from '../shell/usePageTitle';

/** A model and its versions, one column per reported metric, with "Release this version". */
export default function Model() {
  const { name = '' } = useParams();
  usePageTitle(name, 'Models');
  const navigate = useNavigate();
  const follow = useFollow();
  const model = useQuery(modelQuery(name));
  const versions = useQuery(versionsQuery(name));
  const environments = useQuery(environmentsQuery());
  const policy = useQuery(modelPolicyQuery(name));
  const session = useSession();
  const [editing, setEditing] = useState(false);
  const [selected, setSelected] = useState<ModelVersion[]>([]);
  const rows = [...(versions.data ?? [])].reverse();
  const metricNames = [...new Set(rows.flatMap((v) => Object.keys(v.metrics)))].sort();
  const crumbs = [
    { text: 'ML Release Center', href: '/releases' },
    { text: 'Models', href: '/models' },
    { text: name, href: `/models/${encodeURIComponent(name)}` },
  ];
  if (model.isPending) return <Layout breadcrumbs={crumbs} content={<Spinner size="large" />} />;
  if (model.isError) return <Layout breadcrumbs={crumbs} content={<ProblemAlert error={model.error} header="This model cannot be shown" />} />;
  const m = model.data;
  const release = (v: ModelVersion) => navigate(`/releases/new?model=${encodeURIComponent(name)}&version=${v.version}`);

  return (
    <Layout
      breadcrumbs={crumbs}
      content={
        <ContentLayout header={<Header variant="h1" description={m.description ?? undefined}>{m.name}</Header>}>
          <SpaceBetween size="l">
            <Container header={<Header variant="h2">Model</Header>}>
              <KeyValuePairs
                columns={4}
                items={[
                  {
                    label: 'Project',
                    value: (
                      <Link href={`/projects/${encodeURIComponent(m.project)}`} onFollow={follow}>
                        {m.project}
                      </Link>
                    ),
                  },
                  { label: 'Owner', value: m.owner ?? '-' },
                  { label: 'Latest version', value: Number(m.latestVersion) > 0 ? `v${m.latestVersion}` : '-' },
                  { label: 'Created', value: `${timestamp(m.createdAt)} by ${m.createdBy}` },
                  {
                    label: 'Releases',
                    value: (
                      <Link href={`/releases?model=${encodeURIComponent(name)}`} onFollow={follow}>
                        Releases of {name}
                      </Link>
                    ),
                  },
                ]}
              />
            </Container>
            <Container header={<Header variant="h2" description="Oldest first; each marked where it is live now.">Where each version stands</Header>}>
              {versions.data?.length ? (
                <VersionsStrip model={name} versions={versions.data} environments={environments.data?.items ?? []} />
              ) : (
                <Box color="text-status-inactive">{versions.isPending ? 'Loading versions' : 'No versions registered yet.'}</Box>
              )}
            </Container>
            {metricNames.length && (versions.data?.length ?? 0) > 1 ? (
              <Container header={<Header variant="h2" description="Each metric across versions. The versions table below has the same numbers.">Metrics across versions</Header>}>
                <ColumnLayout columns={Math.min(2, metricNames.length)}>
                  {metricNames
                    .filter((k) => (versions.data ?? []).filter((v) => typeof (v.metrics as Record<string, number>)[k] === 'number').length > 1)
                    .map((k) => (
                      <MetricAcrossVersions key={k} metric={k} versions={versions.data ?? []} />
                    ))}
                </ColumnLayout>
              </Container>
            ) : null}
            <Table
              enableKeyboardNavigation
              selectionType="single"
              selectedItems={selected}
              onSelectionChange={(e) => setSelected(e.detail.selectedItems)}
              trackBy="version"
              items={rows}
              loading={versions.isPending}
              loadingText="Loading versions"
              ariaLabels={{
                tableLabel: 'Versions',
                selectionGroupLabel: 'Versions',
                itemSelectionLabel: (_, v) => `v${v.version}`,
                allItemsSelectionLabel: () => 'all',
              }}
              header={
                <Header
                  counter={`(${rows.length})`}
                  actions={
                    <Button
                      variant="primary"
                      disabled={selected.length !== 1 || !!selected[0]?.veto}
                      disabledReason={selected[0]?.veto ? `v${selected[0].version} is marked as bad.` : undefined}
                      onClick={() => release(selected[0]!)}
                    >
                      Release this version
                    </Button>
                  }
                  description="Newest first. Select a version to release it."
                >
                  Versions
                </Header>
              }
              columnDefinitions={[
                {
                  id: 'version',
                  header: 'Version',
                  isRowHeader: true,
                  cell: (v) => (
                    <Link href={`/models/${encodeURIComponent(name)}/versions/${v.version}`} onFollow={follow}>
                      v{v.version}
                    </Link>
                  ),
                },
                {
                  id: 'veto',
                  header: 'Releasable',
                  cell: (v) =>
                    v.veto ? (
                      <StatusIndicator type="stopped">Marked as bad by {v.veto.by}</StatusIndicator>
                    ) : (
                      <StatusIndicator type="success">Yes</StatusIndicator>
                    ),
                },
                ...metricNames.map((k) => ({ id: `metric-${k}`, header: k, cell: (v: ModelVersion) => num((v.metrics as Record<string, number>)[k]) })),
                { id: 'framework', header: 'Framework', cell: (v) => v.framework ?? '-' },
                { id: 'createdBy', header: 'Registered by', cell: (v) => v.createdBy },
                { id: 'createdAt', header: 'Registered', cell: (v) => relative(v.createdAt) },
              ]}
              empty={versions.isError ? <ProblemAlert error={versions.error} /> : <Box textAlign="center">No versions registered yet.</Box>}
            />
            {policy.isError ? (
              <ProblemAlert error={policy.error} header="The release policy cannot be shown" />
            ) : (
              <PolicyTable
                policy={policy.data}
                loading={policy.isPending}
                actions={
                  isAdminOf(session, m.project) ? (
                    <Button onClick={() => setEditing(true)} disabled={!policy.data}>
                      Edit policy
                    </Button>
                  ) : undefined
                }
              />
            )}
            {editing && policy.data ? <PolicyEditModal target={{ model: name, project: m.project }} document={policy.data.modelPolicy} onClose={() => setEditing(false)} /> : null}
          </SpaceBetween>
        </ContentLayout>
      }
    />
  );
}

function MetricAcrossVersions({ metric, versions }: { metric: string; versions: ModelVersion[] }) {
  const data = versions
    .filter((v) => typeof (v.metrics as Record<string, number>)[metric] === 'number')
    .map((v) => ({ x: v.version, y: (v.metrics as Record<string, number>)[metric]! }));
  const ys = data.map((d) => d.y);
  const pad = (Math.max(...ys) - Math.min(...ys)) * 0.2 || Math.abs(ys[0] ?? 1) * 0.05 || 1;
  return (
    <LineChart
      series={[{ title: metric, type: 'line', data, valueFormatter: (y: number) => num(y) }]}
      xScaleType="linear"
      xDomain={[Math.min(...data.map((d) => d.x)), Math.max(...data.map((d) => d.x))]}
      yDomain={[Math.min(...ys) - pad, Math.max(...ys) + pad]}
      xTitle="Version"
      yTitle={metric}
      height={180}
      hideFilter
      hideLegend
      ariaLabel={`${metric} across versions`}
      ariaDescription={data.map((d) => `v${d.x}: ${num(d.y)}`).join(', ')}
      i18nStrings={{ xTickFormatter: (x) => (Number.isInteger(x) ? `v${x}` : ''), yTickFormatter: (y) => num(y, 3) }}
      empty={<Box color="text-status-inactive">No version reports {metric}.</Box>}
    />
  );
}
