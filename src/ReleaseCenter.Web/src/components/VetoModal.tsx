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
import type { ModelVersion } from '../api/types';
import { useFlash } from '../shell/flash';
import { ProblemAlert } from './ProblemAlert';
import { timestamp } from './format';

/**
 * Mark a version as bad, or lift the mark: one reason, recorded in the audit log. While a veto stands no release of the
 * version may start, and one in flight stops at the next environment.
 */
export function VetoModal({ version, onClose }: { version: ModelVersion; onClose: () => void }) {
  const flash = useFlash();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<ProblemError | null>(null);
  const lifting = !!version.veto;
  const name = `${version.model} v${version.version}`;
  const path = { params: { path: { model: version.model, version: Number(version.version) } }, body: { reason } };
  const change = useMutation({
    mutationFn: () =>
      ok(lifting ? api.POST('/v1/models/{model}/versions/{version}/veto/lift', path) : api.POST('/v1/models/{model}/versions/{version}/veto', path)),
    onSuccess: async () => {
      flash.push({ type: 'success', header: lifting ? `Lifted the veto on ${name}` : `Marked ${name} as bad` });
      await queryClient.invalidateQueries({ queryKey: ['model', version.model] });
      onClose();
    },
    onError: (e) => setError(asProblem(e)),
  });
  return (
    <Modal
      visible
      onDismiss={onClose}
      header={lifting ? `Lift the veto on ${name}?` : `Mark ${name} as bad?`}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Cancel
            </Button>
            <Button variant="primary" loading={change.isPending} onClick={() => change.mutate()}>
              {lifting ? 'Lift veto' : 'Mark as bad'}
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="m">
        {lifting ? (
          <Box>
            {version.veto!.by} marked it as bad {timestamp(version.veto!.at)}: {version.veto!.reason}. Once lifted, the version may be released again.
          </Box>
        ) : (
          <Box>
            No release of {name} may start while the veto stands: not by a person, nor by retraining or an import from SageMaker. A release of it in flight
            stops before its next environment. What is live now stays live; roll back to replace it.
          </Box>
        )}
        <FormField label="Reason" errorText={error?.fieldError('reason')} description="Recorded in the audit log and announced as an event.">
          <Textarea value={reason} onChange={(e) => setReason(e.detail.value)} ariaLabel="Reason" />
        </FormField>
        {error && !error.fieldError('reason') ? <ProblemAlert error={error} header={lifting ? 'Not lifted' : 'Not marked'} /> : null}
      </SpaceBetween>
    </Modal>
  );
}
