import { useEffect, useMemo } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useCollection } from '@cloudscape-design/collection-hooks';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ButtonDropdown from '@cloudscape-design/components/button-dropdown';
import CollectionPreferences, { type CollectionPreferencesProps } from '@cloudscape-design/components/collection-preferences';
import Header from '@cloudscape-design/components/header';
import Link from '@cloudscape-design/components/link';
import Pagination from '@cloudscape-design/components/pagination';
import PropertyFilter, { type PropertyFilterProps } from '@cloudscape-design/components/property-filter';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table, { type TableProps } from '@cloudscape-design/components/table';
import { download } from '../api/client';
import { useExport } from '../components/useExport';
import { environmentsQuery, fetchReleasePage, modelsQuery, type ReleaseFilter } from '../api/queries';
import { allStatuses, type Release } from '../api/types';
import { DateForm } from '../components/DateForm';
import { ProblemAlert } from '../components/ProblemAlert';
import { ReleaseStatusIndicator, statusLabel } from '../components/ReleaseStatus';
import { StageProgress } from '../components/StageProgress';
import { relative, timestamp } from '../components/format';
import { useLocalStorage } from '../components/useLocalStorage';
import { Layout, useFollow } from '../shell/Layout';
import { usePageTitle } from '../shell/usePageTitle';

// The catalog keeps up to this many rows loaded, so sorting and paging are instant; "more" continues past it.
const eagerRows = 1000;
const pageLimit = 100; // the API's largest page

const filterKeys = ['model', 'status', 'environment', 'requestedBy'] as const;

/** The URL is the filter: every filtered catalog is a link someone can share. */
function filterFromUrl(params: URLSearchParams): ReleaseFilter {
  const f: ReleaseFilter = {};
  for (const k of [...filterKeys, 'since', 'until', 'q'] as const) {
    const v = params.get(k);
    if (v) f[k] = v;
  }
  return f;
}

function queryFromFilter(f: ReleaseFilter): PropertyFilterProps.Query {
  const tokens: PropertyFilterProps.Token[] = [];
  for (const k of filterKeys) if (f[k]) tokens.push({ propertyKey: k, operator: '=', value: f[k] });
  if (f.since) tokens.push({ propertyKey: 'createdAt', operator: '>=', value: f.since.slice(0, 10) });
  if (f.until) tokens.push({ propertyKey: 'createdAt', operator: '<=', value: f.until.slice(0, 10) });
  if (f.q) tokens.push({ operator: ':', value: f.q });
  return { operation: 'and', tokens };
}

function filterFromQuery(q: PropertyFilterProps.Query): ReleaseFilter {
  const f: ReleaseFilter = {};
  // The API takes one value per field: a later token of the same field replaces an earlier one.
  for (const t of q.tokens) {
    const value = String(t.value ?? '').trim();
    if (!value) continue;
    if (!t.propertyKey) f.q = value.slice(0, 200);
    else if (t.propertyKey === 'createdAt') {
      const day = value.replace(/\//g, '-');
      if (t.operator === '>=' || t.operator === '>') f.since = `${day}T00:00:00Z`;
      else if (t.operator === '<=' || t.operator === '<') f.until = `${day}T23:59:59Z`;
      else {
        f.since = `${day}T00:00:00Z`;
        f.until = `${day}T23:59:59Z`;
      }
    } else if ((filterKeys as readonly string[]).includes(t.propertyKey)) f[t.propertyKey as (typeof filterKeys)[number]] = value;
  }
  return f;
}

const columns: TableProps.ColumnDefinition<Release>[] = [
  {
    id: 'release',
    header: 'Release',
    cell: (r) => <ReleaseLink release={r} />,
    sortingField: 'model',
    isRowHeader: true,
  },
  { id: 'status', header: 'Status', cell: (r) => <ReleaseStatusIndicator status={r.status} />, sortingField: 'status' },
  { id: 'progress', header: 'Environments', cell: (r) => <StageProgress release={r} /> },
  { id: 'requestedBy', header: 'Requested by', cell: (r) => r.requestedBy, sortingField: 'requestedBy' },
  { id: 'createdAt', header: 'Created', cell: (r) => <span title={timestamp(r.createdAt)}>{relative(r.createdAt)}</span>, sortingField: 'createdAt' },
  { id: 'updatedAt', header: 'Updated', cell: (r) => <span title={timestamp(r.updatedAt)}>{relative(r.updatedAt)}</span>, sortingField: 'updatedAt' },
  { id: 'id', header: 'Id', cell: (r) => r.id, sortingField: 'id' },
  { id: 'notes', header: 'Notes', cell: (r) => r.notes ?? '-' },
];

function ReleaseLink({ release }: { release: Release }) {
  const follow = useFollow();
  return (
    <Link href={`/releases/${release.id}`} onFollow={follow}>
      {release.model} v{release.version}
    </Link>
  );
}

const defaultPreferences: CollectionPreferencesProps.Preferences = {
  pageSize: 25,
  wrapLines: false,
  stripedRows: false,
  contentDisplay: columns.map((c) => ({ id: c.id!, visible: !['id', 'notes'].includes(c.id!) })),
};

export default function Releases() {
  usePageTitle('Releases');
  const navigate = useNavigate();
  const follow = useFollow();
  const [params, setParams] = useSearchParams();
  const filter = useMemo(() => filterFromUrl(params), [params]);
  const [preferences, setPreferences] = useLocalStorage('rc.releases.preferences', defaultPreferences);
  const models = useQuery(modelsQuery());
  const environments = useQuery(environmentsQuery());

  const pages = useInfiniteQuery({
    queryKey: ['releases', filter],
    queryFn: ({ pageParam }) => fetchReleasePage(filter, pageParam, pageLimit),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: 15_000,
  });
  const rows = useMemo(() => pages.data?.pages.flatMap((p) => p.items) ?? [], [pages.data]);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = pages;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && rows.length < eagerRows) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, rows.length, fetchNextPage]);

  const filtered = Object.keys(filter).length > 0;
  const { items, collectionProps, paginationProps } = useCollection(rows, {
    sorting: { defaultState: { sortingColumn: columns[4]!, isDescending: true } },
    pagination: { pageSize: preferences.pageSize },
    selection: { trackBy: 'id', keepSelection: true },
  });
  const selected = collectionProps.selectedItems ?? [];
  // Two rows: the older one is the base, so deltas read forward in time.
  const compareSelected = () => {
    const [a, b] = [...selected].sort((x, y) => x.createdAt.localeCompare(y.createdAt));
    if (a && b) navigate(`/compare?release=${encodeURIComponent(b.id)}&against=${encodeURIComponent(a.id)}`);
  };

  const properties: PropertyFilterProps.FilteringProperty[] = [
    { key: 'model', propertyLabel: 'Model', groupValuesLabel: 'Models', operators: ['='] },
    { key: 'status', propertyLabel: 'Status', groupValuesLabel: 'Statuses', operators: ['='] },
    { key: 'environment', propertyLabel: 'Environment', groupValuesLabel: 'Environments', operators: ['='] },
    { key: 'requestedBy', propertyLabel: 'Requested by', groupValuesLabel: 'Requesters', operators: ['='] },
    {
      key: 'createdAt',
      propertyLabel: 'Created (UTC date)',
      groupValuesLabel: 'Dates',
      defaultOperator: '>=',
      operators: ['>=', '<='].map((operator) => ({ operator, form: DateForm })),
    },
  ];
  const options: PropertyFilterProps.FilteringOption[] = [
    ...(models.data ?? []).map((m) => ({ propertyKey: 'model', value: m.name })),
    ...allStatuses.map((s) => ({ propertyKey: 'status', value: s, label: statusLabel(s) })),
    ...(environments.data?.items ?? []).map((e) => ({ propertyKey: 'environment', value: e.name })),
    ...[...new Set(rows.map((r) => r.requestedBy))].map((u) => ({ propertyKey: 'requestedBy', value: u })),
  ];

  const exportFile = useExport();
  const exportAs = (what: string) => {
    const format = what.endsWith('csv') ? 'csv' : 'jsonl';
    return what === 'releases-csv' || what === 'releases-jsonl'
      ? exportFile('release export', () => download('/v1/releases/export', { ...filter, format }, `releases.${format}`))
      : exportFile('audit export', () => download('/v1/audit/export', { since: filter.since, until: filter.until, format }, `audit.${format}`));
  };

  const count = pages.hasNextPage ? `(${rows.length}+)` : `(${rows.length})`;
  return (
    <Layout
      contentType="table"
      breadcrumbs={[
        { text: 'ML Release Center', href: '/releases' },
        { text: 'Releases', href: '/releases' },
      ]}
      content={
        <Table
          {...collectionProps}
          variant="full-page"
          stickyHeader
          resizableColumns
          enableKeyboardNavigation
          trackBy="id"
          selectionType="multi"
          items={items}
          loading={pages.isPending}
          loadingText="Loading releases"
          columnDefinitions={columns}
          columnDisplay={preferences.contentDisplay}
          wrapLines={preferences.wrapLines}
          stripedRows={preferences.stripedRows}
          ariaLabels={{
            tableLabel: 'Releases',
            selectionGroupLabel: 'Releases to compare',
            itemSelectionLabel: (_, r) => `Select ${r.id}`,
            allItemsSelectionLabel: () => 'Select all releases on this page',
          }}
          header={
            <Header
              variant="awsui-h1-sticky"
              counter={pages.isPending ? undefined : count}
              description="Every release of every model, newest first. The filter is part of the link."
              actions={
                <SpaceBetween direction="horizontal" size="xs">
                  <Button
                    disabled={selected.length !== 2}
                    disabledReason="Select two releases to compare them"
                    onClick={compareSelected}
                  >
                    Compare
                  </Button>
                  <ButtonDropdown
                    items={[
                      { id: 'releases-csv', text: 'Releases (CSV)', description: 'The releases of the current filter' },
                      { id: 'releases-jsonl', text: 'Releases (JSONL)', description: 'The releases of the current filter' },
                      { id: 'audit-csv', text: 'Audit log (CSV)', description: 'Audit entries of the filter’s date range' },
                      { id: 'audit-jsonl', text: 'Audit log (JSONL)', description: 'Audit entries of the filter’s date range' },
                    ]}
                    onItemClick={(e) => void exportAs(e.detail.id)}
                  >
                    Export
                  </ButtonDropdown>
                  <Button variant="primary" href="/releases/new" onFollow={follow}>
                    New release
                  </Button>
                </SpaceBetween>
              }
            >
              Releases
            </Header>
          }
          filter={
            <PropertyFilter
              query={queryFromFilter(filter)}
              onChange={(e) => {
                const f = filterFromQuery(e.detail);
                const next = new URLSearchParams();
                for (const [k, v] of Object.entries(f)) if (v) next.set(k, v);
                setParams(next, { replace: false });
              }}
              filteringProperties={properties}
              filteringOptions={options}
              hideOperations
              filteringPlaceholder="Find releases by model, status, environment, requester, date or text"
              filteringAriaLabel="Filter releases"
              countText={pages.isPending ? undefined : `${rows.length}${pages.hasNextPage ? '+' : ''} matches`}
              expandToViewport
            />
          }
          pagination={
            <Pagination
              {...paginationProps}
              openEnd={pages.hasNextPage}
              onNextPageClick={(e) => {
                if (!e.detail.requestedPageAvailable) void pages.fetchNextPage();
              }}
              ariaLabels={{ nextPageLabel: 'Next page', previousPageLabel: 'Previous page', pageLabel: (n) => `Page ${n}` }}
            />
          }
          preferences={
            <CollectionPreferences
              title="Preferences"
              confirmLabel="Confirm"
              cancelLabel="Cancel"
              preferences={preferences}
              onConfirm={(e) => setPreferences(e.detail)}
              pageSizePreference={{
                title: 'Releases per page',
                options: [10, 25, 50, 100].map((n) => ({ value: n, label: `${n} releases` })),
              }}
              wrapLinesPreference={{ label: 'Wrap lines' }}
              stripedRowsPreference={{ label: 'Striped rows' }}
              contentDisplayPreference={{ title: 'Columns', options: columns.map((c) => ({ id: c.id!, label: String(c.header) })) }}
            />
          }
          empty={
            pages.isError ? (
              <SpaceBetween size="s">
                <ProblemAlert error={pages.error} header="The releases could not be loaded" />
                <Button onClick={() => void pages.refetch()}>Retry</Button>
              </SpaceBetween>
            ) : filtered ? (
              <Box textAlign="center" color="inherit">
                <SpaceBetween size="s">
                  <Box variant="strong">No matches</Box>
                  <Box variant="p">No release matches this filter.</Box>
                  <Button onClick={() => setParams(new URLSearchParams())}>Clear filter</Button>
                </SpaceBetween>
              </Box>
            ) : (
              <Box textAlign="center" color="inherit">
                <SpaceBetween size="s">
                  <Box variant="strong">No releases yet</Box>
                  <Box variant="p">Release a registered model version to see it here.</Box>
                  <Button onClick={() => navigate('/releases/new')}>New release</Button>
                </SpaceBetween>
              </Box>
            )
          }
        />
      }
    />
  );
}
