import Box from '@cloudscape-design/components/box';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import Link from '@cloudscape-design/components/link';
import { Layout, useFollow } from '../shell/Layout';
import { usePageTitle } from '../shell/usePageTitle';

const apiOf: Record<string, string> = {
  Environments: 'GET /v1/environments, /v1/environments/{env}/history and POST /v1/environments/{env}/rollback/preview',
  'Audit log': 'GET /v1/audit, /v1/audit/export and /v1/audit/verify',
  Drift: 'GET /v1/models/{model}/drift-reports',
  Dashboard: 'GET /v1/metrics/delivery',
};

export default function ComingSoon({ page }: { page: string }) {
  usePageTitle(page);
  const follow = useFollow();
  return (
    <Layout
      breadcrumbs={[
        { text: 'ML Release Center', href: '/releases' },
        { text: page, href: '#' },
      ]}
      content={
        <ContentLayout header={<Header variant="h1">{page}</Header>}>
          <Container>
            <Box variant="p">This page comes with the next part of the console.</Box>
            <Box variant="p">
              Until then the API has it: {apiOf[page] ?? 'see the API reference'} (
              <Link href="/docs" external>
                API reference
              </Link>
              ). The <Link href="/releases" onFollow={follow}>release catalog</Link> and its release pages show each release's own deployments.
            </Box>
          </Container>
        </ContentLayout>
      }
    />
  );
}
