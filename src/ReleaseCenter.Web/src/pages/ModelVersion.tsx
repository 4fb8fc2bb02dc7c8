import { useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Link from '@cloudscape-design/components/link';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import Table from '@cloudscape-design/components/table';
import { fetchReleasePage, versionQuery } from '../api/queries';
import { DatasetsTable } from '../components/DatasetsTable';
import { Digest } from '../components/Digest';
import { Lineage } from '../components/Lineage';
import { Metrics } from '../components/Metrics';
import { ProblemAlert } from '../components/ProblemAlert';
import { ReleaseStatusIndicator } from '../components/ReleaseStatus';
import { StageProgress } from '../components/StageProgress';
import { relative, timestamp } from '../components/format';
import { Layout, useFollow } from '../shell/Layout';
import { usePageTitle } from '../shell/usePageTitle';
import { canChange, useSession } from '../auth/session';
import { VetoModal } from '../components/VetoModal';

export default function ModelVersion() {
  const { name = '', version = '' } = useParams();
  const n = Number(version);
  usePageTitle(`${name} v${version}`, 'Models');
  const navigate = useNavigate();
  const follow = useFollow();
  const session = useSession();
  const [vetoing, setVetoing] = useState(false);
  const v = useQuery({ ...versionQuery(name, n), enabled: Number.isInteger(n) && n > 0 });
  const releases = useQuery({
    queryKey: ['releases', { model: name }, 'version', n],
    queryFn: async () => (await fetchReleasePage({ model: name }, undefined, 100)).items.filter((r) => Number(r.version) === n),
  });
  const crumbs = [
    { text: 'ML Release Center', href: '/releases' },
    { text: 'Models', href: '/models' },
    { text: name, href: `/models/${encodeURIComponent(name)}` },
    { text: `v${version}`, href: `/models/${encodeURIComponent(name)}/versions/${version}` },
  ];
  if (v.isPending) return <Layout breadcrumbs={crumbs} content={<Spinner size="large" />} />;
  if (v.isError) return <Layout breadcrumbs={crumbs} content={<ProblemAlert error={v.error} header="This version cannot be shown" />} />;
  const d = v.data;
  const hyper = Object.entries((d.hyperparameters ?? {}) as Record<string, unknown>);

  return (
    <Layout
      breadcrumbs={crumbs}
      content={
        <ContentLayout
          header={
            <Header
              variant="h1"
              description={`Registered ${timestamp(d.createdAt)} by ${d.createdBy}`}
              actions={
                <SpaceBetween direction="horizontal" size="xs">
                  {canChange(session) ? <Button onClick={() => setVetoing(true)}>{d.veto ? 'Lift veto' : 'Mark as bad'}</Button> : null}
                  <Button
                    variant="primary"
                    disabled={!!d.veto}
                    disabledReason={d.veto ? 'This version is marked as bad. Lift the veto to release it.' : undefined}
                    onClick={() => navigate(`/releases/new?model=${encodeURIComponent(name)}&version=${n}`)}
                  >
                    Release this version
                  </Button>
                </SpaceBetween>
              }
            >
              {name} v{d.version}
            </Header>
          }
        >
          <SpaceBetween size="l">
            {d.veto ? (
              <Alert type="error" header="Marked as bad">
                {d.veto.by} marked this version as bad {timestamp(d.veto.at)}: {d.veto.reason}. No release of it may start until the veto is lifted, and a
                release of it in flight stops before its next environment.
              </Alert>
            ) : null}
            <Lineage version={d} />
            <Container header={<Header variant="h2">Metrics</Header>}>
              <Metrics metrics={d.metrics as Record<string, number>} />
            </Container>
            <Container header={<Header variant="h2">Artifact</Header>}>
              <KeyValuePairs
                columns={3}
                items={[
                  { label: 'Artifact', value: d.artifactUri },
                  { label: 'Artifact digest', value: <Digest value={d.artifactDigest} label="Artifact digest" /> },
                  { label: 'Framework', value: d.framework ?? '-' },
                  { label: 'Inference image', value: d.image ?? '-' },
                  { label: 'Inference config', value: d.inferenceConfig ? `${d.inferenceConfig.instanceType} × ${d.inferenceConfig.instanceCount}` : '-' },
                  { label: 'Training run', value: d.trainingRun ?? '-' },
                  ...hyper.map(([k, x]) => ({ label: `Hyperparameter: ${k}`, value: typeof x === 'string' ? x : JSON.stringify(x) })),
                ]}
              />
            </Container>
            <DatasetsTable datasets={d.datasets} />
            <Table
              header={<Header counter={releases.data ? `(${releases.data.length})` : undefined}>Releases of this version</Header>}
              trackBy="id"
              loading={releases.isPending}
              loadingText="Loading releases"
              items={releases.data ?? []}
              columnDefinitions={[
                {
                  id: 'id',
                  header: 'Release',
                  isRowHeader: true,
                  cell: (r) => (
                    <Link href={`/releases/${r.id}`} onFollow={follow}>
                      {r.id}
                    </Link>
                  ),
                },
                { id: 'status', header: 'Status', cell: (r) => <ReleaseStatusIndicator status={r.status} /> },
                { id: 'progress', header: 'Environments', cell: (r) => <StageProgress release={r} /> },
                { id: 'requestedBy', header: 'Requested by', cell: (r) => r.requestedBy },
                { id: 'created', header: 'Created', cell: (r) => relative(r.createdAt) },
              ]}
              empty={<Box textAlign="center">This version has not been released.</Box>}
            />
          </SpaceBetween>
          {vetoing ? <VetoModal version={d} onClose={() => setVetoing(false)} /> : null}
        </ContentLayout>
      }
    />
  );
}
