import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import FormField from '@cloudscape-design/components/form-field';
import Modal from '@cloudscape-design/components/modal';
import RadioGroup from '@cloudscape-design/components/radio-group';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Textarea from '@cloudscape-design/components/textarea';
import { api, ok } from '../api/client';
import { asProblem, type ProblemError } from '../api/problem';
import type { components } from '../api/schema';
import { useFlash } from '../shell/flash';
import { ProblemAlert } from './ProblemAlert';

type OutOfBandChange = components['schemas']['OutOfBandChangeDto'];

/**
 * Reconcile an endpoint changed outside Release Center (release-admins of the model's project): restore the recorded
 * config, or adopt what the endpoint serves as a recorded deployment. Releases waiting at the door then go on.
 */
export function ReconcileModal({ change, onClose }: { change: OutOfBandChange; onClose: () => void }) {
  const flash = useFlash();
  const queryClient = useQueryClient();
  const [action, setAction] = useState<'restore' | 'adopt'>('restore');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<ProblemError | null>(null);
  const reconcile = useMutation({
    mutationFn: () =>
      ok(
        api.POST('/v1/environments/{env}/out-of-band/{model}/reconcile', {
          params: { path: { env: change.environment, model: change.model } },
          body: { action, reason },
        }),
      ),
    onSuccess: async () => {
      flash.push({
        type: 'success',
        header: action === 'restore' ? `Restored ${change.endpointName} to ${change.recordedConfig}` : `Adopted ${change.actualConfig} as what is live`,
      });
      await queryClient.invalidateQueries({ queryKey: ['environments'] });
      onClose();
    },
    onError: (e) => setError(asProblem(e)),
  });
  return (
    <Modal
      visible
      onDismiss={onClose}
      header={`Reconcile ${change.endpointName}?`}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Cancel
            </Button>
            <Button variant="primary" loading={reconcile.isPending} onClick={() => reconcile.mutate()}>
              {action === 'restore' ? 'Restore' : 'Adopt'}
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="m">
        <Box>{change.description}.</Box>
        <FormField label="Action" errorText={error?.fieldError('action')}>
          <RadioGroup
            value={action}
            onChange={(e) => setAction(e.detail.value as 'restore' | 'adopt')}
            ariaLabel="Action"
            items={[
              {
                value: 'restore',
                label: `Restore ${change.recordedConfig}`,
                description: 'Point the endpoint back at the recorded config: what the record says is live is served again.',
              },
              {
                value: 'adopt',
                label: change.actualConfig ? `Adopt ${change.actualConfig}` : 'Adopt',
                description: 'Keep what the endpoint serves and record it as the live deployment.',
                disabled: !change.actualConfig,
              },
            ]}
          />
        </FormField>
        <FormField label="Reason" errorText={error?.fieldError('reason')} description="Recorded in the audit log and announced as an event.">
          <Textarea value={reason} onChange={(e) => setReason(e.detail.value)} ariaLabel="Reason" />
        </FormField>
        {error && !error.fieldError('reason') && !error.fieldError('action') ? <ProblemAlert error={error} /> : null}
      </SpaceBetween>
    </Modal>
  );
}
