import { useMemo, type ReactNode } from 'react';
import { useSearchParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { useCollection } from '@cloudscape-design/collection-hooks';
import BarChart from '@cloudscape-design/components/bar-chart';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import ExpandableSection from '@cloudscape-design/components/expandable-section';
import Header from '@cloudscape-design/components/header';
import LineChart from '@cloudscape-design/components/line-chart';
import Link from '@cloudscape-design/components/link';
import Pagination from '@cloudscape-design/components/pagination';
import SegmentedControl from '@cloudscape-design/components/segmented-control';
import Select, { type SelectProps } from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table, { type TableProps } from '@cloudscape-design/components/table';
import TextFilter from '@cloudscape-design/components/text-filter';
import {
  deliveryQuery,
  historyLimit,
  inFlightQuery,
  intervalOf,
  rollbacksQuery,
  windowStart,
  windows,
  type DeliveryBucket,
  type DeliveryFigures,
  type RollbackEvent,
  type Window,
} from '../api/dashboard';
import { environmentsQuery, modelsQuery } from '../api/queries';
import type { Environment, ReleaseStatus } from '../api/types';
import { ProblemAlert } from '../components/ProblemAlert';
import { ReleaseStatusIndicator } from '../components/ReleaseStatus';
import { duration, num, relative, timestamp } from '../components/format';
import { currentStage, remainingApprovals, waitingOn } from '../components/waitingOn';
import { Layout, useFollow } from '../shell/Layout';
import { usePageTitle } from '../shell/usePageTitle';

// ---------------------------------------------------------------------------------------------------------------
// Small formatters: every number through num(), durations through duration().

const seconds = (s: number | null | undefined) => (s === null || s === undefined ? '-' : duration(s * 1000));
const ratePercent = (r: number | null | undefined) => (r === null || r === undefined ? '-' : `${num(r * 100, 1)} %`);
const dayLabel = (iso: string) => new Date(iso).toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });

function parseWindow(value: string | null): Window {
  const n = Number(value);
  return (windows as readonly number[]).includes(n) ? (n as Window) : windows[0];
}

function Empty({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <Box textAlign="center" color="inherit">
      <SpaceBetween size="xxs">
        <Box variant="strong">{title}</Box>
        {children ? <Box variant="p">{children}</Box> : null}
        {action}
      </SpaceBetween>
    </Box>
  );
}

function ModelLink({ name }: { name: string }) {
  const follow = useFollow();
  return (
    <Link href={`/models/${encodeURIComponent(name)}`} onFollow={follow}>
      {name}
    </Link>
  );
}

function EnvironmentLink({ name }: { name: string }) {
  const follow = useFollow();
  return (
    <Link href={`/environments/${encodeURIComponent(name)}`} onFollow={follow}>
      {name}
    </Link>
  );
}

function ReleaseLink({ id, text }: { id: string; text?: string }) {
  const follow = useFollow();
  return (
    <Link href={`/releases/${encodeURIComponent(id)}`} onFollow={follow}>
      {text ?? id}
    </Link>
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Chart data as a table: the text alternative of every chart, the same numbers the chart draws.

interface ChartColumn {
  title: string;
  values: (number | null)[];
}

function ChartDataTable(props: { label: string; xHeader: string; xs: string[]; columns: ChartColumn[]; format: (v: number) => string }) {
  const items = props.xs.map((x, i) => ({ x, i }));
  return (
    <ExpandableSection headerText={`${props.label} as a table`} variant="footer">
      <Table
        variant="embedded"
        items={items}
        trackBy="x"
        ariaLabels={{ tableLabel: `${props.label}, as a table` }}
        columnDefinitions={[
          { id: 'x', header: props.xHeader, cell: (r) => r.x, isRowHeader: true },
          ...props.columns.map((c) => ({
            id: `c-${c.title}`,
            header: c.title,
            cell: (r: { x: string; i: number }) => {
              const v = c.values[r.i];
              return v === null || v === undefined ? '-' : props.format(v);
            },
          })),
        ]}
        empty={<Empty title="No data" />}
      />
    </ExpandableSection>
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Delivery metrics: the table per model and environment, and the series per environment over the window.

interface Bucket {
  label: string;
  since: string;
  byEnv: Map<string, { deployments: number; changes: number; failed: number; leadSum: number; leadCount: number }>;
}

function bucketsOf(series: DeliveryBucket[] | null | undefined, counted: (model: string) => boolean): Bucket[] {
  return (series ?? []).map((b) => {
    const byEnv: Bucket['byEnv'] = new Map();
    for (const f of b.items.filter((x) => counted(x.model))) {
      const e = byEnv.get(f.environment) ?? { deployments: 0, changes: 0, failed: 0, leadSum: 0, leadCount: 0 };
      e.deployments += Number(f.deployments);
      e.changes += Number(f.changeFailureRate.changes);
      e.failed += Number(f.changeFailureRate.failed);
      const n = Number(f.leadTime.count);
      if (n > 0 && f.leadTime.meanSeconds !== null) {
        e.leadSum += Number(f.leadTime.meanSeconds) * n;
        e.leadCount += n;
      }
      byEnv.set(f.environment, e);
    }
    return { label: dayLabel(b.since), since: b.since, byEnv };
  });
}

const figureColumns: TableProps.ColumnDefinition<DeliveryFigures>[] = [
  { id: 'model', header: 'Model', cell: (f) => <ModelLink name={f.model} />, sortingField: 'model', isRowHeader: true },
  { id: 'environment', header: 'Environment', cell: (f) => <EnvironmentLink name={f.environment} />, sortingField: 'environment' },
  {
    id: 'deployments',
    header: 'Deployments',
    cell: (f) => (
      <span>
        <span data-testid={`deployments-${f.model}-${f.environment}`}>{num(f.deployments)}</span>{' '}
        <Box variant="span" color="text-body-secondary">
          ({num(f.deploymentsPerDay, 2)} per day)
        </Box>
      </span>
    ),
    sortingField: 'deployments',
  },
  {
    id: 'leadTime',
    header: 'Lead time (median)',
    cell: (f) => seconds(f.leadTime.medianSeconds),
    sortingComparator: (a, b) => Number(a.leadTime.medianSeconds ?? -1) - Number(b.leadTime.medianSeconds ?? -1),
  },
  {
    id: 'changeFailureRate',
    header: 'Change failure rate',
    cell: (f) =>
      Number(f.changeFailureRate.changes) === 0
        ? '-'
        : `${ratePercent(f.changeFailureRate.rate)} (${num(f.changeFailureRate.failed)} of ${num(f.changeFailureRate.changes)})`,
    sortingComparator: (a, b) => Number(a.changeFailureRate.rate ?? -1) - Number(b.changeFailureRate.rate ?? -1),
  },
  {
    id: 'timeToRestore',
    header: 'Time to restore (median)',
    cell: (f) => seconds(f.timeToRestore.medianSeconds),
    sortingComparator: (a, b) => Number(a.timeToRestore.medianSeconds ?? -1) - Number(b.timeToRestore.medianSeconds ?? -1),
  },
];

function DeliveryTable(props: { figures: DeliveryFigures[]; loading: boolean; error: unknown; onRetry: () => void; days: Window; project?: string }) {
  const { items, collectionProps, paginationProps } = useCollection(props.figures, {
    sorting: {},
    pagination: { pageSize: 20 },
  });
  return (
    <Table
      {...collectionProps}
      items={items}
      trackBy={(f) => `${f.model}/${f.environment}`}
      loading={props.loading}
      loadingText="Loading delivery metrics"
      columnDefinitions={figureColumns}
      ariaLabels={{ tableLabel: 'Delivery metrics' }}
      header={
        <Header
          variant="h2"
          counter={props.loading ? undefined : `(${props.figures.length})`}
          description={`Per model and environment over the last ${props.days} days: deployments, lead time from registration to live, the share of changes that failed, and the time to restore after one.`}
        >
          Delivery metrics
        </Header>
      }
      pagination={props.figures.length > 20 ? <Pagination {...paginationProps} /> : undefined}
      empty={
        props.error ? (
          <SpaceBetween size="s">
            <ProblemAlert error={props.error} header="The delivery metrics could not be loaded" />
            <Button onClick={props.onRetry}>Retry</Button>
          </SpaceBetween>
        ) : (
          <Empty title="No deployments">
            {props.project ? `No model of project ${props.project} was deployed` : 'No model was deployed'} in the last {props.days} days.
          </Empty>
        )
      }
    />
  );
}

function DeliveryCharts(props: { buckets: Bucket[]; environments: string[]; loading: boolean; error: boolean; days: Window; onRetry: () => void }) {
  const { buckets, environments } = props;
  const weekly = intervalOf(props.days) === 'week';
  const xHeader = weekly ? 'Week starting (UTC)' : 'Day (UTC)';
  const per = weekly ? 'week' : 'day';
  const xs = buckets.map((b) => b.label);
  const status: 'loading' | 'error' | 'finished' = props.loading ? 'loading' : props.error ? 'error' : 'finished';
  const common = {
    statusType: status,
    loadingText: 'Loading delivery metrics',
    errorText: 'The delivery metrics could not be loaded.',
    recoveryText: 'Retry',
    onRecoveryClick: props.onRetry,
    xScaleType: 'categorical' as const,
    xDomain: xs,
    xTitle: xHeader,
    height: 220,
    hideFilter: true,
    empty: <Empty title="No data">Nothing was deployed in this window.</Empty>,
  };

  const deployments: ChartColumn[] = environments.map((env) => ({ title: env, values: buckets.map((b) => b.byEnv.get(env)?.deployments ?? 0) }));
  const failure: ChartColumn[] = environments.map((env) => ({
    title: env,
    values: buckets.map((b) => {
      const e = b.byEnv.get(env);
      return e && e.changes > 0 ? (e.failed / e.changes) * 100 : null;
    }),
  }));
  const lead: ChartColumn[] = environments.map((env) => ({
    title: env,
    values: buckets.map((b) => {
      const e = b.byEnv.get(env);
      return e && e.leadCount > 0 ? e.leadSum / e.leadCount : null;
    }),
  }));
  const points = (c: ChartColumn) => c.values.flatMap((y, i) => (y === null ? [] : [{ x: xs[i]!, y }]));
  const total = deployments.reduce((s, c) => s + c.values.reduce<number>((a, v) => a + (v ?? 0), 0), 0);
  const busiest = buckets.reduce<{ label: string; n: number } | null>((best, b) => {
    const n = [...b.byEnv.values()].reduce((s, e) => s + e.deployments, 0);
    return n > (best?.n ?? 0) ? { label: b.label, n } : best;
  }, null);
  const withFailures = failure.filter((c) => c.values.some((v) => v !== null && v > 0)).map((c) => c.title);

  // A line per environment; but a point without a neighbour (one busy day in the window) would be a line of no length,
  // which Cloudscape does not draw, so sparse figures are drawn as grouped bars instead: the same numbers, visible.
  const trend = (
    cols: ChartColumn[],
    format: (v: number) => string,
    o: { yTitle: string; yTickFormatter: (v: number) => string; yDomain?: number[]; ariaLabel: string; ariaDescription: (kind: 'Line' | 'Bar') => string },
  ) => {
    const any = cols.some((c) => c.values.some((v) => v !== null));
    const sparse = cols.some((c) => c.values.some((v, i) => v !== null && (c.values[i - 1] ?? null) === null && (c.values[i + 1] ?? null) === null));
    const shared = { ...common, yTitle: o.yTitle, yTickFormatter: o.yTickFormatter, yDomain: o.yDomain, ariaLabel: o.ariaLabel };
    if (sparse) {
      // Only the buckets with figures, so the bars stay wide enough to see; in a bucket, an environment without
      // figures is a bar of no height, said as "-".
      const shown = xs.flatMap((_, i) => (cols.some((c) => c.values[i] !== null) ? [i] : []));
      const series = any
        ? cols.map((c) => ({ type: 'bar' as const, title: c.title, data: shown.map((i) => ({ x: xs[i]!, y: c.values[i] ?? 0 })) }))
        : [];
      return (
        <BarChart
          {...shared}
          xDomain={shown.map((i) => xs[i]!)}
          series={series}
          detailPopoverSeriesContent={({ series: s, x }) => {
            const v = cols.find((c) => c.title === s.title)?.values[xs.indexOf(x)] ?? null;
            return { key: s.title, value: v === null ? '-' : format(v) };
          }}
          ariaDescription={o.ariaDescription('Bar')}
        />
      );
    }
    const series = any ? cols.map((c) => ({ type: 'line' as const, title: c.title, data: points(c), valueFormatter: format })) : [];
    return <LineChart {...shared} series={series} ariaDescription={o.ariaDescription('Line')} />;
  };

  return (
    <SpaceBetween size="l">
      <Container header={<Header variant="h2" description={`Per ${per} over the last ${props.days} days, one bar per environment.`}>Deployments over time</Header>}>
        <BarChart
          {...common}
          series={total > 0 ? deployments.map((c) => ({ type: 'bar' as const, title: c.title, data: c.values.map((y, i) => ({ x: xs[i]!, y: y ?? 0 })), valueFormatter: (v: number) => num(v) })) : []}
          stackedBars
          yTitle="Deployments"
          yTickFormatter={(v) => num(v)}
          ariaLabel="Deployments over time"
          ariaDescription={`Bar chart of deployments per ${per} and environment over the last ${props.days} days: ${num(total)} in all${busiest ? `, most on ${busiest.label} (${num(busiest.n)})` : ''}. The same numbers are in the table below the chart.`}
        />
        <ChartDataTable label="Deployments" xHeader={xHeader} xs={xs} columns={deployments} format={(v) => num(v)} />
      </Container>
      <ColumnLayout columns={2}>
        <Container header={<Header variant="h2" description={`Failed changes among those made, per ${per} and environment.`}>Change failure rate over time</Header>}>
          {trend(failure, (v) => `${num(v, 1)} %`, {
            yDomain: [0, 100],
            yTitle: 'Change failure rate (%)',
            yTickFormatter: (v) => `${num(v, 0)} %`,
            ariaLabel: 'Change failure rate over time',
            ariaDescription: (kind) =>
              `${kind} chart of the change failure rate per ${per} and environment, in percent; a ${per} without changes has no ${kind === 'Line' ? 'point' : 'bar'}${kind === 'Bar' ? `, and only the ${per}s with changes are shown` : ''}. ${
                withFailures.length ? `Failures in ${withFailures.join(', ')}.` : 'No failed change in the window.'
              } The same numbers are in the table below the chart.`,
          })}
          <ChartDataTable label="Change failure rate" xHeader={xHeader} xs={xs} columns={failure} format={(v) => `${num(v, 1)} %`} />
        </Container>
        <Container header={<Header variant="h2" description={`Mean time from a version's registration to live, per ${per} and environment.`}>Lead time over time</Header>}>
          {trend(lead, (v) => seconds(v), {
            yTitle: 'Lead time',
            yTickFormatter: (v) => seconds(v),
            ariaLabel: 'Lead time over time',
            ariaDescription: (kind) =>
              `${kind} chart of the mean lead time per ${per} and environment; a ${per} without deployments has no ${kind === 'Line' ? 'point' : 'bar'}${kind === 'Bar' ? `, and only the ${per}s with deployments are shown` : ''}. The same numbers are in the table below the chart.`,
          })}
          <ChartDataTable label="Lead time" xHeader={xHeader} xs={xs} columns={lead} format={(v) => seconds(v)} />
        </Container>
      </ColumnLayout>
    </SpaceBetween>
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Releases in flight and what each waits on.

interface FlightRow {
  id: string;
  model: string;
  version: number;
  status: ReleaseStatus;
  environment: string;
  waitingOn: string;
  since: string;
}

function InFlightTable(props: { rows: FlightRow[]; truncated: boolean; loading: boolean; error: unknown; onRetry: () => void; project?: string; now: number }) {
  const { items, collectionProps, paginationProps, filterProps, filteredItemsCount, actions } = useCollection(props.rows, {
    filtering: {
      empty: (
        <Empty title="No releases in flight">
          {props.project ? `No release of project ${props.project} is on its way.` : 'Every release has finished.'}
        </Empty>
      ),
      noMatch: <Empty title="No matches" action={<Button onClick={() => actions.setFiltering('')}>Clear filter</Button>}>No release in flight matches the filter.</Empty>,
      fields: ['id', 'model', 'status', 'environment', 'waitingOn'],
    },
    sorting: { defaultState: { sortingColumn: { sortingField: 'since' } } },
    pagination: { pageSize: 10 },
  });
  const columns: TableProps.ColumnDefinition<FlightRow>[] = [
    { id: 'id', header: 'Release', cell: (r) => <ReleaseLink id={r.id} />, sortingField: 'id', isRowHeader: true, minWidth: 250 },
    { id: 'model', header: 'Model', cell: (r) => <ModelLink name={r.model} />, sortingField: 'model', minWidth: 140 },
    { id: 'version', header: 'Version', cell: (r) => `v${r.version}`, sortingField: 'version' },
    { id: 'status', header: 'Status', cell: (r) => <ReleaseStatusIndicator status={r.status} />, sortingField: 'status', minWidth: 180 },
    { id: 'waitingOn', header: 'Waiting on', cell: (r) => r.waitingOn, sortingField: 'waitingOn' },
    { id: 'since', header: 'Since', cell: (r) => <span title={timestamp(r.since)}>{relative(r.since, props.now)}</span>, sortingField: 'since', minWidth: 130 },
  ];
  return (
    <Table
      {...collectionProps}
      items={items}
      trackBy="id"
      loading={props.loading}
      loadingText="Loading releases in flight"
      columnDefinitions={columns}
      wrapLines
      ariaLabels={{ tableLabel: 'Releases in flight' }}
      header={
        <Header
          variant="h2"
          counter={props.loading ? undefined : `(${props.rows.length}${props.truncated ? '+' : ''})`}
          description="Releases not finished yet and why each is where it is, the longest waiting first."
        >
          Releases in flight
        </Header>
      }
      filter={
        <TextFilter
          {...filterProps}
          filteringPlaceholder="Find releases in flight"
          filteringAriaLabel="Filter releases in flight"
          countText={`${filteredItemsCount ?? 0} ${filteredItemsCount === 1 ? 'match' : 'matches'}`}
        />
      }
      pagination={<Pagination {...paginationProps} />}
      empty={
        props.error ? (
          <SpaceBetween size="s">
            <ProblemAlert error={props.error} header="The releases in flight could not be loaded" />
            <Button onClick={props.onRetry}>Retry</Button>
          </SpaceBetween>
        ) : (
          collectionProps.empty
        )
      }
    />
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Pending approvals by approver group and age.

const ageBuckets: string[] = ['Under 1 h', '1–24 h', 'Over 24 h'];

interface GroupRow {
  group: string;
  releases: number;
  approvals: number;
  oldest: number; // ms waiting
  ages: [number, number, number];
}

function approvalGroups(waiting: { groups: string[]; remaining: number; since: string }[], now: number): GroupRow[] {
  const rows = new Map<string, GroupRow>();
  for (const w of waiting) {
    const age = Math.max(0, now - Date.parse(w.since));
    const bucket = age < 3_600_000 ? 0 : age < 86_400_000 ? 1 : 2;
    for (const group of w.groups.length ? w.groups : ['(any approver)']) {
      const row = rows.get(group) ?? { group, releases: 0, approvals: 0, oldest: 0, ages: [0, 0, 0] };
      row.releases += 1;
      row.approvals += w.remaining;
      row.oldest = Math.max(row.oldest, age);
      row.ages[bucket] += 1;
      rows.set(group, row);
    }
  }
  return [...rows.values()].sort((a, b) => b.oldest - a.oldest);
}

function PendingApprovals(props: { rows: GroupRow[]; loading: boolean; error: unknown; onRetry: () => void }) {
  const { rows } = props;
  const columns: TableProps.ColumnDefinition<GroupRow>[] = [
    { id: 'group', header: 'Approver group', cell: (r) => r.group, isRowHeader: true },
    { id: 'releases', header: 'Releases waiting', cell: (r) => <span data-testid={`approvals-waiting-${r.group}`}>{num(r.releases)}</span> },
    { id: 'approvals', header: 'Approvals needed', cell: (r) => num(r.approvals) },
    { id: 'oldest', header: 'Oldest waiting', cell: (r) => duration(r.oldest) },
    ...ageBuckets.map((label, i) => ({ id: `age-${i}`, header: `Waiting ${label.toLowerCase()}`, cell: (r: GroupRow) => num(r.ages[i]) })),
  ];
  const total = rows.reduce((s, r) => s + r.releases, 0);
  return (
    <Container
      header={
        <Header variant="h2" counter={props.loading ? undefined : `(${rows.length})`} description="Stages waiting for a vote, per approver group that may give it, and how long they have waited.">
          Pending approvals by group
        </Header>
      }
    >
      <SpaceBetween size="l">
        <Table
          variant="embedded"
          items={rows}
          trackBy="group"
          loading={props.loading}
          loadingText="Loading pending approvals"
          columnDefinitions={columns}
          ariaLabels={{ tableLabel: 'Pending approvals by group' }}
          empty={
            props.error ? (
              <SpaceBetween size="s">
                <ProblemAlert error={props.error} header="The pending approvals could not be loaded" />
                <Button onClick={props.onRetry}>Retry</Button>
              </SpaceBetween>
            ) : (
              <Empty title="No pending approvals">No stage waits for a vote.</Empty>
            )
          }
        />
        {rows.length > 0 ? (
          <BarChart<string>
            series={rows.map((r) => ({ type: 'bar' as const, title: r.group, data: ageBuckets.map((label, i) => ({ x: label, y: r.ages[i]! })), valueFormatter: (v: number) => num(v) }))}
            xScaleType="categorical"
            xDomain={ageBuckets}
            xTitle="Waiting for"
            yTitle="Releases waiting"
            yTickFormatter={(v) => num(v)}
            stackedBars
            hideFilter
            height={160}
            ariaLabel="Pending approvals by age"
            ariaDescription={`Bar chart of ${num(total)} waiting approvals by how long they have waited (${ageBuckets.join(', ')}), one bar per approver group. The same numbers are in the table above.`}
          />
        ) : null}
      </SpaceBetween>
    </Container>
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Recent rollbacks.

function RollbacksTable(props: { events: RollbackEvent[]; loading: boolean; error: unknown; onRetry: () => void; project?: string; now: number }) {
  const follow = useFollow();
  const { items, collectionProps, paginationProps } = useCollection(props.events, { pagination: { pageSize: 10 } });
  const release = (id: string | null, model: string, version: number | null) => (id ? <ReleaseLink id={id} text={version !== null ? `${model} v${version}` : id} /> : '-');
  const columns: TableProps.ColumnDefinition<RollbackEvent>[] = [
    { id: 'at', header: 'When', cell: (e) => <span title={timestamp(e.at)}>{relative(e.at, props.now)}</span>, isRowHeader: true, minWidth: 130 },
    { id: 'environment', header: 'Environment', cell: (e) => <EnvironmentLink name={e.environment} /> },
    { id: 'model', header: 'Model', cell: (e) => <ModelLink name={e.model} />, minWidth: 140 },
    { id: 'takenOut', header: 'Rolled back', cell: (e) => release(e.takenOut, e.model, e.takenOutVersion), minWidth: 160 },
    { id: 'restored', header: 'Restored', cell: (e) => release(e.restored, e.model, e.restoredVersion), minWidth: 160 },
    {
      id: 'how',
      header: 'How',
      cell: (e) =>
        e.kind === 'rollback' && e.rollbackId ? (
          <Link href={`/rollbacks/${encodeURIComponent(e.rollbackId)}`} onFollow={follow}>
            Rollback {e.rollbackId}
          </Link>
        ) : (
          <StatusIndicator type="warning">Automatic{e.reason ? `: ${e.reason}` : ''}</StatusIndicator>
        ),
    },
  ];
  return (
    <Table
      {...collectionProps}
      items={items}
      trackBy="key"
      loading={props.loading}
      loadingText="Loading rollbacks"
      columnDefinitions={columns}
      wrapLines
      ariaLabels={{ tableLabel: 'Recent rollbacks' }}
      header={
        <Header
          variant="h2"
          counter={props.loading ? undefined : `(${props.events.length})`}
          description={`Rollbacks people started (among the last ${historyLimit} deployments of each environment) and releases rolled back automatically after a failed verification, newest first.`}
        >
          Recent rollbacks
        </Header>
      }
      pagination={props.events.length > 10 ? <Pagination {...paginationProps} /> : undefined}
      empty={
        props.error ? (
          <SpaceBetween size="s">
            <ProblemAlert error={props.error} header="The rollbacks could not be loaded" />
            <Button onClick={props.onRetry}>Retry</Button>
          </SpaceBetween>
        ) : (
          <Empty title="No rollbacks">{props.project ? `No model of project ${props.project} was rolled back recently.` : 'Nothing was rolled back recently.'}</Empty>
        )
      }
    />
  );
}

// ---------------------------------------------------------------------------------------------------------------

function Figure({ label, value, detail, testId }: { label: string; value: string; detail?: string; testId: string }) {
  return (
    <div>
      <Box variant="awsui-key-label">{label}</Box>
      <Box variant="awsui-value-large" data-testid={testId}>
        {value}
      </Box>
      {detail ? <Box variant="small">{detail}</Box> : null}
    </div>
  );
}

/** Across projects: delivery metrics, releases in flight and what they wait on, pending approvals, recent rollbacks. */
export default function Dashboard() {
  usePageTitle('Dashboard');
  const [params, setParams] = useSearchParams();
  const project = params.get('project') || undefined;
  const days = parseWindow(params.get('window'));
  const now = Date.now();

  const models = useQuery(modelsQuery());
  const environments = useQuery(environmentsQuery());
  const delivery = useQuery(deliveryQuery(days, project));
  const inFlight = useQuery(inFlightQuery());
  const envs: Environment[] = useMemo(() => environments.data?.items ?? [], [environments.data]);
  const envNames = useMemo(() => envs.map((e) => e.name), [envs]);
  const rollbacks = useQuery({ ...rollbacksQuery(envNames), enabled: envNames.length > 0 });

  // The project of each model. The delivery metrics come filtered by the API; the lists are filtered here, so with a
  // project asked for they wait for the models (and say so when the models cannot be had).
  const projectOf = useMemo(() => new Map((models.data ?? []).map((m) => [m.name, m.project])), [models.data]);
  const projects = useMemo(() => [...new Set((models.data ?? []).map((m) => m.project))].sort(), [models.data]);
  const projectPending = !!project && models.isPending;
  const projectError = project && models.isError ? models.error : null;
  const counted = useMemo(
    () => (model: string) => !project || !models.isSuccess || projectOf.get(model) === project,
    [project, projectOf, models.isSuccess],
  );

  const setParam = (key: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next);
  };

  const envOrder = (name: string) => envs.find((e) => e.name === name)?.order ?? Number.MAX_SAFE_INTEGER;
  const figures = useMemo(
    () =>
      (delivery.data?.items ?? [])
        .filter((f) => counted(f.model))
        .sort((a, b) => a.model.localeCompare(b.model) || envOrder(a.environment) - envOrder(b.environment)),
    [delivery.data, counted, envs],
  );
  const buckets = useMemo(() => bucketsOf(delivery.data?.series, counted), [delivery.data, counted]);
  const chartEnvironments = envNames.length ? envNames : [...new Set(figures.map((f) => f.environment))];

  const flights = useMemo(() => (inFlight.data?.items ?? []).filter((r) => counted(r.model)), [inFlight.data, counted]);
  const flightRows: FlightRow[] = useMemo(
    () =>
      flights.map((r) => {
        const w = waitingOn(r, envs, now);
        return { id: r.id, model: r.model, version: r.version, status: r.status, environment: w.environment ?? '', waitingOn: w.text, since: w.since };
      }),
    // `now` moves every render; the rows follow the data and the environments.
    [flights, envs],
  );
  const waitingApprovals = useMemo(
    () =>
      flights.flatMap((r) => {
        const stage = currentStage(r);
        if (!stage || stage.status !== 'AwaitingApproval' || stage.decision) return [];
        const remaining = remainingApprovals(stage);
        if (remaining === 0) return [];
        const groups = envs.find((e) => e.name === stage.environment)?.policy.approverGroups ?? [];
        return [{ groups, remaining, since: stage.approvalRequestedAt ?? r.updatedAt }];
      }),
    [flights, envs],
  );
  const groupRows = approvalGroups(waitingApprovals, now);
  const rollbackEvents = useMemo(() => (rollbacks.data ?? []).filter((e) => counted(e.model)), [rollbacks.data, counted]);

  const start = windowStart(days, now).toISOString();
  const totals = figures.reduce(
    (t, f) => ({ deployments: t.deployments + Number(f.deployments), changes: t.changes + Number(f.changeFailureRate.changes), failed: t.failed + Number(f.changeFailureRate.failed) }),
    { deployments: 0, changes: 0, failed: 0 },
  );
  const rollbacksInWindow = rollbackEvents.filter((e) => e.at >= start).length;

  const projectOptions: SelectProps.Option[] = [{ value: '', label: 'All projects' }, ...projects.map((p) => ({ value: p, label: p }))];
  const selectedProject = projectOptions.find((o) => o.value === (project ?? '')) ?? { value: project, label: project };

  const deliveryLoading = delivery.isPending;
  const inFlightError = inFlight.error ?? projectError;
  const inFlightLoading = !inFlightError && (inFlight.isPending || environments.isPending || projectPending);
  const rollbacksError = rollbacks.error ?? (environments.isError ? environments.error : null) ?? projectError;
  const rollbacksLoading = !rollbacksError && (rollbacks.isPending || projectPending);
  const pendingDash = (loading: boolean, v: string) => (loading ? '…' : v);

  return (
    <Layout
      breadcrumbs={[
        { text: 'ML Release Center', href: '/releases' },
        { text: 'Dashboard', href: '/dashboard' },
      ]}
      content={
        <ContentLayout
          header={
            <Header
              variant="h1"
              description="Delivery across projects: how often and how safely models ship, what is on its way and what it waits on, and what was rolled back."
              actions={
                <SpaceBetween direction="horizontal" size="s" alignItems="center">
                  <Select
                    inlineLabelText="Project"
                    selectedOption={selectedProject}
                    options={projectOptions}
                    onChange={(e) => setParam('project', e.detail.selectedOption.value || undefined)}
                    statusType={models.isPending ? 'loading' : models.isError ? 'error' : 'finished'}
                    loadingText="Loading projects"
                    errorText="The projects could not be loaded"
                    filteringType={projects.length > 8 ? 'auto' : 'none'}
                  />
                  <SegmentedControl
                    label="Time window"
                    selectedId={String(days)}
                    options={[...windows].sort((a, b) => a - b).map((d) => ({ id: String(d), text: `${d} days` }))}
                    onChange={(e) => setParam('window', e.detail.selectedId === String(windows[0]) ? undefined : e.detail.selectedId)}
                  />
                </SpaceBetween>
              }
            >
              Dashboard
            </Header>
          }
        >
          <SpaceBetween size="l">
            {models.isError ? <ProblemAlert error={models.error} header="The projects could not be loaded" /> : null}
            {environments.isError ? <ProblemAlert error={environments.error} header="The environments could not be loaded" /> : null}
            <Container header={<Header variant="h2" description={`${project ? `Project ${project}` : 'All projects'}, the last ${days} days (since ${timestamp(start)}).`}>Overview</Header>}>
              <ColumnLayout columns={5} variant="text-grid" minColumnWidth={150}>
                <Figure
                  label="Deployments"
                  testId="figure-deployments"
                  value={pendingDash(deliveryLoading, delivery.isError ? '-' : num(totals.deployments))}
                  detail={deliveryLoading || delivery.isError ? undefined : `${num(totals.deployments / days, 2)} per day`}
                />
                <Figure
                  label="Change failure rate"
                  testId="figure-change-failure-rate"
                  value={pendingDash(deliveryLoading, totals.changes ? ratePercent(totals.failed / totals.changes) : '-')}
                  detail={deliveryLoading || !totals.changes ? undefined : `${num(totals.failed)} of ${num(totals.changes)} changes failed`}
                />
                <Figure label="Releases in flight" testId="figure-in-flight" value={pendingDash(inFlightLoading, inFlightError ? '-' : num(flightRows.length))} />
                <Figure
                  label="Pending approvals"
                  testId="figure-pending-approvals"
                  value={pendingDash(inFlightLoading, inFlightError ? '-' : num(waitingApprovals.length))}
                  detail={inFlightLoading || !groupRows.length ? undefined : `oldest ${duration(groupRows[0]!.oldest)}`}
                />
                <Figure label="Rollbacks" testId="figure-rollbacks" value={pendingDash(rollbacksLoading, rollbacksError ? '-' : num(rollbacksInWindow))} detail="in the window" />
              </ColumnLayout>
            </Container>
            <DeliveryTable
              figures={figures}
              loading={deliveryLoading}
              error={delivery.isError ? delivery.error : null}
              onRetry={() => void delivery.refetch()}
              days={days}
              project={project}
            />
            <DeliveryCharts
              buckets={buckets}
              environments={chartEnvironments}
              loading={deliveryLoading}
              error={delivery.isError}
              days={days}
              onRetry={() => void delivery.refetch()}
            />
            <InFlightTable
              rows={flightRows}
              truncated={inFlight.data?.truncated ?? false}
              loading={inFlightLoading}
              error={inFlightError}
              onRetry={() => void (inFlight.isError ? inFlight.refetch() : models.refetch())}
              project={project}
              now={now}
            />
            <PendingApprovals
              rows={groupRows}
              loading={inFlightLoading}
              error={inFlightError}
              onRetry={() => void (inFlight.isError ? inFlight.refetch() : models.refetch())}
            />
            <RollbacksTable
              events={rollbackEvents}
              loading={rollbacksLoading}
              error={rollbacksError}
              onRetry={() => void (environments.isError ? environments.refetch() : rollbacks.isError ? rollbacks.refetch() : models.refetch())}
              project={project}
              now={now}
            />
          </SpaceBetween>
        </ContentLayout>
      }
    />
  );
}

