import { useQuery } from '@tanstack/react-query';
import { useCollection } from '@cloudscape-design/collection-hooks';
import Box from '@cloudscape-design/components/box';
import Header from '@cloudscape-design/components/header';
import Link from '@cloudscape-design/components/link';
import Pagination from '@cloudscape-design/components/pagination';
import Table from '@cloudscape-design/components/table';
import TextFilter from '@cloudscape-design/components/text-filter';
import { modelsQuery } from '../api/queries';
import { ProblemAlert } from '../components/ProblemAlert';
import { relative } from '../components/format';
import { Layout, useFollow } from '../shell/Layout';
import { usePageTitle } from '../shell/usePageTitle';

export default function Models() {
  usePageTitle('Models');
  const follow = useFollow();
  const models = useQuery(modelsQuery());
  const { items, collectionProps, filterProps, paginationProps, filteredItemsCount } = useCollection(models.data ?? [], {
    filtering: {
      empty: <Box textAlign="center">No models are registered yet.</Box>,
      noMatch: <Box textAlign="center">No model matches.</Box>,
    },
    sorting: {},
    pagination: { pageSize: 25 },
  });
  return (
    <Layout
      contentType="table"
      breadcrumbs={[
        { text: 'ML Release Center', href: '/releases' },
        { text: 'Models', href: '/models' },
      ]}
      content={
        <Table
          {...collectionProps}
          variant="full-page"
          stickyHeader
          enableKeyboardNavigation
          trackBy="name"
          items={items}
          loading={models.isPending}
          loadingText="Loading models"
          ariaLabels={{ tableLabel: 'Models' }}
          header={
            <Header variant="awsui-h1-sticky" counter={models.data ? `(${models.data.length})` : undefined} description="The registry: every model with its immutable versions.">
              Models
            </Header>
          }
          filter={<TextFilter {...filterProps} filteringPlaceholder="Find models" filteringAriaLabel="Find models" countText={`${filteredItemsCount ?? 0} matches`} />}
          pagination={<Pagination {...paginationProps} />}
          columnDefinitions={[
            {
              id: 'name',
              header: 'Model',
              isRowHeader: true,
              sortingField: 'name',
              cell: (m) => (
                <Link href={`/models/${encodeURIComponent(m.name)}`} onFollow={follow}>
                  {m.name}
                </Link>
              ),
            },
            {
              id: 'project',
              header: 'Project',
              cell: (m) => (
                <Link href={`/projects/${encodeURIComponent(m.project)}`} onFollow={follow}>
                  {m.project}
                </Link>
              ),
              sortingField: 'project',
            },
            { id: 'latest', header: 'Latest version', cell: (m) => (Number(m.latestVersion) > 0 ? `v${m.latestVersion}` : '-') },
            { id: 'owner', header: 'Owner', cell: (m) => m.owner ?? '-' },
            { id: 'description', header: 'Description', cell: (m) => m.description ?? '-' },
            { id: 'created', header: 'Created', cell: (m) => relative(m.createdAt), sortingField: 'createdAt' },
          ]}
          empty={models.isError ? <ProblemAlert error={models.error} /> : <Box textAlign="center">No models are registered yet.</Box>}
        />
      }
    />
  );
}
