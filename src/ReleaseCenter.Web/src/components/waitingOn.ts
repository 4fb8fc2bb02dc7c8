import type { Environment, Release, ReleaseStatus, Stage } from '../api/types';
import { isTerminal } from '../api/types';
import { relative } from './format';

/** Why a release is where it is, in words (see {@link waitingOn}). */
export interface WaitingOn {
  /** The environment whose stage holds the release now; null when no stage does (a release without stages). */
  environment: string | null;
  /** That stage's status, e.g. "AwaitingApproval"; the release's own status when no stage holds it. */
  stageStatus: ReleaseStatus;
  /**
   * One lower-case phrase for people, e.g. "waiting for 1 approval from approvers-prod for prod, expires in 20 hours",
   * "deploying to staging (canary)", "verifying in prod", "evaluating the gate for dev", "queued for dev".
   */
  text: string;
  /** Since when the release has been in this state (ISO time): the approval request, the deployment's start, else the release's last update. */
  since: string;
}

/**
 * The stage that holds the release now: the first stage with the release's own status, else the first stage not
 * finished. For a finished release, the stage that finished it (the rejected, failed or rolled-back one; the last
 * released one). Null for a release without stages.
 */
export function currentStage(release: Release): Stage | null {
  const stages = release.stages ?? [];
  const same = stages.find((s) => s.status === release.status);
  if (release.status === 'Released') return [...stages].reverse().find((s) => s.status === 'Released') ?? stages[stages.length - 1] ?? null;
  if (same) return same;
  if (!isTerminal(release.status)) return stages.find((s) => !isTerminal(s.status)) ?? null;
  return stages.find((s) => s.status !== 'Released') ?? stages[stages.length - 1] ?? null;
}

/** The distinct people who approved a stage. */
export function approvers(stage: Stage): Set<string> {
  return new Set((stage.approvals ?? []).filter((a) => a.decision === 'approve').map((a) => a.by));
}

/** How many more approvals a waiting stage needs: its required approvals minus the distinct approvers so far (never below 0). */
export function remainingApprovals(stage: Stage): number {
  return Math.max(0, Number(stage.requiredApprovals ?? 0) - approvers(stage).size);
}

/**
 * When a waiting stage expires without a decision: as the stage records it (its release's policy), else (a stage
 * recorded before stages carried it) the request time plus the environment's default timeout; null when unknown.
 */
export function approvalExpiresAt(stage: Stage, environment: Environment | undefined): string | null {
  if (stage.approvalExpiresAt) return stage.approvalExpiresAt;
  const timeout = environment?.policy.approvalTimeoutSeconds;
  if (!stage.approvalRequestedAt || timeout === undefined || timeout === null) return null;
  return new Date(Date.parse(stage.approvalRequestedAt) + Math.max(1, Number(timeout)) * 1000).toISOString();
}

/** Who may approve the stage: the groups its release's policy names, else (older stages) the environment's default groups. */
export function stageApproverGroups(stage: Stage, environment: Environment | undefined): string[] {
  return stage.approverGroups?.length ? stage.approverGroups : environment?.policy.approverGroups ?? [];
}

/** How the stage shifts traffic: as its release's policy says, else (older stages) the environment's default. */
export function stageStrategy(stage: Stage | undefined, environment: Environment | undefined) {
  return stage?.strategy ?? environment?.policy.deployment;
}

/** "approvers-a", "approvers-a or approvers-b"; "an approver" when the policy names no group. */
export function groupsText(groups: readonly string[] | undefined): string {
  return groups && groups.length > 0 ? groups.join(' or ') : 'an approver';
}

const strategyWords: Record<string, string> = { 'all-at-once': 'all at once', canary: 'canary', linear: 'linear' };

/**
 * Explains in words why a release is where it is, for tables of releases in flight (the dashboard, an environment's
 * page). Pure: it reads only the release, the environments' policies (GET /v1/environments `items`) and the clock.
 *
 * - held at the environment's door: "held at prod's door: prod is frozen (ends in 3 hours)", "soaking before prod (enters in 40 seconds)",
 *   "held at prod's door: its endpoint there was changed outside Release Center"
 * - Pending: "queued for dev" (", dev is locked by rel-…" when another release holds the environment's lock)
 * - Evaluating: "evaluating the gate for dev"
 * - AwaitingApproval: "waiting for 1 approval from approvers-prod for prod, expires in 20 hours" (required approvals
 *   minus distinct approvers; the policy's approver groups; the approval request time plus the policy's timeout)
 * - Deploying: "deploying to staging (canary)"; Verifying: "verifying in prod"
 * - finished releases: "released to prod", "rejected in staging", "rolled back in prod", "failed in prod: <error>", …
 *
 * @param release a release as GET /v1/releases returns it (no per-release details needed)
 * @param environments the environments with their policies; an unknown environment just leaves out the policy's words
 * @param now the clock, in epoch milliseconds (for "expires in …")
 */
export function waitingOn(release: Release, environments: readonly Environment[], now: number = Date.now()): WaitingOn {
  const stage = currentStage(release);
  if (!stage) return { environment: null, stageStatus: release.status, text: statusWords(release.status), since: release.updatedAt };
  const env = stage.environment;
  const policy = environments.find((e) => e.name === env);
  const result = (text: string, since: string | null | undefined = null): WaitingOn => ({
    environment: env,
    stageStatus: stage.status,
    text,
    since: since ?? release.updatedAt,
  });

  // Held at the environment's door (a freeze, or a soak upstream): that is what it waits on, whatever its stage's status.
  if (stage.waiting && !isTerminal(stage.status)) {
    const w = stage.waiting;
    if (w.kind === 'freeze') return result(`held at ${env}'s door: ${env} is frozen${w.until ? ` (ends ${relative(w.until, now)})` : ''}`, w.since);
    if (w.kind === 'window') return result(`held at ${env}'s door: outside its release windows${w.until ? ` (opens ${relative(w.until, now)})` : ''}`, w.since);
    if (w.kind === 'hold') return result(`held at ${env}'s door: auto-promotion holds after a rollback`, w.since);
    if (w.kind === 'out-of-band') return result(`held at ${env}'s door: its endpoint there was changed outside Release Center`, w.since);
    return result(`soaking before ${env}${w.until ? ` (enters ${relative(w.until, now)})` : ''}`, w.since);
  }

  switch (stage.status) {
    case 'Pending': {
      const holder = policy?.lockedBy && policy.lockedBy !== release.id ? `, ${env} is locked by ${policy.lockedBy}` : '';
      return result(`queued for ${env}${holder}`);
    }
    case 'Evaluating':
      return result(`evaluating the gate for ${env}`);
    case 'AwaitingApproval': {
      if (stage.decision === 'rejected') return result(`rejected in ${env}`);
      const remaining = remainingApprovals(stage);
      if (remaining === 0) return result(`approved for ${env}, deploying next`, stage.approvalRequestedAt);
      const expires = approvalExpiresAt(stage, policy);
      const when = expires === null ? '' : Date.parse(expires) > now ? `, expires ${relative(expires, now)}` : `, expired ${relative(expires, now)}`;
      const groups = groupsText(stageApproverGroups(stage, policy));
      return result(`waiting for ${remaining} approval${remaining === 1 ? '' : 's'} from ${groups} for ${env}${when}`, stage.approvalRequestedAt);
    }
    case 'Deploying': {
      const strategy = stageStrategy(stage, policy)?.strategy;
      const how = strategy ? ` (${strategyWords[strategy] ?? strategy})` : '';
      return result(`deploying to ${env}${how}`, stage.deployment?.startedAt);
    }
    case 'Verifying':
      return result(`verifying in ${env}`, stage.deployment?.completedAt ?? stage.deployment?.startedAt);
    case 'Released':
      return result(`released to ${env}`);
    case 'Rejected':
      return result(`rejected in ${env}`);
    case 'Expired':
      return result(`approval expired in ${env}`);
    case 'Failed':
      return result(`failed in ${env}${stage.failure?.error ? `: ${stage.failure.error}` : ''}`);
    case 'RolledBack':
      return result(`rolled back in ${env}${stage.verification && !stage.verification.healthy ? `: ${stage.verification.reason}` : ''}`);
    case 'Cancelled':
      return result(`cancelled in ${env}`);
    default:
      return result(`${statusWords(stage.status)} in ${env}`);
  }
}

function statusWords(status: ReleaseStatus): string {
  return status.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
