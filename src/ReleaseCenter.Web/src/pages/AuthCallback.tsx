import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import Box from '@cloudscape-design/components/box';
import Spinner from '@cloudscape-design/components/spinner';
import { loadConfig } from '../auth/config';
import { completeCognitoSignIn } from '../auth/cognito';
import { ProblemAlert } from '../components/ProblemAlert';

/** Where Cognito's hosted UI sends the browser back with the authorization code (exchanged with PKCE). */
export default function AuthCallback() {
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    void (async () => {
      try {
        const config = await loadConfig();
        if (config.auth !== 'cognito') throw new Error('This deployment does not sign in through Cognito.');
        navigate(await completeCognitoSignIn(config), { replace: true });
      } catch (e) {
        setError(e);
      }
    })();
  }, [navigate]);
  return <Box padding="xxl">{error ? <ProblemAlert error={error} header="Sign-in did not complete" /> : <Spinner size="large" />}</Box>;
}
