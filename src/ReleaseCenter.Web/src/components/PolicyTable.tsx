import Box from '@cloudscape-design/components/box';
import Header from '@cloudscape-design/components/header';
import Table from '@cloudscape-design/components/table';
import type { EffectivePolicy, ModelPolicy, PolicySource } from '../api/types';
import { duration, num } from './format';

/** "model policy v3", "project payments v1", "template hotfix v2", or "default" for the environment's own setting. */
export function sourceText(source: PolicySource | undefined): string {
  if (!source || source.layer === 'environment') return 'default';
  const version = source.version ? ` v${source.version}` : '';
  return source.layer === 'model' ? `model policy${version}` : `${source.layer} ${source.name}${version}`;
}

function From({ source }: { source: PolicySource | undefined }) {
  const text = sourceText(source);
  return (
    <Box variant="small" display="block" color={text === 'default' ? 'text-status-inactive' : 'text-status-info'}>
      from {text}
    </Box>
  );
}

function seconds(value: number): string {
  return value === 0 ? 'none' : duration(value * 1000);
}

function Gate({ policy }: { policy: EffectivePolicy }) {
  if (policy.gate.length === 0) return <>no rules</>;
  return (
    <>
      {policy.gate.map((r) => (
        <div key={r.metric}>
          {r.metric} {r.threshold == null ? 'reported' : `${r.direction === 'LowerIsBetter' ? '≤' : '≥'} ${num(r.threshold)}`}
          {r.maxRegression != null ? `, ≤ ${num(r.maxRegression)} worse than live` : ''}
        </div>
      ))}
    </>
  );
}

/**
 * Each environment's effective policy for a model (the environment's defaults, its project's policy, its own), every
 * setting with where it came from, so "why does prod ask for this?" is answered on the page.
 */
export function PolicyTable({ policy, loading, actions }: { policy: ModelPolicy | undefined; loading: boolean; actions?: React.ReactNode }) {
  const cell = (render: (p: EffectivePolicy) => React.ReactNode, setting: string) => (p: EffectivePolicy) => (
    <>
      {render(p)}
      <From source={p.sources[setting]} />
    </>
  );
  return (
    <Table
      variant="container"
      wrapLines
      loading={loading}
      loadingText="Loading the policy"
      items={policy?.environments ?? []}
      trackBy="environment"
      ariaLabels={{ tableLabel: 'Release policy' }}
      header={
        <Header
          variant="h2"
          actions={actions}
          description={
            policy
              ? `A release requested now runs under ${policy.pin.description}. Each setting says where it comes from.`
              : undefined
          }
        >
          Release policy
        </Header>
      }
      columnDefinitions={[
        { id: 'environment', header: 'Environment', isRowHeader: true, cell: (p) => p.environment },
        { id: 'gate', header: 'Gate', cell: cell((p) => <Gate policy={p} />, 'gate') },
        {
          id: 'approval',
          header: 'Approvals',
          cell: (p) => (
            <>
              {p.autoPromote ? 'none: promotes automatically once its gate passes' : p.approval.required === 0 ? 'none' : `${p.approval.required} from ${p.approval.groups.join(' or ')}`}
              <From source={p.sources[p.autoPromote ? 'autoPromote' : 'approval']} />
            </>
          ),
        },
        { id: 'soak', header: 'Soak before entering', cell: cell((p) => seconds(p.requiredSoakSeconds), 'requiredSoakSeconds') },
        {
          id: 'windows',
          header: 'Windows',
          cell: cell((p) => (p.windows?.length ? p.windows.map((w) => <div key={w}>{w}</div>) : 'any time'), 'windows'),
        },
        { id: 'bake', header: 'Bake', cell: cell((p) => seconds(p.bakeSeconds), 'bakeSeconds') },
        { id: 'deployment', header: 'Deployment', cell: cell((p) => p.deployment.strategy, 'deployment') },
        {
          id: 'rollback',
          header: 'Rollback approvals',
          cell: cell((p) => (p.rollbackApproval.required === 0 ? 'none' : `${p.rollbackApproval.required} from ${p.rollbackApproval.groups.join(' or ')}`), 'rollback'),
        },
      ]}
      empty={<Box textAlign="center">No environments are configured.</Box>}
    />
  );
}
