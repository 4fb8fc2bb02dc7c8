import { useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import ExpandableSection from '@cloudscape-design/components/expandable-section';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Link from '@cloudscape-design/components/link';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import { environmentsQuery, modelsQuery, projectPolicyHistoryQuery, projectPolicyQuery, templatesQuery } from '../api/queries';
import type { Environment, PolicyDocument, Template } from '../api/types';
import { canChangeIn, isAdminOf, useSession } from '../auth/session';
import { FreezeModal } from '../components/FreezeModal';
import { PolicyEditModal } from '../components/PolicyEditModal';
import { ProblemAlert } from '../components/ProblemAlert';
import { TemplateModal } from '../components/TemplateModal';
import { relative, timestamp } from '../components/format';
import { Layout, useFollow } from '../shell/Layout';
import { usePageTitle } from '../shell/usePageTitle';

/** A setting as written in the policy document: a number or word as it is, anything larger as compact JSON. */
function settingValue(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** The settings a project's policy overrides, one row per environment it names. */
function PolicyOverrides({ document }: { document: PolicyDocument }) {
  const environments = Object.entries((document.environments ?? {}) as Record<string, Record<string, unknown>>);
  return (
    <Table
      variant="embedded"
      wrapLines
      items={environments}
      trackBy={([env]) => env}
      ariaLabels={{ tableLabel: 'Settings the project overrides' }}
      columnDefinitions={[
        { id: 'environment', header: 'Environment', isRowHeader: true, cell: ([env]) => env },
        {
          id: 'settings',
          header: 'Settings for every model of the project',
          cell: ([, settings]) => (
            <SpaceBetween size="xxs">
              {Object.entries(settings).map(([key, value]) => (
                <Box key={key} fontSize="body-s">
                  <Box variant="span" fontWeight="bold">
                    {key}
                  </Box>
                  : <Box variant="code">{settingValue(value)}</Box>
                </Box>
              ))}
            </SpaceBetween>
          ),
        },
      ]}
      empty={<Box color="text-status-inactive">This version overrides nothing.</Box>}
    />
  );
}

function ProjectPolicy({ project }: { project: string }) {
  const session = useSession();
  const policy = useQuery(projectPolicyQuery(project));
  const history = useQuery(projectPolicyHistoryQuery(project));
  const [editing, setEditing] = useState(false);
  const d = policy.data;
  return (
    <Container
      header={
        <Header
          variant="h2"
          description="What the project's models are released under in each environment, over the environments' defaults. A model's own policy overrides it again (its page shows each setting's source)."
          actions={
            isAdminOf(session, project) ? (
              <Button onClick={() => setEditing(true)} disabled={!d}>
                Edit policy
              </Button>
            ) : undefined
          }
        >
          Project policy
        </Header>
      }
    >
      {policy.isError ? (
        <ProblemAlert error={policy.error} header="The project's policy cannot be shown" />
      ) : !d ? (
        <Box color="text-status-inactive">Loading the policy</Box>
      ) : d.version === 0 ? (
        <Box color="text-status-inactive">No project policy yet: {project}&apos;s models follow the environments&apos; defaults and their own policies.</Box>
      ) : (
        <SpaceBetween size="m">
          <KeyValuePairs
            columns={3}
            items={[
              { label: 'Version', value: `v${d.version}` },
              { label: 'Written', value: `${timestamp(d.at)} by ${d.by ?? '-'}` },
              { label: 'Reason', value: d.reason ?? '-' },
            ]}
          />
          <PolicyOverrides document={d} />
          {history.data && history.data.items.length > 0 ? (
            <ExpandableSection headerText={`History (${history.data.items.length} version${history.data.items.length === 1 ? '' : 's'})`}>
              <Table
                variant="embedded"
                wrapLines
                items={history.data.items}
                trackBy="version"
                ariaLabels={{ tableLabel: 'Policy history' }}
                columnDefinitions={[
                  { id: 'version', header: 'Version', isRowHeader: true, cell: (v) => `v${v.version}` },
                  { id: 'at', header: 'Written', cell: (v) => <span title={timestamp(v.at)}>{relative(v.at)} by {v.by ?? '-'}</span> },
                  { id: 'reason', header: 'Reason', cell: (v) => v.reason ?? '-' },
                  { id: 'diff', header: 'Changes', cell: (v) => (v.diff.length ? v.diff.map((line) => <div key={line}>{line}</div>) : 'none') },
                ]}
              />
            </ExpandableSection>
          ) : null}
        </SpaceBetween>
      )}
      {editing && d ? <PolicyEditModal target={{ project }} document={d} onClose={() => setEditing(false)} /> : null}
    </Container>
  );
}

function Templates({ project, environments }: { project: string; environments: string[] }) {
  const session = useSession();
  const navigate = useNavigate();
  const templates = useQuery(templatesQuery(project));
  const [selected, setSelected] = useState<Template[]>([]);
  const [editing, setEditing] = useState<Template | 'new' | null>(null);
  const items = templates.data ?? [];
  const chosen = items.find((t) => t.name === selected[0]?.name);
  const mayWrite = canChangeIn(session, project);
  return (
    <>
      <Table
        selectionType="single"
        selectedItems={chosen ? [chosen] : []}
        onSelectionChange={(e) => setSelected(e.detail.selectedItems)}
        trackBy="name"
        wrapLines
        items={items}
        loading={templates.isPending}
        loadingText="Loading templates"
        ariaLabels={{
          tableLabel: 'Release templates',
          selectionGroupLabel: 'Release templates',
          itemSelectionLabel: (_, t) => t.name,
          allItemsSelectionLabel: () => 'all',
        }}
        header={
          <Header
            counter={`(${items.length})`}
            description="Named release settings: a path, approvals beyond the policy, channels to notify, the assets a version must have. Select one to release with it."
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                {mayWrite ? (
                  <>
                    <Button onClick={() => setEditing('new')}>Create template</Button>
                    <Button disabled={!chosen} onClick={() => setEditing(chosen ?? null)}>
                      Edit
                    </Button>
                  </>
                ) : null}
                <Button
                  variant="primary"
                  disabled={!chosen || !mayWrite}
                  disabledReason={!mayWrite ? `Only ml-engineers and release-admins of ${project} may release its models.` : 'Select a template.'}
                  onClick={() => navigate(`/releases/new?project=${encodeURIComponent(project)}&template=${encodeURIComponent(chosen!.name)}`)}
                >
                  Release with template
                </Button>
              </SpaceBetween>
            }
          >
            Release templates
          </Header>
        }
        columnDefinitions={[
          { id: 'name', header: 'Name', isRowHeader: true, cell: (t) => t.name },
          { id: 'description', header: 'Description', cell: (t) => t.description ?? '-' },
          { id: 'path', header: 'Path', cell: (t) => t.environments.join(' → ') },
          {
            id: 'approvals',
            header: 'Approvals',
            cell: (t) => {
              const entries = Object.entries(t.approvals);
              return entries.length
                ? entries.map(([env, a]) => (
                    <div key={env}>
                      {env}: {a.required} from {a.groups.join(' or ')}
                    </div>
                  ))
                : "the policy's";
            },
          },
          { id: 'notify', header: 'Notifies', cell: (t) => (t.notify.length ? t.notify.join(', ') : '-') },
          { id: 'assets', header: 'Requires', cell: (t) => (t.requiredAssets.length ? t.requiredAssets.join(', ') : '-') },
          { id: 'revision', header: 'Revision', cell: (t) => <span title={timestamp(t.updatedAt)}>{t.revision} ({t.updatedBy}, {relative(t.updatedAt)})</span> },
        ]}
        empty={
          templates.isError ? (
            <ProblemAlert error={templates.error} header="The templates cannot be shown" />
          ) : (
            <Box textAlign="center" color="inherit">
              <Box variant="strong">No templates</Box>
              <Box variant="p">{mayWrite ? 'Create one to release this project\'s models in one step.' : `${project} has no release templates.`}</Box>
            </Box>
          )
        }
      />
      {editing ? (
        <TemplateModal
          project={project}
          template={editing === 'new' ? null : editing}
          existing={items.map((t) => t.name)}
          environments={environments}
          onClose={() => setEditing(null)}
        />
      ) : null}
    </>
  );
}

function Freezes({ project, environments, loading }: { project: string; environments: Environment[]; loading: boolean }) {
  const session = useSession();
  const follow = useFollow();
  const [selected, setSelected] = useState<string | null>(null);
  const [changing, setChanging] = useState(false);
  const chosen = environments.find((e) => e.name === selected);
  const frozen = (e: Environment) => e.projectFreezes?.find((f) => f.project === project);
  const admin = isAdminOf(session, project);
  return (
    <>
      <Table
        selectionType={admin ? 'single' : undefined}
        selectedItems={chosen ? [chosen] : []}
        onSelectionChange={(e) => setSelected(e.detail.selectedItems[0]?.name ?? null)}
        trackBy="name"
        wrapLines
        items={environments}
        loading={loading}
        loadingText="Loading environments"
        ariaLabels={{
          tableLabel: 'Freezes',
          selectionGroupLabel: 'Environments',
          itemSelectionLabel: (_, e) => e.name,
          allItemsSelectionLabel: () => 'all',
        }}
        header={
          <Header
            description={`A freeze for ${project} holds its releases at an environment's door, with a reason; other projects go on. A freeze of the whole environment (Environments page) holds every project.`}
            actions={
              admin ? (
                <Button disabled={!chosen} onClick={() => setChanging(true)}>
                  {chosen && frozen(chosen) ? 'Lift freeze' : 'Freeze'}
                </Button>
              ) : undefined
            }
          >
            Freezes
          </Header>
        }
        columnDefinitions={[
          {
            id: 'environment',
            header: 'Environment',
            isRowHeader: true,
            cell: (e) => (
              <Link href={`/environments/${e.name}`} onFollow={follow}>
                {e.name}
              </Link>
            ),
          },
          {
            id: 'state',
            header: `Open to ${project}`,
            cell: (e) => {
              const f = frozen(e);
              if (f) return <StatusIndicator type="stopped">Frozen for {project}</StatusIndicator>;
              if (e.freeze) return <StatusIndicator type="stopped">Frozen for every project</StatusIndicator>;
              return <StatusIndicator type="success">Open</StatusIndicator>;
            },
          },
          {
            id: 'freeze',
            header: 'Freeze',
            cell: (e) => {
              const f = frozen(e) ?? e.freeze;
              if (!f) return '-';
              return (
                <>
                  {f.by}, {timestamp(f.at)}
                  {f.until ? `, until ${timestamp(f.until)}` : ', until lifted'}: {f.reason}. {f.allowRollbacks ? 'Rollbacks proceed.' : 'Rollbacks are refused too.'}
                </>
              );
            },
          },
        ]}
      />
      {changing && chosen ? <FreezeModal environment={chosen} project={project} onClose={() => setChanging(false)} /> : null}
    </>
  );
}

/** A project: its models, the policy they share, its release templates, and its freezes. */
export default function Project() {
  const { project = '' } = useParams();
  usePageTitle(project, 'Projects');
  const follow = useFollow();
  const models = useQuery(modelsQuery());
  const environments = useQuery({ ...environmentsQuery(), staleTime: 0, refetchInterval: 10_000 });
  const envs = [...(environments.data?.items ?? [])].sort((a, b) => Number(a.order) - Number(b.order));
  const own = (models.data ?? []).filter((m) => m.project === project);
  const crumbs = [
    { text: 'ML Release Center', href: '/releases' },
    { text: 'Models', href: '/models' },
    { text: `Project ${project}`, href: `/projects/${encodeURIComponent(project)}` },
  ];
  return (
    <Layout
      breadcrumbs={crumbs}
      content={
        <ContentLayout
          header={
            <Header variant="h1" description="The project's models, the policy they share, its release templates and its freezes.">
              Project {project}
            </Header>
          }
        >
          <SpaceBetween size="l">
            <Table
              variant="container"
              items={own}
              trackBy="name"
              loading={models.isPending}
              loadingText="Loading models"
              ariaLabels={{ tableLabel: 'Models of the project' }}
              header={<Header counter={`(${own.length})`}>Models</Header>}
              columnDefinitions={[
                {
                  id: 'name',
                  header: 'Model',
                  isRowHeader: true,
                  cell: (m) => (
                    <Link href={`/models/${encodeURIComponent(m.name)}`} onFollow={follow}>
                      {m.name}
                    </Link>
                  ),
                },
                { id: 'latest', header: 'Latest version', cell: (m) => (Number(m.latestVersion) > 0 ? `v${m.latestVersion}` : '-') },
                { id: 'owner', header: 'Owner', cell: (m) => m.owner ?? '-' },
                { id: 'description', header: 'Description', cell: (m) => m.description ?? '-' },
              ]}
              empty={
                models.isError ? (
                  <ProblemAlert error={models.error} header="The models cannot be shown" />
                ) : (
                  <Box textAlign="center" color="inherit">
                    No model of project {project} is registered.
                  </Box>
                )
              }
            />
            <ProjectPolicy project={project} />
            <Templates project={project} environments={envs.map((e) => e.name)} />
            <Freezes project={project} environments={envs} loading={environments.isPending} />
          </SpaceBetween>
        </ContentLayout>
      }
    />
  );
}
