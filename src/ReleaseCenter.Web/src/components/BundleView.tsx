import Box from '@cloudscape-design/components/box';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Link from '@cloudscape-design/components/link';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import type { Release } from '../api/types';
import { Digest } from './Digest';
import { DatasetsTable } from './DatasetsTable';
import { useFollow } from '../shell/Layout';

function value(v: unknown): string {
  if (typeof v === 'number') return String(Number(v.toPrecision(12)));
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** What the release ships, frozen when it was requested: the version, its artifact, datasets, hyperparameters and config. */
export function BundleView({ release }: { release: Release }) {
  const follow = useFollow();
  const b = release.bundle;
  if (!b) return <Box color="text-status-inactive">The bundle is not frozen yet.</Box>;
  const hyper = Object.entries((b.hyperparameters ?? {}) as Record<string, unknown>);
  return (
    <SpaceBetween size="l">
      <Container header={<Header variant="h3">Model version</Header>}>
        <KeyValuePairs
          columns={2}
          items={[
            {
              label: 'Model version',
              value: (
                <Link href={`/models/${encodeURIComponent(b.model)}/versions/${b.version}`} onFollow={follow}>
                  {b.model} v{b.version}
                </Link>
              ),
            },
            { label: 'Bundle digest', value: <Digest value={b.digest} label="Bundle digest" /> },
            { label: 'Artifact', value: b.artifactUri },
            { label: 'Artifact digest', value: <Digest value={b.artifactDigest} label="Artifact digest" /> },
            { label: 'Inference image', value: b.image ?? '-' },
            {
              label: 'Inference config',
              value: b.inferenceConfig ? `${b.inferenceConfig.instanceType} × ${b.inferenceConfig.instanceCount}` : '-',
            },
          ]}
        />
      </Container>
      <DatasetsTable datasets={b.datasets} variant="h3" />
      <Table
        header={<Header variant="h3" counter={`(${hyper.length})`}>Hyperparameters</Header>}
        trackBy={(h) => h[0]}
        items={hyper}
        columnDefinitions={[
          { id: 'name', header: 'Name', cell: (h) => h[0], isRowHeader: true },
          { id: 'value', header: 'Value', cell: (h) => value(h[1]) },
        ]}
        empty={<Box color="text-status-inactive">No hyperparameters recorded.</Box>}
      />
    </SpaceBetween>
  );
}
