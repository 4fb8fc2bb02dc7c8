import type { components } from './schema';

type S = components['schemas'];
export type Release = S['ReleaseDto'];
export type Stage = S['ReleaseStage'];
export type ReleaseStatus = S['ReleaseStatus'];
export type MetricEvaluation = S['MetricEvaluation'];
export type EvaluationReport = S['EvaluationReport'];
export type Approval = S['ApprovalRecord'];
export type PendingApproval = S['PendingApproval'];
export type Model = S['ModelDto'];
export type ModelVersion = S['ModelVersionDto'];
export type Environment = S['EnvironmentDto'];
export type ReleaseDiff = S['ReleaseDiffDto'];
export type MetricDiff = S['MetricDiff'];
export type RollbackPreview = S['RollbackPreview'];
export type Rollback = S['Rollback'];
export type Deployment = S['DeploymentDto'];
export type EnvironmentHistory = S['EnvironmentHistoryDto'];
export type HistoryItem = S['HistoryItem'];
export type ModelPolicy = S['ModelPolicyDto'];
export type EffectivePolicy = S['EffectivePolicyDto'];
export type PolicySource = S['PolicySourceDto'];
export type PolicyDocument = S['PolicyDocumentDto'];
export type Template = S['TemplateDto'];
export type Freeze = S['FreezeDto'];

export const terminal: ReleaseStatus[] = ['Released', 'Rejected', 'Expired', 'Failed', 'RolledBack', 'Cancelled'];
export const allStatuses: ReleaseStatus[] = ['Pending', 'Evaluating', 'AwaitingApproval', 'Deploying', 'Verifying', ...terminal];

export function isTerminal(status: ReleaseStatus | undefined): boolean {
  return status !== undefined && terminal.includes(status);
}
