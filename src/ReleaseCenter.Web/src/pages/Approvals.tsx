import { useSearchParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import Box from '@cloudscape-design/components/box';
import Header from '@cloudscape-design/components/header';
import Link from '@cloudscape-design/components/link';
import SplitPanel from '@cloudscape-design/components/split-panel';
import Table from '@cloudscape-design/components/table';
import { pendingApprovalsQuery } from '../api/queries';
import type { PendingApproval } from '../api/types';
import { ApprovalPanel } from '../components/ApprovalPanel';
import { ProblemAlert } from '../components/ProblemAlert';
import { relative, timestamp } from '../components/format';
import { Layout, useFollow } from '../shell/Layout';
import { usePageTitle } from '../shell/usePageTitle';

/** What the signed-in person may vote on now; selecting one opens the approval side panel. */
export default function Approvals() {
  usePageTitle('My approvals');
  const follow = useFollow();
  const [params, setParams] = useSearchParams();
  const pending = useQuery({ ...pendingApprovalsQuery(), refetchInterval: 15_000 });
  const items = pending.data?.items ?? [];
  const selectedId = params.get('selected');
  const selected = items.find((i) => i.releaseId === selectedId);
  const select = (id: string | null) => setParams(id ? { selected: id } : {}, { replace: true });

  return (
    <Layout
      contentType="table"
      breadcrumbs={[
        { text: 'ML Release Center', href: '/releases' },
        { text: 'My approvals', href: '/approvals' },
      ]}
      splitPanel={
        selectedId ? (
          <SplitPanel header={selected ? `${selected.model} v${selected.version}: ${selected.environment}` : 'Approval'} hidePreferencesButton closeBehavior="hide">
            <ApprovalPanel key={selectedId} releaseId={selectedId} />
          </SplitPanel>
        ) : undefined
      }
      splitPanelOpen={!!selectedId}
      onSplitPanelToggle={(open) => {
        if (!open) select(null);
      }}
      content={
        <Table<PendingApproval>
          variant="full-page"
          stickyHeader
          enableKeyboardNavigation
          selectionType="single"
          trackBy="releaseId"
          selectedItems={selected ? [selected] : []}
          onSelectionChange={(e) => select(e.detail.selectedItems[0]?.releaseId ?? null)}
          onRowClick={(e) => select(e.detail.item.releaseId)}
          ariaLabels={{
            tableLabel: 'Approvals waiting for you',
            selectionGroupLabel: 'Approvals',
            itemSelectionLabel: (_, i) => `${i.model} v${i.version} ${i.environment}`,
            allItemsSelectionLabel: () => 'all',
          }}
          loading={pending.isPending}
          loadingText="Loading what waits for you"
          items={items}
          header={
            <Header
              variant="awsui-h1-sticky"
              counter={pending.isPending ? undefined : `(${items.length})`}
              description="Stages waiting for a vote you may give. Select one to see the evidence and vote beside the list."
            >
              My approvals
            </Header>
          }
          columnDefinitions={[
            {
              id: 'release',
              header: 'Release',
              isRowHeader: true,
              cell: (i) => (
                <Link href={`/releases/${i.releaseId}`} onFollow={follow}>
                  {i.model} v{i.version}
                </Link>
              ),
            },
            { id: 'environment', header: 'Environment', cell: (i) => i.environment },
            { id: 'requestedBy', header: 'Requested by', cell: (i) => i.requestedBy },
            { id: 'waiting', header: 'Waiting since', cell: (i) => <span title={timestamp(i.approvalRequestedAt)}>{relative(i.approvalRequestedAt)}</span> },
            { id: 'expires', header: 'Expires', cell: (i) => <span title={timestamp(i.expiresAt)}>{relative(i.expiresAt)}</span> },
            {
              id: 'needed',
              header: 'Still needed',
              cell: (i) => `${i.remaining} of ${i.required}${i.approverGroups?.length ? ` from ${i.approverGroups.join(' or ')}` : ''}`,
            },
          ]}
          empty={
            pending.isError ? (
              <ProblemAlert error={pending.error} header="What waits for you could not be loaded" />
            ) : (
              <Box textAlign="center" color="inherit">
                <Box variant="strong">Nothing waits for you</Box>
                <Box variant="p">Stages you may approve appear here, with the evidence to judge them.</Box>
              </Box>
            )
          }
        />
      }
    />
  );
}
