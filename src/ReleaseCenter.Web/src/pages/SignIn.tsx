import { useEffect, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import Alert from '@cloudscape-design/components/alert';
import AppLayout from '@cloudscape-design/components/app-layout';
import Badge from '@cloudscape-design/components/badge';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Cards from '@cloudscape-design/components/cards';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import { loadConfig } from '../auth/config';
import { saveSession, sessionFromToken } from '../auth/session';
import { signInWithCognito } from '../auth/cognito';
import { api, ok } from '../api/client';
import { asProblem, type ProblemError } from '../api/problem';
import { ProblemAlert } from '../components/ProblemAlert';
import { TopBar } from '../shell/Layout';

function safeReturn(to: string | null): string {
  // Only paths inside the console: never an absolute URL an attacker could put in the link.
  return to && to.startsWith('/') && !to.startsWith('//') ? to : '/releases';
}

export default function SignIn() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const returnTo = safeReturn(params.get('returnTo'));
  const config = useQuery({ queryKey: ['config'], queryFn: loadConfig, staleTime: Infinity });
  const [user, setUser] = useState('');
  const [groups, setGroups] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<ProblemError | null>(null);

  useEffect(() => {
    document.title = 'Sign in · ML Release Center';
  }, []);

  const signIn = async (name: string, groupList: string[]) => {
    setBusy(name);
    setError(null);
    try {
      const t = await ok(api.GET('/v1/local/token', { params: { query: { user: name, groups: groupList.join(',') } } }));
      saveSession({ ...sessionFromToken(t.token, String(t.expiresAt), 'local'), user: name, groups: groupList });
      navigate(returnTo, { replace: true });
    } catch (e) {
      setError(asProblem(e));
    } finally {
      setBusy(null);
    }
  };

  const content = (() => {
    if (config.isPending) return <Spinner size="large" />;
    if (config.isError) return <ProblemAlert error={config.error} header="The console cannot read its configuration" />;
    const c = config.data;
    if (c.auth === 'cognito') {
      return (
        <Container>
          <SpaceBetween size="m">
            <Box>Sign in with your organization's account. You will come back here afterwards.</Box>
            <Button variant="primary" onClick={() => void signInWithCognito(c, returnTo)}>
              Sign in
            </Button>
          </SpaceBetween>
        </Container>
      );
    }
    return (
      <SpaceBetween size="l">
        {params.get('expired') ? (
          <Alert type="info" header="Your session ended">
            The local stack signs tokens with a key made when it starts, so a restart ends every session. Sign in again.
          </Alert>
        ) : null}
        <Cards
          header={<Header variant="h2" description="The people of the demo story. One click signs you in with their groups.">Demo users</Header>}
          trackBy="name"
          items={c.users}
          cardsPerRow={[{ cards: 1 }, { minWidth: 600, cards: 3 }, { minWidth: 1000, cards: 5 }]}
          cardDefinition={{
            header: (u) => u.name,
            sections: [
              {
                id: 'groups',
                header: 'Groups',
                content: (u) => (
                  <SpaceBetween direction="horizontal" size="xxs">
                    {u.groups.map((g) => (
                      <Badge key={g}>{g}</Badge>
                    ))}
                  </SpaceBetween>
                ),
              },
              {
                id: 'action',
                content: (u) => (
                  <Button onClick={() => void signIn(u.name, u.groups)} loading={busy === u.name} ariaLabel={`Sign in as ${u.name}`}>
                    Sign in as {u.name}
                  </Button>
                ),
              },
            ],
          }}
        />
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void signIn(user.trim(), groups.split(',').map((g) => g.trim()).filter(Boolean));
          }}
        >
          <Form
            header={<Header variant="h2" description="Any user name, with any groups, for trying the policies out.">Someone else</Header>}
            actions={
              <Button variant="primary" formAction="submit" loading={busy === user.trim() && user.trim() !== ''}>
                Sign in
              </Button>
            }
            errorText={error && Object.keys(error.errors).length === 0 ? `${error.title}${error.detail ? `: ${error.detail}` : ''}` : undefined}
          >
            <Container>
              <SpaceBetween size="m">
                <FormField label="User name" errorText={error?.fieldError('user')} constraintText="Letters, digits and . _ @ -, up to 64.">
                  <Input value={user} onChange={(e) => setUser(e.detail.value)} ariaRequired autoComplete="username" />
                </FormField>
                <FormField
                  label="Groups"
                  description="Comma-separated, e.g. ml-engineers, approvers-staging, approvers-prod, release-admins."
                  errorText={error?.fieldError('groups')}
                >
                  <Input value={groups} onChange={(e) => setGroups(e.detail.value)} />
                </FormField>
              </SpaceBetween>
            </Container>
          </Form>
        </form>
      </SpaceBetween>
    );
  })();

  return (
    <>
      <TopBar />
      <AppLayout
        headerSelector="#top-nav"
        navigationHide
        toolsHide
        content={
          <ContentLayout
            header={
              <Header variant="h1" description="Local stack: development tokens, good until the stack stops. Nothing here reaches AWS.">
                Sign in to ML Release Center
              </Header>
            }
          >
            {content}
          </ContentLayout>
        }
      />
    </>
  );
}
