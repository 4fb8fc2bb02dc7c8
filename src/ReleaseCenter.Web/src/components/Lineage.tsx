import { useQuery } from '@tanstack/react-query';
import Box from '@cloudscape-design/components/box';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import CopyToClipboard from '@cloudscape-design/components/copy-to-clipboard';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Link from '@cloudscape-design/components/link';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { retrainRunQuery } from '../api/drift';
import type { ModelVersion } from '../api/types';
import { useFollow } from '../shell/Layout';

/** The last segment of an ARN, for people: ".../execution/8dle8brr0j56" reads "8dle8brr0j56". */
const tail = (arn: string) => arn.split('/').slice(-2).join('/');

/**
 * Where a retrained version came from, as a chain of links: drift report → pipeline execution →
 * model package → this version → its release. The pipeline execution and model package are
 * SageMaker's; their ARNs are shown on the drift report's retraining, where the links lead.
 */
export function Lineage({ version }: { version: ModelVersion }) {
  const follow = useFollow();
  const lineage = (version.lineage ?? {}) as Record<string, string>;
  const report = lineage.driftReport;
  const run = useQuery({ ...retrainRunQuery(version.model, report ?? ''), enabled: !!report });
  if (!report && lineage.modelPackage) return <ImportedFrom lineage={lineage} />;
  if (!report && !lineage.pipelineExecution) return null;
  const reportHref = report ? `/drift/${encodeURIComponent(version.model)}/${encodeURIComponent(report)}` : undefined;
  const releaseId = run.data?.releaseId;
  const steps: { label: string; node: React.ReactNode }[] = [
    { label: 'Drift report', node: reportHref ? <Link href={reportHref} onFollow={follow}>{report}</Link> : '-' },
    {
      label: 'Pipeline execution',
      node: lineage.pipelineExecution ? (
        <Link href={reportHref ?? '#'} onFollow={follow} ariaLabel={`Pipeline execution ${lineage.pipelineExecution}, on the drift report's retraining`}>
          <span title={lineage.pipelineExecution}>{tail(lineage.pipelineExecution)}</span>
        </Link>
      ) : (
        '-'
      ),
    },
    {
      label: 'Model package',
      node: lineage.modelPackage ? (
        <Link href={reportHref ?? '#'} onFollow={follow} ariaLabel={`Model package ${lineage.modelPackage}, on the drift report's retraining`}>
          <span title={lineage.modelPackage}>{tail(lineage.modelPackage)}</span>
        </Link>
      ) : (
        '-'
      ),
    },
    { label: 'Version', node: <Link href={`/models/${encodeURIComponent(version.model)}/versions/${version.version}`} onFollow={follow}>v{version.version}</Link> },
    {
      label: 'Release',
      node: releaseId ? (
        <Link href={`/releases/${releaseId}`} onFollow={follow}>{releaseId}</Link>
      ) : run.isPending && report ? (
        <StatusIndicator type="loading">Loading</StatusIndicator>
      ) : (
        <Box color="text-status-inactive">none opened</Box>
      ),
    },
  ];
  return (
    <Container header={<Header variant="h2" description="This version was trained because drift was detected.">Lineage</Header>}>
      <ol aria-label="Lineage, from the drift report to the release" style={{ display: 'flex', flexWrap: 'wrap', gap: 8, listStyle: 'none', margin: 0, padding: 0, alignItems: 'center' }}>
        {steps.map((s, i) => (
          <li key={s.label} style={{ display: 'flex', alignItems: 'center', gap: 8 }}>
            <span>
              <Box variant="awsui-key-label">{s.label}</Box>
              <div>{s.node}</div>
            </span>
            {i < steps.length - 1 ? (
              <span aria-hidden="true" style={{ fontSize: 20 }}>
                →
              </span>
            ) : null}
          </li>
        ))}
      </ol>
    </Container>
  );
}

/**
 * A version imported from SageMaker's Model Registry (by hand or on SageMaker's event): the package it is, and what
 * SageMaker knew about where the package came from. The package's approval status there follows this version's releases.
 */
function ImportedFrom({ lineage }: { lineage: Record<string, string> }) {
  const optional = (label: string, value: string | undefined) => (value ? [{ label, value }] : []);
  return (
    <Container
      header={
        <Header variant="h2" description="Imported from SageMaker's Model Registry. The package is Approved there once this version is live in prod, and Rejected if it is rolled back.">
          Lineage
        </Header>
      }
    >
      <KeyValuePairs
        columns={3}
        items={[
          {
            label: 'Model package',
            value: (
              <CopyToClipboard
                variant="inline"
                textToCopy={lineage.modelPackage ?? ""}
                copyButtonAriaLabel="Copy model package ARN"
                copySuccessText="Model package ARN copied"
                copyErrorText="Model package ARN not copied"
              />
            ),
          },
          ...optional('Model package group', lineage.modelPackageGroup),
          ...optional('Package version', lineage.modelPackageVersion),
          ...optional('Generated by', lineage.generatedBy),
          ...optional('SageMaker project', lineage.sageMakerProject),
          ...optional('Repository', lineage.repository),
          ...optional('Commit', lineage.commit),
        ]}
      />
    </Container>
  );
}
