import { useState } from 'react';
import { useNavigate } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Link from '@cloudscape-design/components/link';
import Modal from '@cloudscape-design/components/modal';
import Select, { type SelectProps } from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import Textarea from '@cloudscape-design/components/textarea';
import { api, ok } from '../api/client';
import { environmentHistoryQuery, rollbackPreviewQuery } from '../api/environments';
import { asProblem } from '../api/problem';
import { useFlash } from '../shell/flash';
import { useFollow } from '../shell/Layout';
import { MetricDiffTable, metricSentence, verdictType } from './MetricDiffTable';
import { ProblemAlert } from './ProblemAlert';
import { ReleaseStatusIndicator, StageStatusIndicator } from './ReleaseStatus';
import { relative, timestamp } from './format';

/**
 * "Roll back": the impact preview first (live and target, metric deltas with verdicts, releases
 * in flight, the endpoint's consumers, approval and blockers), a target picker and a required
 * reason; nothing runs until the person confirms.
 */
export function RollbackModal({ environment, model, onClose }: { environment: string; model: string; onClose: () => void }) {
  const navigate = useNavigate();
  const follow = useFollow();
  const flash = useFlash();
  const client = useQueryClient();
  const [target, setTarget] = useState<string | undefined>(undefined);
  const [reason, setReason] = useState('');
  const [tried, setTried] = useState(false);
  const preview = useQuery(rollbackPreviewQuery(environment, model, target));
  const history = useQuery(environmentHistoryQuery(environment, undefined, model));

  const run = useMutation({
    mutationFn: () =>
      ok(
        api.POST('/v1/environments/{env}/rollback', {
          params: { path: { env: environment } },
          body: { model, toRelease: target ?? preview.data?.target?.release ?? null, reason: reason.trim() },
        }),
      ),
    onSuccess: (answer) => {
      void client.invalidateQueries({ queryKey: ['environments'] });
      void client.invalidateQueries({ queryKey: ['environment', environment] });
      if (answer.noOp || !answer.rollbackId) {
        flash.push({ type: 'info', header: 'Nothing to do', content: answer.message });
        onClose();
        return;
      }
      flash.push({ type: 'success', header: `Rolling back ${environment}`, content: answer.message });
      navigate(`/rollbacks/${answer.rollbackId}`);
    },
  });

  const p = preview.data;
  const live = p?.live;
  // Every release this model served here, newest first (the live one included: choosing it is explained as a no-op).
  const seen = new Set<string>();
  const targets: SelectProps.Option[] = [];
  for (const d of history.data?.items ?? []) {
    if (seen.has(d.release)) continue;
    seen.add(d.release);
    const now = d.release === live?.release;
    targets.push({
      value: d.release,
      label: `v${d.version} (${d.release})`,
      description: now ? 'live now: rolling back to it changes nothing' : `live from ${timestamp(d.deployedAt)}${d.kind === 'rollback' ? ', by a rollback' : ''}`,
    });
  }
  const selected = targets.find((o) => o.value === (target ?? p?.target?.release)) ?? null;
  const reasonError = tried && !reason.trim() ? 'Say why you are rolling back: it goes in the audit log and the notification.' : undefined;
  const picker = (
    <FormField label="Roll back to" description="Earlier releases that served here. The default is the newest one no rollback took out.">
      <Select
        selectedOption={selected}
        options={targets}
        onChange={(e) => setTarget(e.detail.selectedOption.value)}
        placeholder={p?.target ? `v${p.target.version} (${p.target.release})` : 'Nothing to roll back to'}
        statusType={history.isPending ? 'loading' : 'finished'}
        empty="No earlier release served here"
      />
    </FormField>
  );
  const submit = () => {
    setTried(true);
    if (reason.trim() && p?.canExecute) run.mutate();
  };

  return (
    <Modal
      visible
      size="large"
      onDismiss={onClose}
      header={`Roll back ${model} in ${environment}`}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Cancel
            </Button>
            <Button variant="primary" disabled={!p?.canExecute || preview.isError || preview.isPlaceholderData} loading={run.isPending} onClick={submit}>
              Roll back {environment}
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <Form>
        <SpaceBetween size="l">
          {preview.isPending ? (
            <Box>
              <Spinner /> Working out what the rollback would change
            </Box>
          ) : preview.isError ? (
            <SpaceBetween size="m">
              <ProblemAlert error={preview.error} header="The impact preview failed" />
              {target ? picker : null}
            </SpaceBetween>
          ) : p ? (
            <>
              {p.noOp ? (
                <Alert type="info" header="Nothing would change">
                  {p.message}
                </Alert>
              ) : !p.canExecute ? (
                <Alert type="warning" header={p.lockedBy ? `${environment} is locked` : 'This rollback cannot run now'}>
                  <SpaceBetween size="xxs">
                    <div>{p.message}</div>
                    {p.lockedBy ? (
                      <div>
                        Release{' '}
                        <Link href={`/releases/${p.lockedBy}`} onFollow={follow}>
                          {p.lockedBy}
                        </Link>{' '}
                        holds the environment while it deploys; roll back when it has finished, or cancel it.
                      </div>
                    ) : null}
                    {p.blockers.filter((b) => b !== p.message).map((b) => (
                      <div key={b}>{b}</div>
                    ))}
                  </SpaceBetween>
                </Alert>
              ) : null}
              <ColumnLayout columns={2} variant="text-grid">
                <KeyValuePairs
                  items={[
                    {
                      label: 'Live now',
                      value: live ? (
                        <Link href={`/releases/${live.release}`} onFollow={follow}>
                          v{live.version} ({live.release})
                        </Link>
                      ) : (
                        '-'
                      ),
                      info: live ? <Box variant="small">since {timestamp(live.deployedAt)}</Box> : undefined,
                    },
                  ]}
                />
                {picker}
              </ColumnLayout>
              {p.diff && !p.noOp ? (
                <SpaceBetween size="s">
                  <Header variant="h3" description="From what is live to the target: what the endpoint's callers will notice.">
                    Metric changes
                  </Header>
                  <ul aria-label="What the rollback changes" style={{ margin: 0, paddingInlineStart: 20 }}>
                    {p.diff.metrics.map((m) => (
                      <li key={m.metric}>
                        <StatusIndicator type={verdictType(m)}>{metricSentence(m)}</StatusIndicator>
                      </li>
                    ))}
                  </ul>
                  <MetricDiffTable
                    compact
                    diff={p.diff}
                    fromLabel={live ? `Live (v${live.version})` : 'Live'}
                    toLabel={p.target ? `Target (v${p.target.version})` : 'Target'}
                  />
                </SpaceBetween>
              ) : null}
              <Table
                variant="embedded"
                header={
                  <Header variant="h3" counter={`(${p.consumers.length})`} description={`Who calls ${p.endpointName}: tell them before you roll back.`}>
                    Consumers of the endpoint
                  </Header>
                }
                trackBy="name"
                items={p.consumers}
                columnDefinitions={[
                  { id: 'name', header: 'Consumer', cell: (c) => c.name, isRowHeader: true },
                  { id: 'contact', header: 'Contact', cell: (c) => c.contact ?? '-' },
                  { id: 'description', header: 'Uses it for', cell: (c) => c.description ?? '-' },
                ]}
                empty={<Box color="text-status-inactive">No consumer is registered for this endpoint.</Box>}
              />
              <Table
                variant="embedded"
                header={
                  <Header variant="h3" counter={`(${p.inFlight.length})`} description={`Unfinished releases with a stage still to run in ${environment}.`}>
                    Releases in flight
                  </Header>
                }
                trackBy="id"
                items={p.inFlight}
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
                  { id: 'version', header: 'Version', cell: (r) => `${r.model} v${r.version}` },
                  { id: 'status', header: 'Status', cell: (r) => <ReleaseStatusIndicator status={r.status} /> },
                  { id: 'stage', header: `Its ${environment} stage`, cell: (r) => <StageStatusIndicator status={r.stageStatus} releaseStatus={r.status} /> },
                  { id: 'by', header: 'Requested by', cell: (r) => r.requestedBy },
                ]}
                empty={<Box color="text-status-inactive">No release is on its way to {environment}.</Box>}
              />
              <KeyValuePairs
                columns={2}
                items={[
                  {
                    label: 'Approval',
                    value: p.requiresApproval
                      ? `Needs ${p.requiredApprovals} approval${p.requiredApprovals === 1 ? '' : 's'} from ${p.approverGroups.join(' or ')} before it runs`
                      : 'None needed: it starts as soon as you confirm',
                  },
                  { label: 'Blockers', value: p.blockers.length ? p.blockers.join('; ') : 'None' },
                ]}
              />
              <FormField label="Reason" errorText={reasonError} constraintText="Required. Recorded in the audit log and sent with the notification.">
                <Textarea
                  value={reason}
                  onChange={(e) => setReason(e.detail.value)}
                  placeholder="For example: auc fell in production after v2; back to v1 until it is understood"
                  ariaRequired
                  disabled={!p.canExecute}
                />
              </FormField>
              {run.isError ? (
                <ProblemAlert
                  error={run.error}
                  header={asProblem(run.error).status === 409 ? 'The rollback was refused' : 'The rollback did not start'}
                />
              ) : null}
              {live ? <Box variant="small">Preview taken {relative(new Date(preview.dataUpdatedAt).toISOString())}.</Box> : null}
            </>
          ) : null}
        </SpaceBetween>
      </Form>
    </Modal>
  );
}
