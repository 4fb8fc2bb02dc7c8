import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import Modal from '@cloudscape-design/components/modal';
import Multiselect from '@cloudscape-design/components/multiselect';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Textarea from '@cloudscape-design/components/textarea';
import { api, ok } from '../api/client';
import { asProblem, type ProblemError } from '../api/problem';
import type { Template } from '../api/types';
import { useFlash } from '../shell/flash';
import { ProblemAlert } from './ProblemAlert';

/** The assets a template may require of a version (docs/api.md). */
const assets = ['trainingRun', 'datasets', 'hyperparameters', 'framework', 'inferenceConfig'];

function list(text: string): string[] {
  return text
    .split(/[,\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}

/**
 * Create a release template of a project, or save its next revision (ml-engineers and release-admins of the project):
 * the path, approvals beyond the policy (as JSON, like the API takes them), channels to notify and the assets a version
 * must have. The API refuses approvals that ask less than the policy, naming the field; nothing is written then.
 */
export function TemplateModal({
  project,
  template,
  existing,
  environments,
  onClose,
}: {
  project: string;
  template: Template | null;
  /** The project's template names: a new one may not take one of them (PUT would replace it). */
  existing: string[];
  environments: string[];
  onClose: () => void;
}) {
  const flash = useFlash();
  const queryClient = useQueryClient();
  const [name, setName] = useState(template?.name ?? '');
  const [description, setDescription] = useState(template?.description ?? '');
  const [path, setPath] = useState<string[]>(template?.environments ?? environments);
  const [approvals, setApprovals] = useState(JSON.stringify(template?.approvals ?? {}, null, 2));
  const [notify, setNotify] = useState((template?.notify ?? []).join(', '));
  const [required, setRequired] = useState<string[]>(template?.requiredAssets ?? []);
  const [error, setError] = useState<ProblemError | null>(null);
  const [syntax, setSyntax] = useState<string | null>(null);
  const taken = !template && existing.includes(name.trim()) ? `${project} has a template named ${name.trim()}: edit it instead.` : undefined;
  const save = useMutation({
    mutationFn: () => {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(approvals || '{}') as Record<string, unknown>;
      } catch (e) {
        setSyntax(`Not JSON: ${(e as Error).message}`);
        throw e;
      }
      setSyntax(null);
      return ok(
        api.PUT('/v1/projects/{project}/templates/{name}', {
          params: { path: { project, name: name.trim() } },
          body: {
            description: description.trim() || null,
            environments: environments.filter((e) => path.includes(e)),
            approvals: parsed,
            notify: list(notify),
            requiredAssets: required,
          },
        }),
      );
    },
    onSuccess: async (saved) => {
      flash.push({ type: 'success', header: `Saved template ${saved.name} (revision ${saved.revision})` });
      await queryClient.invalidateQueries({ queryKey: ['project', project, 'templates'] });
      onClose();
    },
    onError: (e) => {
      if (!(e instanceof SyntaxError)) setError(asProblem(e));
    },
  });
  const approvalErrors = error?.fieldLines().filter((l) => l.startsWith('approvals')) ?? [];
  const named = ['name', 'environments', 'approvals', 'notify', 'requiredAssets', 'description'];
  const unnamed = error && !named.some((f) => error.fieldError(f)) && approvalErrors.length === 0;
  return (
    <Modal
      visible
      size="large"
      onDismiss={onClose}
      header={template ? `Edit template ${template.name}` : `New release template for ${project}`}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Cancel
            </Button>
            <Button variant="primary" loading={save.isPending} disabled={!name.trim() || !!taken} onClick={() => save.mutate()}>
              {template ? `Save revision ${template.revision + 1}` : 'Create template'}
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="m">
        <Box>
          A release requested with this template follows its path, asks for its approvals (never fewer than {project}&apos;s policy asks) and
          notifies its channels. Releases already requested keep the revision they were requested with.
        </Box>
        <FormField label="Name" description="Letters, digits and dashes." errorText={taken ?? error?.fieldError('name')}>
          <Input value={name} onChange={(e) => setName(e.detail.value)} disabled={!!template} ariaLabel="Name" placeholder="hotfix" />
        </FormField>
        <FormField label="Description" constraintText="Optional." errorText={error?.fieldError('description')}>
          <Input value={description} onChange={(e) => setDescription(e.detail.value)} ariaLabel="Description" />
        </FormField>
        <FormField label="Environments" description="The path, in promotion order." errorText={error?.fieldError('environments')}>
          <Multiselect
            selectedOptions={path.map((e) => ({ value: e, label: e }))}
            onChange={(e) => setPath(e.detail.selectedOptions.map((o) => o.value!))}
            options={environments.map((e) => ({ value: e, label: e }))}
            deselectAriaLabel={(o) => `Remove ${o.label ?? o.value}`}
            ariaLabel="Environments"
          />
        </FormField>
        <FormField
          label="Approvals (JSON)"
          description='Per environment, e.g. {"prod": {"required": 2, "groups": ["approvers-prod"], "timeoutSeconds": 86400}}. Empty: the policy&apos;s approvals.'
          errorText={syntax ?? (approvalErrors.length ? approvalErrors.join(' ') : undefined)}
        >
          <Textarea value={approvals} onChange={(e) => setApprovals(e.detail.value)} rows={6} ariaLabel="Approvals" spellcheck={false} />
        </FormField>
        <FormField label="Notify" description="Channels carried on the release's events, comma-separated." errorText={error?.fieldError('notify')}>
          <Input value={notify} onChange={(e) => setNotify(e.detail.value)} ariaLabel="Notify" placeholder="#retail-releases" />
        </FormField>
        <FormField label="Required assets" description="A version lacking one of these is refused." errorText={error?.fieldError('requiredAssets')}>
          <Multiselect
            selectedOptions={required.map((a) => ({ value: a, label: a }))}
            onChange={(e) => setRequired(e.detail.selectedOptions.map((o) => o.value!))}
            options={assets.map((a) => ({ value: a, label: a }))}
            deselectAriaLabel={(o) => `Remove ${o.label ?? o.value}`}
            ariaLabel="Required assets"
            placeholder="None"
          />
        </FormField>
        {unnamed ? <ProblemAlert error={error} header="Not saved" /> : null}
      </SpaceBetween>
    </Modal>
  );
}
