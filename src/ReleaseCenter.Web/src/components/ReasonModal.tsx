import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import FormField from '@cloudscape-design/components/form-field';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Textarea from '@cloudscape-design/components/textarea';
import { asProblem, type ProblemError } from '../api/problem';
import { useFlash } from '../shell/flash';
import { ProblemAlert } from './ProblemAlert';

/**
 * A governance act that needs only a reason (lifting a hold, …): what it does in words, the reason (recorded in the
 * audit log), and the action; a refusal shows on the field it names, or above the buttons.
 */
export function ReasonModal({
  header,
  explanation,
  action,
  done,
  invalidate,
  submit,
  onClose,
}: {
  header: string;
  explanation: string;
  action: string;
  done: string;
  invalidate: readonly unknown[];
  submit: (reason: string) => Promise<unknown>;
  onClose: () => void;
}) {
  const flash = useFlash();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<ProblemError | null>(null);
  const change = useMutation({
    mutationFn: () => submit(reason),
    onSuccess: async () => {
      flash.push({ type: 'success', header: done });
      await queryClient.invalidateQueries({ queryKey: invalidate });
      onClose();
    },
    onError: (e) => setError(asProblem(e)),
  });
  return (
    <Modal
      visible
      onDismiss={onClose}
      header={header}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Cancel
            </Button>
            <Button variant="primary" loading={change.isPending} onClick={() => change.mutate()}>
              {action}
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="m">
        <Box>{explanation}</Box>
        <FormField label="Reason" errorText={error?.fieldError('reason')} description="Recorded in the audit log and announced as an event.">
          <Textarea value={reason} onChange={(e) => setReason(e.detail.value)} ariaLabel="Reason" />
        </FormField>
        {error && !error.fieldError('reason') ? <ProblemAlert error={error} /> : null}
      </SpaceBetween>
    </Modal>
  );
}
