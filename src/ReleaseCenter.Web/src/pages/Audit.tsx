import { useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ButtonDropdown from '@cloudscape-design/components/button-dropdown';
import CollectionPreferences, { type CollectionPreferencesProps } from '@cloudscape-design/components/collection-preferences';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import DateRangePicker, { type DateRangePickerProps } from '@cloudscape-design/components/date-range-picker';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Link from '@cloudscape-design/components/link';
import Pagination from '@cloudscape-design/components/pagination';
import PropertyFilter, { type PropertyFilterProps } from '@cloudscape-design/components/property-filter';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import SplitPanel from '@cloudscape-design/components/split-panel';
import Table, { type TableProps } from '@cloudscape-design/components/table';
import { download } from '../api/client';
import { useExport } from '../components/useExport';
import { jobRequestOf, runExport } from '../api/exports';
import { asProblem, ProblemError } from '../api/problem';
import { auditPagesQuery, entryKey, subjectHref, verifyAuditChain, type AuditEntry, type AuditFilter, type AuditVerification } from '../api/audit';
import { modelsQuery } from '../api/queries';
import { ProblemAlert } from '../components/ProblemAlert';
import { num, timestamp } from '../components/format';
import { useLocalStorage } from '../components/useLocalStorage';
import { Layout, useFollow } from '../shell/Layout';
import { usePageTitle } from '../shell/usePageTitle';

// ------------------------------------------------------------------ the filter, kept in the URL

const tokenKeys = ['actor', 'action', 'subject', 'project'] as const;
type TokenKey = (typeof tokenKeys)[number];
const units: DateRangePickerProps.TimeUnit[] = ['second', 'minute', 'hour', 'day', 'week', 'month', 'year'];

/** Actions the API writes, offered in the filter before any entry of them is loaded. */
const knownActions = [
  'model.registered',
  'model.version-registered',
  'consumer.registered',
  'consumer.removed',
  'release.requested',
  'release.evaluated',
  'release.approval-requested',
  'release.approved',
  'release.rejected',
  'release.deployment-started',
  'release.deployed',
  'release.verified',
  'release.verification-failed',
  'release.rolled-back',
  'release.cancelled',
  'release.finished',
  'release.reverted',
  'rollback.requested',
  'rollback.approval-requested',
  'rollback.approved',
  'rollback.rejected',
  'rollback.started',
  'rollback.stopped',
  'rollback.completed',
  'environment.unlocked',
  'drift.reported',
  'drift.policy-set',
  'retrain.policy-set',
  'retrain.approved',
  'retrain.skipped',
  'retrain.started',
  'retrain.version-registered',
  'retrain.release-opened',
  'retrain.failed',
];

/** "15-minute" (the URL's form of a relative range) to a range, or null. */
function relativeFromUrl(last: string | null): DateRangePickerProps.RelativeValue | null {
  const m = /^(\d{1,6})-([a-z]+)$/.exec(last ?? '');
  if (!m || !units.includes(m[2] as DateRangePickerProps.TimeUnit)) return null;
  return { type: 'relative', amount: Number(m[1]), unit: m[2] as DateRangePickerProps.TimeUnit };
}

function rangeFromUrl(since: string | null, until: string | null, last: string | null): DateRangePickerProps.Value | null {
  const relative = relativeFromUrl(last);
  if (relative) return relative;
  if (!since && !until) return null;
  // The picker works in UTC (getTimeOffset 0): it takes and gives "+00:00" times.
  const picker = (iso: string | null) => (iso ? iso.replace(/\.\d+Z$|Z$/, '') + '+00:00' : '');
  return { type: 'absolute', startDate: picker(since), endDate: picker(until) };
}

/** The start of "the last N units" before `now`. */
function startOf(range: DateRangePickerProps.RelativeValue, now: number): string {
  const d = new Date(now);
  switch (range.unit) {
    case 'second':
      d.setUTCSeconds(d.getUTCSeconds() - range.amount);
      break;
    case 'minute':
      d.setUTCMinutes(d.getUTCMinutes() - range.amount);
      break;
    case 'hour':
      d.setUTCHours(d.getUTCHours() - range.amount);
      break;
    case 'day':
      d.setUTCDate(d.getUTCDate() - range.amount);
      break;
    case 'week':
      d.setUTCDate(d.getUTCDate() - 7 * range.amount);
      break;
    case 'month':
      d.setUTCMonth(d.getUTCMonth() - range.amount);
      break;
    case 'year':
      d.setUTCFullYear(d.getUTCFullYear() - range.amount);
      break;
  }
  return d.toISOString();
}

/** A picker time ("2026-11-30T18:40:00+00:00") as the API's UTC ISO form. */
function toUtc(value: string): string | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString().replace('.000Z', 'Z');
}

const relativeOptions: DateRangePickerProps.RelativeOption[] = [
  { key: 'last-15-minutes', amount: 15, unit: 'minute', type: 'relative' },
  { key: 'last-1-hour', amount: 1, unit: 'hour', type: 'relative' },
  { key: 'last-1-day', amount: 1, unit: 'day', type: 'relative' },
  { key: 'last-7-days', amount: 7, unit: 'day', type: 'relative' },
  { key: 'last-30-days', amount: 30, unit: 'day', type: 'relative' },
];

const isValidRange: DateRangePickerProps.ValidationFunction = (range) => {
  if (range?.type === 'absolute') {
    const [start, end] = [Date.parse(range.startDate), Date.parse(range.endDate)];
    if (!range.startDate || !range.endDate || Number.isNaN(start) || Number.isNaN(end))
      return { valid: false, errorMessage: 'Give both a start and an end.' };
    if (start > end) return { valid: false, errorMessage: 'The start must not be after the end.' };
  }
  if (range?.type === 'relative' && !(range.amount > 0)) return { valid: false, errorMessage: 'Give a positive amount.' };
  return { valid: true };
};

// ------------------------------------------------------------------ the table

const columns: TableProps.ColumnDefinition<AuditEntry>[] = [
  { id: 'at', header: 'Time (UTC)', cell: (e) => timestamp(e.at).replace(' UTC', ''), width: 190 },
  { id: 'project', header: 'Project', cell: (e) => e.project, width: 140 },
  {
    id: 'seq',
    header: 'Seq',
    isRowHeader: true,
    width: 80,
    // The id lets "Show entry" scroll to the row.
    cell: (e) => <span id={`audit-entry-${entryKey(e)}`}>{e.seq}</span>,
  },
  { id: 'actor', header: 'Actor', cell: (e) => e.actor, width: 150 },
  { id: 'action', header: 'Action', cell: (e) => e.action, width: 220 },
  { id: 'subject', header: 'Subject', cell: (e) => <Subject entry={e} />, width: 280 },
  { id: 'message', header: 'Message', cell: (e) => e.details?.['message'] ?? '-', minWidth: 200 },
];

function Subject({ entry }: { entry: AuditEntry }) {
  const follow = useFollow();
  const href = subjectHref(entry);
  return href ? (
    <Link href={href} onFollow={follow}>
      {entry.subject}
    </Link>
  ) : (
    <>{entry.subject}</>
  );
}

const defaultPreferences: CollectionPreferencesProps.Preferences = {
  pageSize: 50,
  wrapLines: false,
  stripedRows: false,
  contentDisplay: columns.map((c) => ({ id: c.id!, visible: true })),
};

function Mono({ children }: { children: string }) {
  return (
    <Box variant="code" fontSize="body-s">
      <span style={{ wordBreak: 'break-all' }}>{children}</span>
    </Box>
  );
}

function EntryDetails({ entry }: { entry: AuditEntry }) {
  const details = Object.entries(entry.details ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return (
    <SpaceBetween size="l">
      <KeyValuePairs
        columns={2}
        items={[
          { label: 'Project', value: entry.project },
          { label: 'Seq', value: String(entry.seq) },
          { label: 'Time', value: timestamp(entry.at) },
          { label: 'Actor', value: entry.actor },
          { label: 'Action', value: entry.action },
          { label: 'Subject', value: <Subject entry={entry} /> },
        ]}
      />
      <KeyValuePairs
        columns={1}
        items={[
          { label: 'Hash', value: <Mono>{entry.hash}</Mono> },
          { label: 'Previous hash', value: <Mono>{entry.previousHash}</Mono> },
        ]}
      />
      <Table
        variant="embedded"
        wrapLines
        header={
          <Header variant="h3" counter={`(${details.length})`}>
            Details
          </Header>
        }
        ariaLabels={{ tableLabel: `Details of entry ${entry.seq}` }}
        items={details}
        columnDefinitions={[
          { id: 'key', header: 'Key', cell: ([k]) => k, isRowHeader: true, width: 170 },
          { id: 'value', header: 'Value', cell: ([, v]) => (v === '' ? <Box color="text-status-inactive">(empty)</Box> : v) },
        ]}
        empty={<Box textAlign="center">This entry has no details.</Box>}
      />
    </SpaceBetween>
  );
}

// ------------------------------------------------------------------ verify

const entries = (n: number) => `${num(n)} ${n === 1 ? 'entry' : 'entries'}`;

function VerifyChain({ projects, initial, onShowEntry }: { projects: string[]; initial?: string; onShowEntry: (project: string, seq: number) => void }) {
  const [chosen, setChosen] = useState<string | null>(null);
  const project = chosen ?? initial ?? (projects.includes('payments') ? 'payments' : projects[0]) ?? '';
  const client = useQueryClient();
  const [background, setBackground] = useState<string | null>(null);
  const verify = useMutation({
    // A chain too long to walk within one request (the API's 413) is verified by an export job; its report is the same.
    mutationFn: async (p: string): Promise<AuditVerification> => {
      setBackground(null);
      try {
        return await verifyAuditChain(p || undefined);
      } catch (e) {
        const request = jobRequestOf(e);
        if (!request) throw e;
        const why = asProblem(e).detail ?? '';
        const job = await runExport(request, (j) =>
          setBackground(`${why.split('.')[0]}. It is being verified in the background (export job ${j.id}, ${j.status.toLowerCase()}).`),
        );
        setBackground(null);
        if (job.status === 'Failed' || !job.verification) throw new ProblemError(500, { title: 'The verification job failed', detail: job.error ?? undefined });
        return job.verification;
      }
    },
    // A broken chain means the table may show entries as they were read before the change: read them again.
    onSuccess: (r) => (r.valid ? undefined : client.invalidateQueries({ queryKey: ['audit'] })),
  });
  const result: AuditVerification | undefined = verify.data;
  const options = [{ value: '', label: 'All projects' }, ...projects.map((p) => ({ value: p, label: p }))];
  return (
    <Container
      header={
        <Header
          variant="h2"
          description="Each entry's hash covers its content and the hash of the entry before it: a changed, removed or inserted entry breaks the chain. Anchors of each chain, kept where no one can change them, catch a rewrite of the whole chain."
        >
          Verify the hash chain
        </Header>
      }
    >
      <SpaceBetween size="m">
        <SpaceBetween direction="horizontal" size="xs" alignItems="end">
          <FormField label="Project" stretch={false}>
            <div style={{ minWidth: 240 }}>
              <Select
                selectedOption={options.find((o) => o.value === project) ?? null}
                options={options}
                onChange={(e) => {
                  setChosen(e.detail.selectedOption.value ?? '');
                  verify.reset();
                }}
                placeholder="Choose a project"
                filteringType={projects.length > 8 ? 'auto' : 'none'}
              />
            </div>
          </FormField>
          <Button onClick={() => verify.mutate(project)} loading={verify.isPending}>
            Verify chain
          </Button>
        </SpaceBetween>
        {verify.isPending && background ? <Alert type="info">{background}</Alert> : null}
        {verify.isError ? <ProblemAlert error={verify.error} header="The chain could not be verified" /> : null}
        {result ? (
          result.valid ? (
            <Alert type="success" header={`Chain valid: ${entries(result.entriesChecked)} checked`}>
              {result.project ? `Every entry of ${result.project} links to the one before it and matches its hash.` : 'Every project’s chain is intact.'}
              {result.anchorsChecked
                ? result.anchorsChecked === 1
                  ? ' It agrees with the anchor kept outside the table, where no one can change it.'
                  : ` It agrees with all ${num(result.anchorsChecked)} anchors kept outside the table, where no one can change them.`
                : ' No anchor has been written yet to check it against.'}
            </Alert>
          ) : (
            <Alert
              type="error"
              header={
                result.anchor
                  ? `Chain rewritten: entry ${result.firstInvalidSeq} contradicts an anchor`
                  : result.firstInvalidSeq != null
                    ? `Chain broken at entry ${result.firstInvalidSeq}`
                    : 'Chain broken'
              }
              action={
                result.firstInvalidSeq != null && result.project ? (
                  <Button onClick={() => onShowEntry(result.project!, result.firstInvalidSeq!)}>Show entry {result.firstInvalidSeq}</Button>
                ) : undefined
              }
            >
              <SpaceBetween size="xxs">
                <div>{result.reason ?? 'The chain does not verify.'}</div>
                <div>
                  {result.anchor
                    ? `Project ${result.project ?? '-'}: the chain is consistent in itself (${entries(result.entriesChecked)}), but not with anchor ${result.anchor}, which was written outside the table where it cannot be changed.`
                    : `Project ${result.project ?? '-'}: ${entries(result.entriesChecked)} verified before the break.`}
                </div>
              </SpaceBetween>
            </Alert>
          )
        ) : null}
      </SpaceBetween>
    </Container>
  );
}

// ------------------------------------------------------------------ the page

export default function Audit() {
  usePageTitle('Audit log');
  const [params, setParams] = useSearchParams();
  const [preferences, setPreferences] = useLocalStorage('rc.audit.preferences', defaultPreferences);
  const pageSize = preferences.pageSize ?? 50;
  const [now, setNow] = useState(() => Date.now());

  const since = params.get('since');
  const until = params.get('until');
  const last = params.get('last');
  const actor = params.get('actor') ?? undefined;
  const action = params.get('action') ?? undefined;
  const subject = params.get('subject') ?? undefined;
  const project = params.get('project') ?? undefined;
  const entry = params.get('entry') ?? undefined;

  const range = useMemo(() => rangeFromUrl(since, until, last), [since, until, last]);
  const apiFilter = useMemo<AuditFilter>(() => {
    const f: AuditFilter = {};
    if (range?.type === 'relative') f.since = startOf(range, now);
    else if (range?.type === 'absolute') {
      f.since = toUtc(range.startDate);
      f.until = toUtc(range.endDate);
    }
    if (actor) f.actor = actor;
    if (action) f.action = action;
    if (subject) f.subject = subject;
    if (project) f.project = project;
    for (const k of Object.keys(f) as (keyof AuditFilter)[]) if (!f[k]) delete f[k];
    return f;
  }, [range, now, actor, action, subject, project]);
  const filtered = Object.keys(apiFilter).length > 0;
  const signature = JSON.stringify(apiFilter);

  const pages = useInfiniteQuery(auditPagesQuery(apiFilter));
  const loaded = useMemo(() => pages.data?.pages.flatMap((p) => p.items) ?? [], [pages.data]);
  const rows = loaded;

  // Which page of rows is shown, per filter: another filter starts on page 1.
  const [paging, setPaging] = useState({ signature, index: 1 });
  const requestedIndex = paging.signature === signature ? paging.index : 1;
  const setPageIndex = (index: number) => setPaging({ signature, index });
  // "Show entry N": load pages until the entry is among them, then open its page.
  const [jumpTo, setJumpTo] = useState<string | undefined>(entry);
  const jumpTarget = jumpTo ? rows.findIndex((e) => entryKey(e) === jumpTo) : -1;

  const { hasNextPage, isFetchingNextPage, isFetchNextPageError, fetchNextPage } = pages;
  const wanted = jumpTo && jumpTarget < 0 ? Number.POSITIVE_INFINITY : requestedIndex * pageSize;
  const needMore = rows.length < wanted && hasNextPage && !pages.isPending;
  useEffect(() => {
    if (needMore && !isFetchingNextPage && !isFetchNextPageError) void fetchNextPage();
  }, [needMore, isFetchingNextPage, isFetchNextPageError, fetchNextPage]);

  useEffect(() => {
    if (!jumpTo) return;
    if (jumpTarget >= 0) {
      setPaging({ signature, index: Math.floor(jumpTarget / pageSize) + 1 });
      setJumpTo(undefined);
      const id = `audit-entry-${jumpTo}`;
      requestAnimationFrame(() => document.getElementById(id)?.scrollIntoView({ block: 'center' }));
    } else if (!hasNextPage && !pages.isPending && !isFetchingNextPage) {
      setJumpTo(undefined);
    }
  }, [jumpTo, jumpTarget, pageSize, signature, hasNextPage, pages.isPending, isFetchingNextPage]);

  const pagesCount = Math.max(1, Math.ceil(rows.length / pageSize));
  const pageIndex = hasNextPage ? requestedIndex : Math.min(requestedIndex, pagesCount);
  const items = rows.slice((pageIndex - 1) * pageSize, pageIndex * pageSize);
  const pageLoading = pages.isPending || (items.length === 0 && (needMore || isFetchingNextPage));

  const models = useQuery(modelsQuery());
  const projects = useMemo(
    () => [...new Set([...(models.data ?? []).map((m) => m.project), ...loaded.map((e) => e.project)])].filter(Boolean).sort(),
    [models.data, loaded],
  );
  const selected = entry ? rows.find((e) => entryKey(e) === entry) : undefined;

  const setParam = (changes: Record<string, string | undefined>, replace = false) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next, { replace });
  };

  const query: PropertyFilterProps.Query = {
    operation: 'and',
    tokens: tokenKeys.flatMap((k) => {
      const v = params.get(k);
      return v ? [{ propertyKey: k, operator: '=', value: v }] : [];
    }),
  };
  const properties: PropertyFilterProps.FilteringProperty[] = [
    { key: 'actor', propertyLabel: 'Actor', groupValuesLabel: 'Actors', operators: ['='] },
    { key: 'action', propertyLabel: 'Action', groupValuesLabel: 'Actions', operators: ['='] },
    { key: 'subject', propertyLabel: 'Subject', groupValuesLabel: 'Subjects', operators: ['='] },
    { key: 'project', propertyLabel: 'Project', groupValuesLabel: 'Projects', operators: ['='] },
  ];
  const options: PropertyFilterProps.FilteringOption[] = [
    ...[...new Set(loaded.map((e) => e.actor))].sort().map((v) => ({ propertyKey: 'actor', value: v })),
    ...[...new Set([...knownActions, ...loaded.map((e) => e.action)])].sort().map((v) => ({ propertyKey: 'action', value: v })),
    ...[...new Set(loaded.map((e) => e.subject))].slice(0, 200).map((v) => ({ propertyKey: 'subject', value: v })),
    ...projects.map((v) => ({ propertyKey: 'project', value: v })),
  ];

  const exportFile = useExport();
  const exportAs = (format: 'csv' | 'jsonl') =>
    exportFile('audit export', () => download('/v1/audit/export', { format, ...apiFilter }, `audit.${format}`));

  const clearFilter = () => setParams(new URLSearchParams());
  const count = pages.isPending ? undefined : `(${rows.length}${hasNextPage ? '+' : ''})`;

  return (
    <Layout
      breadcrumbs={[
        { text: 'ML Release Center', href: '/releases' },
        { text: 'Audit log', href: '/audit' },
      ]}
      splitPanel={
        entry ? (
          <SplitPanel header={selected ? `Entry ${selected.seq} of ${selected.project}` : 'Audit entry'} hidePreferencesButton closeBehavior="hide">
            {selected ? (
              <EntryDetails entry={selected} />
            ) : jumpTo || pages.isPending ? (
              <Box>Looking for entry {entry}…</Box>
            ) : (
              <Alert type="warning" header="Entry not found">
                Entry {entry} is not among the entries of this filter.
              </Alert>
            )}
          </SplitPanel>
        ) : undefined
      }
      splitPanelOpen={!!entry}
      onSplitPanelToggle={(open) => {
        if (!open) setParam({ entry: undefined }, true);
      }}
      content={
        <ContentLayout
          header={
            <Header
              variant="h1"
              description="Every change the release center made or was asked to make, newest first, in a tamper-evident hash chain per project. Times are UTC; the filter is part of the link."
              actions={
                <ButtonDropdown
                  items={[
                    { id: 'csv', text: 'CSV', description: 'Every entry of the current filter, oldest first' },
                    { id: 'jsonl', text: 'JSON Lines', description: 'Every entry of the current filter, oldest first' },
                  ]}
                  onItemClick={(e) => void exportAs(e.detail.id as 'csv' | 'jsonl')}
                >
                  Export
                </ButtonDropdown>
              }
            >
              Audit log
            </Header>
          }
        >
          <SpaceBetween size="l">
            <VerifyChain
              projects={projects}
              initial={project}
              onShowEntry={(p, seq) => {
                const key = `${p}/${seq}`;
                setJumpTo(key);
                setParams(new URLSearchParams({ project: p, entry: key }));
              }}
            />
            <Table
              enableKeyboardNavigation
              stickyHeader
              resizableColumns
              trackBy={entryKey}
              items={items}
              loading={pageLoading}
              loadingText="Loading audit entries"
              columnDefinitions={columns}
              columnDisplay={preferences.contentDisplay}
              wrapLines={preferences.wrapLines}
              stripedRows={preferences.stripedRows}
              selectionType="single"
              selectedItems={selected ? [selected] : []}
              onSelectionChange={(e) => {
                const picked = e.detail.selectedItems[0];
                setParam({ entry: picked ? entryKey(picked) : undefined }, true);
              }}
              ariaLabels={{
                tableLabel: 'Audit entries',
                selectionGroupLabel: 'Audit entries',
                itemSelectionLabel: (_, e) => `Entry ${e.seq} of ${e.project}`,
                allItemsSelectionLabel: () => 'all',
              }}
              header={
                <Header
                  variant="h2"
                  counter={count}
                  description="Select an entry to see its details and hashes."
                  actions={
                    <Button iconName="refresh" ariaLabel="Refresh the audit log" onClick={() => (range?.type === 'relative' ? setNow(Date.now()) : void pages.refetch())} />
                  }
                >
                  Entries
                </Header>
              }
              filter={
                <div style={{ display: 'flex', flexWrap: 'wrap', gap: 8, alignItems: 'flex-start' }}>
                  <div style={{ flex: '1 1 360px' }}>
                    <PropertyFilter
                      query={query}
                      onChange={(e) => {
                        const changes: Record<string, string | undefined> = { entry: undefined };
                        for (const k of tokenKeys) changes[k] = undefined;
                        // One value per field: a later token of the same field replaces an earlier one.
                        for (const t of e.detail.tokens) {
                          const v = String(t.value ?? '').trim();
                          if (t.propertyKey && (tokenKeys as readonly string[]).includes(t.propertyKey) && v) changes[t.propertyKey as TokenKey] = v.slice(0, 500);
                        }
                        setParam(changes);
                      }}
                      filteringProperties={properties}
                      filteringOptions={options}
                      disableFreeTextFiltering
                      hideOperations
                      filteringPlaceholder="Filter by actor, action, subject or project"
                      filteringAriaLabel="Filter audit entries"
                      countText={pages.isPending ? undefined : `${rows.length}${hasNextPage ? '+' : ''} matches`}
                      expandToViewport
                    />
                  </div>
                  <div style={{ flex: '0 1 340px' }}>
                    <DateRangePicker
                      value={range}
                      onChange={(e) => {
                        const v = e.detail.value;
                        if (!v) setParam({ since: undefined, until: undefined, last: undefined, entry: undefined });
                        else if (v.type === 'relative') {
                          setNow(Date.now());
                          setParam({ since: undefined, until: undefined, last: `${v.amount}-${v.unit}`, entry: undefined });
                        } else setParam({ since: toUtc(v.startDate), until: toUtc(v.endDate), last: undefined, entry: undefined });
                      }}
                      relativeOptions={relativeOptions}
                      isValidRange={isValidRange}
                      getTimeOffset={() => 0}
                      placeholder="Filter by a time range (UTC)"
                      ariaLabel="Time range (UTC)"
                      expandToViewport
                      showClearButton
                    />
                  </div>
                </div>
              }
              pagination={
                <Pagination
                  currentPageIndex={pageIndex}
                  pagesCount={pagesCount}
                  openEnd={hasNextPage}
                  onChange={(e) => setPageIndex(e.detail.currentPageIndex)}
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
                    title: 'Entries per page',
                    options: [25, 50, 100].map((n) => ({ value: n, label: `${n} entries` })),
                  }}
                  wrapLinesPreference={{ label: 'Wrap lines' }}
                  stripedRowsPreference={{ label: 'Striped rows' }}
                  contentDisplayPreference={{ title: 'Columns', options: columns.map((c) => ({ id: c.id!, label: String(c.header) })) }}
                />
              }
              footer={
                isFetchNextPageError ? (
                  <SpaceBetween size="s">
                    <ProblemAlert error={pages.error} header="More entries could not be loaded" />
                    <Button onClick={() => void fetchNextPage()}>Retry</Button>
                  </SpaceBetween>
                ) : undefined
              }
              empty={
                pages.isError ? (
                  <SpaceBetween size="s">
                    <ProblemAlert error={pages.error} header="The audit log could not be loaded" />
                    <Button onClick={() => void pages.refetch()}>Retry</Button>
                  </SpaceBetween>
                ) : filtered ? (
                  <Box textAlign="center" color="inherit">
                    <SpaceBetween size="s">
                      <Box variant="strong">No matches</Box>
                      <Box variant="p">No audit entry matches this filter.</Box>
                      <Button onClick={clearFilter}>Clear filter</Button>
                    </SpaceBetween>
                  </Box>
                ) : (
                  <Box textAlign="center" color="inherit">
                    <SpaceBetween size="s">
                      <Box variant="strong">No audit entries yet</Box>
                      <Box variant="p">Registering a model or requesting a release writes the first entry.</Box>
                    </SpaceBetween>
                  </Box>
                )
              }
            />
          </SpaceBetween>
        </ContentLayout>
      }
    />
  );
}

