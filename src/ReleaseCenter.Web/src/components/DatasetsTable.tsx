import Box from '@cloudscape-design/components/box';
import Header from '@cloudscape-design/components/header';
import Table from '@cloudscape-design/components/table';
import type { components } from '../api/schema';
import { Digest } from './Digest';

type Dataset = components['schemas']['DatasetDto'];

/** The datasets a version was trained and evaluated on, with their digests. */
export function DatasetsTable({ datasets, variant = 'h2' }: { datasets: Dataset[]; variant?: 'h2' | 'h3' }) {
  return (
    <Table
      header={<Header variant={variant} counter={`(${datasets.length})`}>Datasets</Header>}
      trackBy={(d) => `${d.name ?? ""}|${d.uri ?? ""}`}
      items={datasets}
      columnDefinitions={[
        { id: 'name', header: 'Name', cell: (d) => d.name, isRowHeader: true },
        { id: 'uri', header: 'URI', cell: (d) => d.uri },
        { id: 'digest', header: 'Digest', cell: (d) => <Digest value={d.digest} label={`${d.name ?? 'dataset'} digest`} /> },
      ]}
      empty={<Box color="text-status-inactive">No datasets recorded.</Box>}
    />
  );
}
