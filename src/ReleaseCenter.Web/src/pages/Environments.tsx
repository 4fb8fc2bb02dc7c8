import { useState } from 'react';
import { useParams, useSearchParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import Alert from '@cloudscape-design/components/alert';
import Badge from '@cloudscape-design/components/badge';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ButtonDropdown from '@cloudscape-design/components/button-dropdown';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import DatePicker from '@cloudscape-design/components/date-picker';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Link from '@cloudscape-design/components/link';
import ProgressBar from '@cloudscape-design/components/progress-bar';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import TimeInput from '@cloudscape-design/components/time-input';
import { environmentHistoryQuery, inFlightReleasesQuery } from '../api/environments';
import { environmentsQuery, trafficQuery } from '../api/queries';
import { isTerminal, type Deployment, type Environment, type Release } from '../api/types';
import { ProblemAlert } from '../components/ProblemAlert';
import { StageStatusIndicator } from '../components/ReleaseStatus';
import { RollbackModal } from '../components/RollbackModal';
import { duration, num, relative, timestamp } from '../components/format';
import { canChange, isAdmin, isAdminOf, isOrgAdmin, useSession } from '../auth/session';
import { FreezeModal } from '../components/FreezeModal';
import { ReconcileModal } from '../components/ReconcileModal';
import { ReasonModal } from '../components/ReasonModal';
import { api, ok } from '../api/client';
import { waitingOn } from '../components/waitingOn';
import { Layout, useFollow } from '../shell/Layout';
import { usePageTitle } from '../shell/usePageTitle';

/** "2 approvals from approvers-prod, bake 10 min, canary 10 % then the rest after 5 min". */
function strategyText(e: Environment): string {
  const d = e.policy.deployment;
  if (!d) return 'All at once';
  if (d.strategy === 'canary') return `Canary: ${d.canaryPercent ?? '?'} % first, the rest after ${duration(d.waitIntervalSeconds * 1000)}`;
  if (d.strategy === 'linear') return `Linear: ${d.linearStepPercent ?? '?'} % steps every ${duration(d.waitIntervalSeconds * 1000)}`;
  return 'All at once';
}

function approvalsText(e: Environment): string {
  const p = e.policy;
  if (p.requiredApprovals === 0) return 'None';
  return `${p.requiredApprovals} from ${p.approverGroups.join(' or ')}, expiring after ${duration((p.approvalTimeoutSeconds ?? 0) * 1000)}`;
}

/** While a release shifts traffic here, how much each side gets. */
function Traffic({ release, environment }: { release: Release; environment: string }) {
  const traffic = useQuery(trafficQuery(release.id, true));
  const t = traffic.data;
  if (!t?.shifting || t.environment !== environment || t.newPercent === null || t.newPercent === undefined) return <>100 %</>;
  return (
    <ProgressBar
      value={t.newPercent}
      label={`Traffic to v${release.version}`}
      description={`${num(t.newPercent, 1)} % on v${release.version}, ${num(t.previousPercent ?? 100 - t.newPercent, 1)} % on what served before`}
    />
  );
}

function EnvironmentCard({
  env,
  inFlight,
  environments,
  detail,
  onRollback,
}: {
  env: Environment;
  inFlight: Release[];
  environments: Environment[];
  detail: boolean;
  onRollback: (model: string) => void;
}) {
  const follow = useFollow();
  const session = useSession();
  const mayRollBack = canChange(session);
  const here = inFlight.filter((r) => r.stages.some((s) => s.environment === env.name && !isTerminal(s.status)));
  const deploying = here.filter((r) => r.stages.some((s) => s.environment === env.name && s.status === 'Deploying'));
  const models = env.live.map((l) => l.model);
  const [freezing, setFreezing] = useState(false);
  const [liftingFreezeOf, setLiftingFreezeOf] = useState<string | null>(null);
  const [reconciling, setReconciling] = useState<string | null>(null);
  const reconcilingChange = env.outOfBandChanges?.find((c) => c.model === reconciling);
  const [lifting, setLifting] = useState<string | null>(null);
  return (
    <Container
      header={
        <Header
          variant="h2"
          description={env.endpointName ? `Endpoint ${env.endpointName}` : undefined}
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              {isOrgAdmin(session) ? (
                <Button onClick={() => setFreezing(true)} ariaLabel={detail ? undefined : `${env.freeze ? 'Lift the freeze on' : 'Freeze'} ${env.name}`}>
                  {env.freeze ? 'Lift freeze' : 'Freeze'}
                </Button>
              ) : null}
              {detail ? null : (
                <Button href={`/environments/${env.name}`} onFollow={follow} ariaLabel={`History of ${env.name}`}>
                  History
                </Button>
              )}
              {models.length > 1 ? (
                <ButtonDropdown
                  items={models.map((m) => ({ id: m, text: m }))}
                  onItemClick={(e) => onRollback(e.detail.id)}
                  disabled={!mayRollBack}
                  ariaLabel={`Roll back ${env.name}`}
                >
                  Roll back
                </ButtonDropdown>
              ) : (
                <Button
                  disabled={models.length === 0 || !mayRollBack}
                  disabledReason={models.length === 0 ? 'Nothing is live here' : 'Only ml-engineers and release-admins may roll back'}
                  onClick={() => onRollback(models[0]!)}
                  ariaLabel={detail ? undefined : `Roll back ${env.name}`}
                >
                  Roll back
                </Button>
              )}
            </SpaceBetween>
          }
        >
          {detail ? 'Now' : <Link href={`/environments/${env.name}`} onFollow={follow} variant="primary" fontSize="heading-m">{env.name}</Link>}
        </Header>
      }
    >
      <SpaceBetween size="l">
        {env.freeze ? (
          <Alert type="warning" header={`${env.name} is frozen`}>
            {env.freeze.by} froze it {timestamp(env.freeze.at)}
            {env.freeze.until ? `, until ${timestamp(env.freeze.until)}` : ', until it is lifted'}: {env.freeze.reason}. Releases wait at its door;{' '}
            {env.freeze.allowRollbacks ? 'rollbacks proceed.' : 'rollbacks are refused too.'}
          </Alert>
        ) : null}
        {freezing ? <FreezeModal environment={env} onClose={() => setFreezing(false)} /> : null}
        {(env.projectFreezes ?? []).map((f) => (
          <Alert
            key={f.project}
            type="warning"
            header={`${env.name} is frozen for project ${f.project}`}
            action={
              f.project && isAdminOf(session, f.project) ? (
                <Button onClick={() => setLiftingFreezeOf(f.project ?? null)} ariaLabel={`Lift the freeze on ${env.name} for project ${f.project}`}>
                  Lift freeze
                </Button>
              ) : undefined
            }
          >
            {f.by} froze {f.project}'s releases {timestamp(f.at)}
            {f.until ? `, until ${timestamp(f.until)}` : ', until it is lifted'}: {f.reason}. Its releases wait at the door;{' '}
            {f.allowRollbacks ? 'rollbacks proceed.' : 'its rollbacks are refused too.'}
          </Alert>
        ))}
        {liftingFreezeOf ? <FreezeModal environment={env} project={liftingFreezeOf} onClose={() => setLiftingFreezeOf(null)} /> : null}
        {(env.outOfBandChanges ?? []).map((c) => (
          <Alert
            key={c.model}
            type="error"
            header={`${c.endpointName} was changed outside Release Center`}
            action={
              isAdmin(session) ? (
                <Button onClick={() => setReconciling(c.model)} ariaLabel={`Reconcile ${c.endpointName}`}>
                  Reconcile
                </Button>
              ) : undefined
            }
          >
            {c.description}. Releases of {c.model} into {env.name} wait at its door until a release-admin of its project restores the recorded config or adopts what it serves.
          </Alert>
        ))}
        {reconcilingChange ? <ReconcileModal change={reconcilingChange} onClose={() => setReconciling(null)} /> : null}
        {(env.holds ?? []).map((h) => (
          <Alert
            key={h.model}
            type="warning"
            header={`Auto-promotion of ${h.model} into ${env.name} is held`}
            action={
              isAdmin(session) ? (
                <Button onClick={() => setLifting(h.model)} ariaLabel={`Lift the hold on ${h.model}`}>
                  Lift hold
                </Button>
              ) : undefined
            }
          >
            {h.by} rolled {h.model} back {timestamp(h.at)} ({h.rollbackId}): {h.reason}. Its releases wait at {env.name}'s door until the hold is lifted,
            so that none undoes the rollback unseen.
          </Alert>
        ))}
        {lifting ? (
          <ReasonModal
            header={`Lift the hold on ${lifting}?`}
            explanation={`Releases of ${lifting} waiting at ${env.name}'s door go on, and later ones enter without approval again, as its policy says.`}
            action="Lift hold"
            done={`Lifted the hold on ${lifting} in ${env.name}`}
            invalidate={['environments']}
            submit={(reason) =>
              ok(api.POST('/v1/environments/{env}/holds/{model}/lift', { params: { path: { env: env.name, model: lifting } }, body: { reason } }))
            }
            onClose={() => setLifting(null)}
          />
        ) : null}
        <KeyValuePairs
          columns={4}
          items={[
            {
              label: 'Lock',
              value: env.lockedBy ? (
                <StatusIndicator type="in-progress">
                  Held by{' '}
                  <Link href={`/releases/${env.lockedBy}`} onFollow={follow}>
                    {env.lockedBy}
                  </Link>
                </StatusIndicator>
              ) : (
                <StatusIndicator type="success">Free</StatusIndicator>
              ),
            },
            { label: 'Approvals', value: approvalsText(env) },
            { label: 'Bake time', value: env.policy.bakeSeconds ? duration(env.policy.bakeSeconds * 1000) : 'None' },
            { label: 'Deployment', value: strategyText(env) },
          ]}
        />
        <Table
          variant="embedded"
          header={<Header variant="h3" counter={`(${env.live.length})`}>Live</Header>}
          trackBy="model"
          items={env.live}
          columnDefinitions={[
            { id: 'model', header: 'Model', isRowHeader: true, cell: (d) => <Link href={`/models/${encodeURIComponent(d.model)}`} onFollow={follow}>{d.model}</Link> },
            { id: 'release', header: 'Release', cell: (d) => <Link href={`/releases/${d.release}`} onFollow={follow}>{d.release}</Link> },
            { id: 'version', header: 'Version', cell: (d) => `v${d.version}` },
            { id: 'since', header: 'Since', cell: (d) => <span title={timestamp(d.deployedAt)}>{relative(d.deployedAt)}</span> },
            { id: 'how', header: 'By', cell: (d) => (d.kind === 'rollback' ? <Badge color="red">rollback</Badge> : 'release') },
            {
              id: 'traffic',
              header: 'Traffic',
              cell: (d) => {
                const shifting = deploying.find((r) => r.model === d.model);
                return shifting ? <Traffic release={shifting} environment={env.name} /> : '100 %';
              },
            },
          ]}
          empty={<Box color="text-status-inactive">Nothing is live in {env.name}.</Box>}
        />
        <Table
          variant="embedded"
          header={<Header variant="h3" counter={`(${here.length})`} description="Unfinished releases with a stage in this environment, and what each waits on.">In flight</Header>}
          trackBy="id"
          items={here}
          wrapLines
          columnDefinitions={[
            { id: 'id', header: 'Release', isRowHeader: true, cell: (r) => <Link href={`/releases/${r.id}`} onFollow={follow}>{r.id}</Link> },
            { id: 'version', header: 'Version', cell: (r) => `${r.model} v${r.version}` },
            {
              id: 'stage',
              header: `Stage in ${env.name}`,
              cell: (r) => {
                const s = r.stages.find((x) => x.environment === env.name);
                return s ? <StageStatusIndicator status={s.status} releaseStatus={r.status} /> : '-';
              },
            },
            {
              id: 'waiting',
              header: 'Waiting on',
              cell: (r) => {
                const w = waitingOn(r, environments);
                return w.environment === env.name || !w.environment ? w.text : `${w.text}; ${env.name} after that`;
              },
            },
          ]}
          empty={<Box color="text-status-inactive">No release is on its way to {env.name}.</Box>}
        />
      </SpaceBetween>
    </Container>
  );
}

/** ISO time from the picker's date ("2026-11-30") and time ("14:05:00"), read as UTC like every time on the console. */
function isoOf(date: string, time: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  if (!time) return `${date}T23:59:59Z`; // a date alone: what was live at the end of that day
  if (!/^\d{2}:\d{2}(:\d{2})?$/.test(time)) return undefined;
  return `${date}T${time.length === 5 ? `${time}:00` : time}Z`;
}

/** Deployments to one environment, newest first; with a time picked, what was live then. */
function History({ env }: { env: string }) {
  const follow = useFollow();
  const [params, setParams] = useSearchParams();
  const at = params.get('at') ?? undefined;
  const [date, setDate] = useState(at ? at.slice(0, 10) : '');
  const [time, setTime] = useState(at ? at.slice(11, 19) : '');
  const history = useQuery(environmentHistoryQuery(env, at));
  const apply = () => {
    const iso = isoOf(date, time);
    const next = new URLSearchParams(params);
    if (iso) next.set('at', iso);
    else next.delete('at');
    setParams(next, { replace: false });
  };
  const clear = () => {
    setDate('');
    setTime('');
    const next = new URLSearchParams(params);
    next.delete('at');
    setParams(next, { replace: false });
  };
  const items: Deployment[] = history.data?.items ?? [];
  const liveAt = history.data?.liveAt ?? [];
  return (
    <SpaceBetween size="l">
      <Container
        header={
          <Header variant="h2" description="Pick a moment (UTC) to see what served then. Times are those of the audit log.">
            What was live at a time
          </Header>
        }
      >
        <SpaceBetween size="m">
          <SpaceBetween direction="horizontal" size="s" alignItems="end">
            <FormField label="Date" constraintText="YYYY/MM/DD">
              <DatePicker value={date} onChange={(e) => setDate(e.detail.value)} placeholder="YYYY/MM/DD" openCalendarAriaLabel={(d) => `Choose the date${d ? `, selected ${d}` : ''}`} />
            </FormField>
            <FormField label="Time (UTC)" constraintText="hh:mm:ss, 24-hour; empty means the end of the day">
              <TimeInput value={time} onChange={(e) => setTime(e.detail.value)} format="hh:mm:ss" placeholder="hh:mm:ss" />
            </FormField>
            <Button onClick={apply} disabled={!isoOf(date, time)}>
              Show
            </Button>
            {at ? <Button variant="link" onClick={clear}>Back to now</Button> : null}
          </SpaceBetween>
          {at ? (
            <Table
              variant="embedded"
              header={<Header variant="h3">Live at {timestamp(at)}</Header>}
              trackBy="model"
              items={liveAt}
              columnDefinitions={[
                { id: 'model', header: 'Model', isRowHeader: true, cell: (d) => d.model },
                { id: 'release', header: 'Release', cell: (d) => <Link href={`/releases/${d.release}`} onFollow={follow}>{d.release}</Link> },
                { id: 'version', header: 'Version', cell: (d) => `v${d.version}` },
                { id: 'since', header: 'Live since', cell: (d) => timestamp(d.deployedAt) },
              ]}
              empty={<Box color="text-status-inactive">Nothing was live in {env} at {timestamp(at)}.</Box>}
            />
          ) : null}
        </SpaceBetween>
      </Container>
      <Table
        header={
          <Header
            counter={history.isPending ? undefined : `(${items.length})`}
            description={at ? `Deployments made by ${timestamp(at)}, newest first.` : 'Every deployment and rollback, newest first.'}
          >
            Timeline
          </Header>
        }
        trackBy={(d) => `${d.model}/${d.deployedAt}`}
        loading={history.isPending}
        loadingText="Loading the history"
        items={items}
        wrapLines
        columnDefinitions={[
          { id: 'at', header: 'When', isRowHeader: true, cell: (d) => timestamp(d.deployedAt) },
          {
            id: 'what',
            header: 'What',
            cell: (d) =>
              d.kind === 'rollback' ? (
                <SpaceBetween direction="horizontal" size="xxs">
                  <Badge color="red">rollback</Badge>
                  {d.rollbackId ? <Link href={`/rollbacks/${d.rollbackId}`} onFollow={follow}>{d.rollbackId}</Link> : null}
                </SpaceBetween>
              ) : (
                <Badge color="blue">release</Badge>
              ),
          },
          { id: 'model', header: 'Model', cell: (d) => d.model },
          { id: 'release', header: 'Now live', cell: (d) => <Link href={`/releases/${d.release}`} onFollow={follow}>{`v${d.version} (${d.release})`}</Link> },
          { id: 'replaced', header: 'Replaced', cell: (d) => (d.replacedRelease ? <Link href={`/releases/${d.replacedRelease}`} onFollow={follow}>{d.replacedRelease}</Link> : '-') },
          { id: 'config', header: 'Endpoint config', cell: (d) => d.endpointConfigName },
        ]}
        empty={
          history.isError ? (
            <ProblemAlert error={history.error} header="The history could not be loaded" />
          ) : (
            <Box textAlign="center" color="inherit">
              <SpaceBetween size="s">
                <Box variant="strong">No deployments</Box>
                <Box variant="p">{at ? `Nothing had been deployed to ${env} by then.` : `Nothing has been deployed to ${env} yet.`}</Box>
              </SpaceBetween>
            </Box>
          )
        }
      />
    </SpaceBetween>
  );
}

/**
 * /environments: every environment in promotion order, what is live, the lock, what is on its
 * way and why it waits, and the policy. /environments/:env adds its timeline and "live at T".
 */
export default function Environments() {
  const { env } = useParams();
  usePageTitle(env ?? 'Environments', env ? 'Environments' : undefined);
  const environments = useQuery({ ...environmentsQuery(), staleTime: 0, refetchInterval: 5_000 });
  const inFlight = useQuery(inFlightReleasesQuery());
  const [rollback, setRollback] = useState<{ environment: string; model: string } | null>(null);
  const all = environments.data?.items ?? [];
  const shown = env ? all.filter((e) => e.name === env) : all;
  const crumbs = [
    { text: 'ML Release Center', href: '/releases' },
    { text: 'Environments', href: '/environments' },
    ...(env ? [{ text: env, href: `/environments/${env}` }] : []),
  ];
  const open = (environment: string) => (model: string) => setRollback({ environment, model });

  let content;
  if (environments.isPending) content = <Spinner size="large" />;
  else if (environments.isError) content = <ProblemAlert error={environments.error} header="The environments could not be loaded" />;
  else if (env && shown.length === 0)
    content = (
      <Alert type="warning" header="No such environment">
        There is no environment {env}. The environments are {all.map((e) => e.name).join(', ')}.
      </Alert>
    );
  else
    content = (
      <SpaceBetween size="l">
        {inFlight.isError ? <ProblemAlert error={inFlight.error} header="The releases in flight could not be loaded" /> : null}
        {shown.map((e) => (
          <EnvironmentCard key={e.name} env={e} inFlight={inFlight.data ?? []} environments={all} detail={!!env} onRollback={open(e.name)} />
        ))}
        {env ? <History env={env} /> : null}
      </SpaceBetween>
    );

  return (
    <Layout
      breadcrumbs={crumbs}
      content={
        <ContentLayout
          header={
            <Header
              variant="h1"
              description={env ? `What serves in ${env}, what is on its way, and every deployment so far.` : 'In promotion order: what is live, what is on its way and why it waits, and each policy.'}
            >
              {env ?? 'Environments'}
            </Header>
          }
        >
          {content}
          {rollback ? <RollbackModal environment={rollback.environment} model={rollback.model} onClose={() => setRollback(null)} /> : null}
        </ContentLayout>
      }
    />
  );
}
