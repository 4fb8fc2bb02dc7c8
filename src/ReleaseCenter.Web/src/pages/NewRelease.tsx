import { useEffect, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Multiselect from '@cloudscape-design/components/multiselect';
import Select, { type SelectProps } from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Textarea from '@cloudscape-design/components/textarea';
import { api, ok } from '../api/client';
import { asProblem, type ProblemError } from '../api/problem';
import { environmentsQuery, modelsQuery, templatesQuery, versionsQuery } from '../api/queries';
import type { Template } from '../api/types';
import { Metrics } from '../components/Metrics';
import { Layout, useFollow } from '../shell/Layout';
import { useFlash } from '../shell/flash';
import { usePageTitle } from '../shell/usePageTitle';

/** What a template adds to a release, in one line: its approvals beyond the policy, notifications, required assets. */
function templateSummary(t: Template): string {
  const approvals = Object.entries(t.approvals).map(([env, a]) => `${a.required} approval${a.required === 1 ? '' : 's'} from ${a.groups.join(' or ')} in ${env}`);
  return [
    t.description ?? '',
    approvals.length ? approvals.join(', ') : '',
    t.notify.length ? `notifies ${t.notify.join(', ')}` : '',
    t.requiredAssets.length ? `requires ${t.requiredAssets.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
}

/**
 * Pick a model and a version (its metrics shown), then either a template of its project (its path, approvals and
 * notifications) or the path by hand, add notes, submit.
 */
export default function NewRelease() {
  usePageTitle('New release', 'Releases');
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const follow = useFollow();
  const flash = useFlash();
  const queryClient = useQueryClient();
  const [model, setModel] = useState(params.get('model') ?? '');
  const [version, setVersion] = useState(params.get('version') ?? '');
  const [chosenEnvs, setChosenEnvs] = useState<string[] | null>(null);
  const [notes, setNotes] = useState('');
  const [templateName, setTemplateName] = useState(params.get('template') ?? '');
  const [error, setError] = useState<ProblemError | null>(null);

  const models = useQuery(modelsQuery());
  const versions = useQuery({ ...versionsQuery(model), enabled: model !== '' });
  const environments = useQuery(environmentsQuery());
  const allEnvs = [...(environments.data?.items ?? [])].sort((a, b) => Number(a.order) - Number(b.order)).map((e) => e.name);
  const envs = chosenEnvs ?? allEnvs;
  const selectedVersion = versions.data?.find((v) => String(v.version) === version);
  // A template belongs to a project: the chosen model's, or (arriving from a project's page) the one in the address.
  const project = models.data?.find((m) => m.name === model)?.project ?? params.get('project') ?? '';
  const templates = useQuery({ ...templatesQuery(project), enabled: project !== '' });
  const template = templates.data?.find((t) => t.name === templateName);

  // Newest version first, chosen by default when only the model was given.
  useEffect(() => {
    if (model && !version && versions.data?.length) setVersion(String(versions.data[versions.data.length - 1]!.version));
  }, [model, version, versions.data]);

  const submit = useMutation({
    mutationFn: () =>
      template
        ? ok(
            api.POST('/v1/projects/{project}/templates/{name}/releases', {
              params: { path: { project, name: template.name } },
              body: { model, version: Number(version), notes: notes.trim() || null },
            }),
          )
        : ok(
        api.POST('/v1/releases', {
          // Untouched, the path is every environment: left to the API (null), so a click before the list has loaded
          // does not send an empty path.
          body: {
            model,
            version: Number(version),
            environments: chosenEnvs === null ? null : allEnvs.filter((e) => chosenEnvs.includes(e)),
            notes: notes.trim() || null,
          },
        }),
      ),
    onSuccess: async (accepted) => {
      flash.push({
        type: 'success',
        header: `Release of ${model} v${version} started${template ? ` with template ${template.name}` : ''}`,
        content: `Bundle ${accepted.bundleDigest}`,
      });
      await queryClient.invalidateQueries({ queryKey: ['releases'] });
      navigate(`/releases/${accepted.id}`);
    },
    onError: (e) => setError(asProblem(e)),
  });

  const modelOptions: SelectProps.Option[] = (models.data ?? []).filter((m) => !templateName || !params.get('project') || m.project === project).map((m) => ({
    value: m.name,
    label: m.name,
    description: `${m.project} · latest v${m.latestVersion}`,
  }));
  const versionOptions: SelectProps.Option[] = [...(versions.data ?? [])].reverse().map((v) => ({
    value: String(v.version),
    label: `v${v.version}`,
    description: Object.entries(v.metrics)
      .map(([k, x]) => `${k} ${Number(Number(x).toPrecision(6))}`)
      .join(' · '),
    tags: v.veto ? [v.createdBy, 'marked as bad'] : [v.createdBy],
    disabled: !!v.veto,
    disabledReason: v.veto ? `${v.veto.by} marked it as bad: ${v.veto.reason}` : undefined,
  }));

  return (
    <Layout
      breadcrumbs={[
        { text: 'ML Release Center', href: '/releases' },
        { text: 'Releases', href: '/releases' },
        { text: 'New release', href: '/releases/new' },
      ]}
      content={
        <ContentLayout header={<Header variant="h1" description="Freeze a model version with its datasets and config into a bundle, and send it through the environments.">New release</Header>}>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              setError(null);
              submit.mutate();
            }}
          >
            <Form
              actions={
                <SpaceBetween direction="horizontal" size="xs">
                  <Button formAction="none" variant="link" href="/releases" onFollow={follow}>
                    Cancel
                  </Button>
                  <Button variant="primary" formAction="submit" loading={submit.isPending} disabled={!model || !version || environments.isPending}>
                    Start release
                  </Button>
                </SpaceBetween>
              }
              errorText={error && Object.keys(error.errors).length === 0 ? `${error.title}${error.detail ? `: ${error.detail}` : ''}` : undefined}
            >
              <SpaceBetween size="l">
                <Container header={<Header variant="h2">Model version</Header>}>
                  <SpaceBetween size="m">
                    <FormField label="Model" errorText={error?.fieldError('model')}>
                      <Select
                        selectedOption={modelOptions.find((o) => o.value === model) ?? null}
                        onChange={(e) => {
                          const next = e.detail.selectedOption.value ?? '';
                          setModel(next);
                          setVersion('');
                          // Another project's templates do not apply.
                          if (models.data?.find((m) => m.name === next)?.project !== project) setTemplateName('');
                        }}
                        options={modelOptions}
                        filteringType="auto"
                        placeholder="Choose a model"
                        statusType={models.isPending ? 'loading' : models.isError ? 'error' : 'finished'}
                        loadingText="Loading models"
                        errorText="The models could not be loaded."
                        empty="No models are registered."
                      />
                    </FormField>
                    <FormField label="Version" errorText={error?.fieldError('version')}>
                      <Select
                        selectedOption={versionOptions.find((o) => o.value === version) ?? null}
                        onChange={(e) => setVersion(e.detail.selectedOption.value ?? '')}
                        options={versionOptions}
                        disabled={!model}
                        placeholder={model ? 'Choose a version' : 'Choose a model first'}
                        statusType={versions.isFetching ? 'loading' : 'finished'}
                        loadingText="Loading versions"
                        empty="This model has no versions."
                      />
                    </FormField>
                    {selectedVersion ? (
                      <SpaceBetween size="s">
                        <Metrics metrics={selectedVersion.metrics as Record<string, number>} />
                        {selectedVersion.veto ? (
                          <Alert type="error" header="Marked as bad">
                            {selectedVersion.veto.by} marked this version as bad: {selectedVersion.veto.reason}. It cannot be released until the veto is lifted.
                          </Alert>
                        ) : null}
                        {!selectedVersion.image ? (
                          <Alert type="warning">This version names no inference image; a release needs one to deploy.</Alert>
                        ) : null}
                      </SpaceBetween>
                    ) : null}
                  </SpaceBetween>
                </Container>
                <Container header={<Header variant="h2">Path and notes</Header>}>
                  <SpaceBetween size="m">
                    <FormField
                      label="Template"
                      description={template ? templateSummary(template) || undefined : 'Optional. A template of the model\'s project sets the path, approvals and notifications.'}
                    >
                      <Select
                        selectedOption={
                          template ? { value: template.name, label: template.name } : { value: '', label: 'None: choose the path below' }
                        }
                        onChange={(e) => setTemplateName(e.detail.selectedOption.value ?? '')}
                        options={[
                          { value: '', label: 'None: choose the path below' },
                          ...(templates.data ?? []).map((t) => ({ value: t.name, label: t.name, description: t.environments.join(' → ') })),
                        ]}
                        disabled={!project}
                        ariaLabel="Template"
                        statusType={templates.isFetching ? 'loading' : templates.isError ? 'error' : 'finished'}
                        loadingText="Loading templates"
                        errorText="The templates could not be loaded."
                      />
                    </FormField>
                    <FormField
                      label="Environments"
                      description={
                        template
                          ? `Template ${template.name}'s path (revision ${template.revision}).`
                          : 'In promotion order, from the configuration. Each stage has its evaluation gate and approval policy.'
                      }
                      errorText={error?.fieldError('environments')}
                    >
                      <Multiselect
                        disabled={!!template}
                        selectedOptions={(template ? template.environments : envs).map((e) => ({ value: e, label: e }))}
                        onChange={(e) => setChosenEnvs(e.detail.selectedOptions.map((o) => o.value!))}
                        options={allEnvs.map((e) => ({ value: e, label: e }))}
                        placeholder={environments.isPending ? 'Loading environments' : 'Choose environments'}
                        deselectAriaLabel={(o) => `Remove ${o.label ?? o.value}`}
                        statusType={environments.isPending ? 'loading' : 'finished'}
                      />
                    </FormField>
                    <FormField label="Notes" constraintText={`Optional. ${notes.length} of 4000 characters.`} errorText={error?.fieldError('notes')}>
                      <Textarea value={notes} onChange={(e) => setNotes(e.detail.value)} ariaLabel="Notes" />
                    </FormField>
                  </SpaceBetween>
                </Container>
                {error && Object.keys(error.errors).length > 0 ? (
                  <Box color="text-status-error">{error.fieldLines().join(' ')}</Box>
                ) : null}
              </SpaceBetween>
            </Form>
          </form>
        </ContentLayout>
      }
    />
  );
}
