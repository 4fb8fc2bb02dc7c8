import { useEffect, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ExpandableSection from '@cloudscape-design/components/expandable-section';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Textarea from '@cloudscape-design/components/textarea';
import { api, ok } from '../api/client';
import { asProblem, ProblemError } from '../api/problem';
import { diffAgainstLiveQuery, eligibilityQuery, releaseQuery } from '../api/queries';
import type { EvaluationReport, Release, Stage } from '../api/types';
import { useFlash } from '../shell/flash';
import { Digest } from './Digest';
import { EvaluationTable } from './EvaluationTable';
import { MetricDiffTable } from './MetricDiffTable';
import { ProblemAlert } from './ProblemAlert';
import { relative } from './format';

/** The evidence as it was when the reviewer opened the panel; the vote names exactly these digests. */
interface Snapshot {
  environment: string;
  bundleDigest: string;
  evaluationDigest: string;
  evaluation: EvaluationReport | null | undefined;
}

export function waitingStage(release: Release | undefined): Stage | undefined {
  return release?.stages.find((s) => s.status === 'AwaitingApproval' && !s.decision);
}

function snapshotOf(release: Release): Snapshot | null {
  const stage = waitingStage(release);
  if (!stage) return null;
  return {
    environment: stage.environment,
    bundleDigest: release.bundle?.digest ?? '',
    evaluationDigest: stage.evaluationDigest ?? '',
    evaluation: stage.evaluation,
  };
}

function LiveDiff({ releaseId, environment }: { releaseId: string; environment: string }) {
  const diff = useQuery(diffAgainstLiveQuery(releaseId, environment));
  if (diff.isPending) return <Spinner />;
  if (diff.isError) {
    const p = asProblem(diff.error);
    if (p.status === 404) return <Box color="text-status-inactive">Nothing of this model is live in {environment} yet: no diff to show.</Box>;
    return <ProblemAlert error={diff.error} />;
  }
  return <MetricDiffTable diff={diff.data} />;
}

/**
 * The approval side panel: the evidence (bundle digest, evaluation, diff against live), the votes given and
 * still needed, a comment, and Approve / Reject. Someone who may not vote sees why instead of the buttons.
 */
export function ApprovalPanel({ releaseId }: { releaseId: string }) {
  const flash = useFlash();
  const queryClient = useQueryClient();
  const release = useQuery(releaseQuery(releaseId));
  const stage = waitingStage(release.data);
  const eligibility = useQuery(eligibilityQuery(releaseId, stage?.environment));
  const [snapshot, setSnapshot] = useState<Snapshot | null>(null);
  const [comment, setComment] = useState('');
  const [voteError, setVoteError] = useState<ProblemError | null>(null);
  const [recorded, setRecorded] = useState<string | null>(null);

  // Take the snapshot once, when the evidence first arrives; later changes are shown, never swapped in silently.
  useEffect(() => {
    if (!snapshot && release.data) setSnapshot(snapshotOf(release.data));
  }, [release.data, snapshot]);

  const current = release.data ? snapshotOf(release.data) : null;
  const changed =
    snapshot !== null &&
    current !== null &&
    (current.bundleDigest !== snapshot.bundleDigest || current.evaluationDigest !== snapshot.evaluationDigest || current.environment !== snapshot.environment);

  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: ['release', releaseId] }),
      queryClient.invalidateQueries({ queryKey: ['approvals'] }),
      queryClient.invalidateQueries({ queryKey: ['releases'] }),
    ]);

  const vote = useMutation({
    mutationFn: (decision: 'approve' | 'reject') =>
      ok(
        api.POST('/v1/releases/{id}/approvals', {
          params: { path: { id: releaseId } },
          body: { decision, comment: comment.trim() || null, bundleDigest: snapshot!.bundleDigest, evaluationDigest: snapshot!.evaluationDigest },
        }),
      ),
    onSuccess: async (state, decision) => {
      setVoteError(null);
      setComment('');
      setRecorded(`Your ${decision === 'approve' ? 'approval' : 'rejection'} of ${state.environment} is recorded.`);
      const remaining = Number(state.remaining);
      flash.push({
        type: 'success',
        header:
          decision === 'approve'
            ? `Approved ${state.environment}${state.decision === 'approved' ? '; the release moves on' : ` (${remaining} more needed)`}`
            : `Rejected ${state.environment}`,
      });
      await refresh();
      setSnapshot(null);
    },
    onError: async (e) => {
      const p = asProblem(e);
      setVoteError(p);
      if (p.status === 409) {
        // The evidence moved on (or the stage stopped waiting): show the new evidence, keep the comment.
        flash.push({ type: 'warning', header: `Your vote was not counted: ${p.title}`, content: `${p.detail ?? ''} The panel now shows the current evidence; review it and vote again.` });
        await refresh();
        setSnapshot(null);
      }
    },
  });

  if (release.isPending) return <Spinner size="large" />;
  if (release.isError) return <ProblemAlert error={release.error} />;
  const r = release.data;
  if (!snapshot || !stage) {
    return (
      <SpaceBetween size="s">
        {recorded ? <StatusIndicator type="success">{recorded}</StatusIndicator> : null}
        <Box color="text-status-inactive">
          No stage of {r.model} v{r.version} waits for approval now.
        </Box>
      </SpaceBetween>
    );
  }
  const approvals = stage.approvals ?? [];
  const required = Number(stage.requiredApprovals ?? 0);
  const approvers = new Set(approvals.filter((a) => a.decision === 'approve').map((a) => a.by));
  const e = eligibility.data;

  return (
    <SpaceBetween size="l">
      <Header variant="h3" description={`${r.model} v${r.version}, requested by ${r.requestedBy}`}>
        Approve {snapshot.environment}
      </Header>
      {changed ? (
        <Alert
          type="warning"
          header="The evidence changed"
          action={<Button onClick={() => setSnapshot(current)}>Review the new evidence</Button>}
        >
          The release now shows different evidence than the panel. Your vote names the evidence shown here, so it would be refused.
        </Alert>
      ) : null}
      <KeyValuePairs
        columns={1}
        items={[
          { label: 'Bundle digest', value: <Digest value={snapshot.bundleDigest} label="Bundle digest" /> },
          { label: 'Evaluation digest', value: <Digest value={snapshot.evaluationDigest} label="Evaluation digest" /> },
          {
            label: 'Approvals',
            value: (
              <SpaceBetween size="xxs">
                <Box>
                  {approvers.size} of {required} given, {Math.max(0, required - approvers.size)} still needed
                  {e?.approverGroups?.length ? ` from ${e.approverGroups.join(' or ')}` : ''}
                </Box>
                {e?.expiresAt ? <Box variant="small">Expires {relative(e.expiresAt)}</Box> : null}
                {approvals.map((a) => (
                  <StatusIndicator key={`${a.by}-${a.at}`} type={a.decision === 'approve' ? 'success' : 'error'}>
                    {a.by} {a.decision === 'approve' ? 'approved' : 'rejected'}
                    {a.comment ? `: “${a.comment}”` : ''}
                  </StatusIndicator>
                ))}
              </SpaceBetween>
            ),
          },
        ]}
      />
      <ExpandableSection headerText="Evaluation report" defaultExpanded variant="footer">
        <EvaluationTable report={snapshot.evaluation} />
      </ExpandableSection>
      <ExpandableSection headerText={`Diff against what is live in ${snapshot.environment}`} defaultExpanded variant="footer">
        <LiveDiff releaseId={releaseId} environment={snapshot.environment} />
      </ExpandableSection>
      {eligibility.isPending ? (
        <Spinner />
      ) : eligibility.isError ? (
        <ProblemAlert error={eligibility.error} />
      ) : e && !e.canVote ? (
        <Alert type="info" header={`You cannot vote on ${snapshot.environment}`}>
          <ul aria-label="Why you cannot vote">
            {e.reasons.map((reason) => (
              <li key={reason.kind}>{reason.message}</li>
            ))}
          </ul>
        </Alert>
      ) : (
        <form
          onSubmit={(ev) => {
            ev.preventDefault();
          }}
        >
          <SpaceBetween size="s">
            <FormField
              label="Comment"
              description="Optional; recorded with your vote in the audit log."
              errorText={voteError?.fieldError('comment')}
              constraintText={`${comment.length} of 2000 characters`}
            >
              <Textarea value={comment} onChange={(ev) => setComment(ev.detail.value)} ariaLabel="Comment" rows={3} />
            </FormField>
            {voteError && voteError.status !== 409 ? <ProblemAlert error={voteError} header="Your vote was not counted" /> : null}
            <SpaceBetween direction="horizontal" size="xs">
              <Button onClick={() => vote.mutate('reject')} loading={vote.isPending && vote.variables === 'reject'} disabled={changed || vote.isPending}>
                Reject
              </Button>
              <Button
                variant="primary"
                onClick={() => vote.mutate('approve')}
                loading={vote.isPending && vote.variables === 'approve'}
                disabled={changed || vote.isPending}
              >
                Approve
              </Button>
            </SpaceBetween>
          </SpaceBetween>
        </form>
      )}
    </SpaceBetween>
  );
}
