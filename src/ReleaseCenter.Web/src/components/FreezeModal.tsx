import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Textarea from '@cloudscape-design/components/textarea';
import { api, ok } from '../api/client';
import { asProblem, type ProblemError } from '../api/problem';
import type { Environment } from '../api/types';
import { useFlash } from '../shell/flash';
import { ProblemAlert } from './ProblemAlert';
import { timestamp } from './format';

/**
 * Freeze an environment, or lift its freeze: the whole environment (the organization's release-admins) or one project's
 * releases in it (that project's release-admins). Releases wait at its door while it holds, and say why; rollbacks
 * proceed unless the freeze says otherwise. The reason goes into the audit log.
 */
export function FreezeModal({ environment, project, onClose }: { environment: Environment; project?: string; onClose: () => void }) {
  const flash = useFlash();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const [until, setUntil] = useState('');
  const [allowRollbacks, setAllowRollbacks] = useState(true);
  const [error, setError] = useState<ProblemError | null>(null);
  const freeze = project ? environment.projectFreezes?.find((f) => f.project === project) : environment.freeze;
  const env = environment.name;
  const what = project ? `${env} for project ${project}` : env;
  const change = useMutation({
    mutationFn: () =>
      freeze
        ? ok(api.POST('/v1/environments/{env}/freeze/lift', { params: { path: { env } }, body: { reason, project: project ?? null } }))
        : ok(api.POST('/v1/environments/{env}/freeze', { params: { path: { env } }, body: { reason, until: until || null, allowRollbacks, project: project ?? null } })),
    onSuccess: async () => {
      flash.push({ type: 'success', header: freeze ? `Lifted the freeze on ${what}` : `Froze ${what}` });
      await queryClient.invalidateQueries({ queryKey: ['environments'] });
      onClose();
    },
    onError: (e) => setError(asProblem(e)),
  });
  return (
    <Modal
      visible
      onDismiss={onClose}
      header={freeze ? `Lift the freeze on ${what}?` : `Freeze ${what}?`}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Cancel
            </Button>
            <Button variant="primary" loading={change.isPending} onClick={() => change.mutate()}>
              {freeze ? 'Lift freeze' : 'Freeze'}
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="m">
        {freeze ? (
          <Box>
            {freeze.by} froze {what} {timestamp(freeze.at)}: {freeze.reason}. Releases waiting at its door go on once it is lifted.
          </Box>
        ) : (
          <Box>
            {project ? `Releases of project ${project}'s models` : 'Releases'} wait at {env}'s door while it is frozen, and say why. What is live stays live.
            Rollbacks proceed unless you untick the box below.
          </Box>
        )}
        <FormField label="Reason" errorText={error?.fieldError('reason')} description="Recorded in the audit log and announced as an event.">
          <Textarea value={reason} onChange={(e) => setReason(e.detail.value)} ariaLabel="Reason" />
        </FormField>
        {freeze ? null : (
          <>
            <FormField
              label="Until (optional)"
              errorText={error?.fieldError('until')}
              description="An ISO 8601 time, e.g. 2026-12-02T09:00:00Z. Left empty, the freeze holds until it is lifted."
            >
              <Input value={until} onChange={(e) => setUntil(e.detail.value)} ariaLabel="Until" placeholder="2026-12-02T09:00:00Z" />
            </FormField>
            <Checkbox checked={allowRollbacks} onChange={(e) => setAllowRollbacks(e.detail.checked)}>
              Allow rollbacks during the freeze
            </Checkbox>
          </>
        )}
        {error && !error.fieldError('reason') && !error.fieldError('until') ? <ProblemAlert error={error} header={freeze ? 'Not lifted' : 'Not frozen'} /> : null}
      </SpaceBetween>
    </Modal>
  );
}
