import Box from '@cloudscape-design/components/box';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import Link from '@cloudscape-design/components/link';
import { Layout, useFollow } from '../shell/Layout';
import { usePageTitle } from '../shell/usePageTitle';

export default function NotFound() {
  usePageTitle('Not found');
  const follow = useFollow();
  return (
    <Layout
      breadcrumbs={[{ text: 'ML Release Center', href: '/releases' }]}
      content={
        <ContentLayout header={<Header variant="h1">Page not found</Header>}>
          <Container>
            <Box variant="p">
              Nothing lives at {window.location.pathname}. Go to the <Link href="/releases" onFollow={follow}>release catalog</Link>.
            </Box>
          </Container>
        </ContentLayout>
      }
    />
  );
}
