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
import type { ModelPolicy } from '../api/types';
import { useFlash } from '../shell/flash';
import { ProblemAlert } from './ProblemAlert';

/**
 * Edit a model's policy (release-admins of its project): the settings each environment overrides, as the JSON the API
 * and `rc policy set` take, with a reason. Saving writes the next version, on the condition that nobody wrote one since
 * this was opened; a bad setting is named by its path and nothing is written.
 */
export function PolicyEditModal({ model, policy, onClose }: { model: string; policy: ModelPolicy; onClose: () => void }) {
  const flash = useFlash();
  const queryClient = useQueryClient();
  const [text, setText] = useState(JSON.stringify(policy.modelPolicy.environments ?? {}, null, 2));
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
      return ok(
        api.PUT('/v1/models/{model}/policy', {
          params: { path: { model } },
          body: { environments, reason, expectedVersion: policy.modelPolicy.version },
        }),
      );
    },
    onSuccess: async (written) => {
      flash.push({ type: 'success', header: `Wrote ${model}'s policy v${written.version}`, content: written.diff.join('; ') || 'No setting changed.' });
      await queryClient.invalidateQueries({ queryKey: ['model', model, 'policy'] });
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
      header={`Edit ${model}'s policy`}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Cancel
            </Button>
            <Button variant="primary" loading={save.isPending} onClick={() => save.mutate()}>
              Save version {policy.modelPolicy.version + 1}
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="m">
        <Box>
          What this model overrides in each environment, over project {policy.project}&apos;s policy and the environments&apos; defaults:
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
