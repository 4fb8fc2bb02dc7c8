import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import FormField from '@cloudscape-design/components/form-field';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Textarea from '@cloudscape-design/components/textarea';
import { api, ok } from '../api/client';
import { asProblem, type ProblemError } from '../api/problem';
import type { PolicyDocument } from '../api/types';
import { useFlash } from '../shell/flash';
import { ProblemAlert } from './ProblemAlert';

/** Whose policy is edited: a model's (over its project's) or a project's (over the environments' defaults). */
export type PolicyTarget = { model: string; project: string } | { project: string; model?: undefined };

/**
 * Edit a model's or a project's policy (release-admins of the project): the settings each environment overrides, as the
 * JSON the API and `rc policy set` take, with a reason. Saving writes the next version, on the condition that nobody
 * wrote one since this was opened; a bad setting is named by its path and nothing is written.
 */
export function PolicyEditModal({ target, document, onClose }: { target: PolicyTarget; document: PolicyDocument; onClose: () => void }) {
  const flash = useFlash();
  const queryClient = useQueryClient();
  const owner = target.model ?? `project ${target.project}`;
  const [text, setText] = useState(JSON.stringify(document.environments ?? {}, null, 2));
  const [reason, setReason] = useState('');
  const [error, setError] = useState<ProblemError | null>(null);
  const [syntax, setSyntax] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: () => {
      let environments: Record<string, unknown>;
      try {
        environments = JSON.parse(text) as Record<string, unknown>;
      } catch (e) {
        setSyntax(`Not JSON: ${(e as Error).message}`);
        throw e;
      }
      setSyntax(null);
      const body = { environments, reason, expectedVersion: document.version };
      return target.model !== undefined
        ? ok(api.PUT('/v1/models/{model}/policy', { params: { path: { model: target.model } }, body }))
        : ok(api.PUT('/v1/projects/{project}/policy', { params: { path: { project: target.project } }, body }));
    },
    onSuccess: async (written) => {
      flash.push({ type: 'success', header: `Wrote ${owner}'s policy v${written.version}`, content: written.diff.join('; ') || 'No setting changed.' });
      // A project's policy shows through every one of its models' effective policies.
      await queryClient.invalidateQueries({ queryKey: target.model !== undefined ? ['model', target.model, 'policy'] : ['project', target.project] });
      if (target.model === undefined) await queryClient.invalidateQueries({ predicate: (q) => q.queryKey[0] === 'model' && q.queryKey[2] === 'policy' });
      onClose();
    },
    onError: (e) => {
      if (!(e instanceof SyntaxError)) setError(asProblem(e));
    },
  });
  const fieldErrors = error?.fieldLines().filter((l) => !l.startsWith("'reason'")) ?? [];
  return (
    <Modal
      visible
      size="large"
      onDismiss={onClose}
      header={`Edit ${owner}'s policy`}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Cancel
            </Button>
            <Button variant="primary" loading={save.isPending} onClick={() => save.mutate()}>
              Save version {document.version + 1}
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="m">
        <Box>
          {target.model !== undefined
            ? `What this model overrides in each environment, over project ${target.project}'s policy and the environments' defaults:`
            : `What project ${target.project} overrides in each environment for all its models, over the environments' defaults (a model's own policy overrides it again):`}{' '}
          gate, requiredMetrics, approval, bakeSeconds, deployment, rollback, requiredSoakSeconds, windows, autoPromote (docs/operations.md,
          &quot;Policies&quot;). The next releases run under the new version; releases in flight keep theirs.
        </Box>
        <FormField label="Settings per environment (JSON)" errorText={syntax ?? undefined}>
          <Textarea value={text} onChange={(e) => setText(e.detail.value)} rows={16} ariaLabel="Settings per environment" spellcheck={false} />
        </FormField>
        <FormField label="Reason" errorText={error?.fieldError('reason')} description="Recorded in the audit log with the diff, and announced as an event.">
          <Textarea value={reason} onChange={(e) => setReason(e.detail.value)} ariaLabel="Reason" />
        </FormField>
        {error && (fieldErrors.length > 0 || !error.fieldError('reason')) ? <ProblemAlert error={error} header="Not saved" /> : null}
      </SpaceBetween>
    </Modal>
  );
}
