import { lazy, Suspense, type ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import Spinner from '@cloudscape-design/components/spinner';
import Box from '@cloudscape-design/components/box';
import { useSession } from './auth/session';

// Every page is its own chunk: the first load fetches the shell and the page it opens.
const SignIn = lazy(() => import('./pages/SignIn'));
const AuthCallback = lazy(() => import('./pages/AuthCallback'));
const Releases = lazy(() => import('./pages/Releases'));
const Release = lazy(() => import('./pages/Release'));
const NewRelease = lazy(() => import('./pages/NewRelease'));
const Approvals = lazy(() => import('./pages/Approvals'));
const Models = lazy(() => import('./pages/Models'));
const Model = lazy(() => import('./pages/Model'));
const ModelVersion = lazy(() => import('./pages/ModelVersion'));
const Project = lazy(() => import('./pages/Project'));
const Environments = lazy(() => import('./pages/Environments'));
const Rollback = lazy(() => import('./pages/Rollback'));
const Compare = lazy(() => import('./pages/Compare'));
const Audit = lazy(() => import('./pages/Audit'));
const Drift = lazy(() => import('./pages/Drift'));
const Dashboard = lazy(() => import('./pages/Dashboard'));
const NotFound = lazy(() => import('./pages/NotFound'));

function Loading() {
  return (
    <Box textAlign="center" padding="xxxl">
      <Spinner size="large" /> <Box variant="span">Loading</Box>
    </Box>
  );
}

function RequireSession({ children }: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (!session) {
    const returnTo = location.pathname + location.search;
    return <Navigate to={`/sign-in?returnTo=${encodeURIComponent(returnTo)}`} replace />;
  }
  return children;
}

const signedIn = (page: ReactNode) => <RequireSession>{page}</RequireSession>;

export function App() {
  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route path="/" element={<Navigate to="/releases" replace />} />
        <Route path="/sign-in" element={<SignIn />} />
        <Route path="/auth/callback" element={<AuthCallback />} />
        <Route path="/releases" element={signedIn(<Releases />)} />
        <Route path="/releases/new" element={signedIn(<NewRelease />)} />
        <Route path="/releases/:id" element={signedIn(<Release />)} />
        <Route path="/approvals" element={signedIn(<Approvals />)} />
        <Route path="/models" element={signedIn(<Models />)} />
        <Route path="/models/:name" element={signedIn(<Model />)} />
        <Route path="/models/:name/versions/:version" element={signedIn(<ModelVersion />)} />
        <Route path="/projects/:project" element={signedIn(<Project />)} />
        <Route path="/environments" element={signedIn(<Environments />)} />
        <Route path="/environments/:env" element={signedIn(<Environments />)} />
        <Route path="/rollbacks/:id" element={signedIn(<Rollback />)} />
        <Route path="/compare" element={signedIn(<Compare />)} />
        <Route path="/audit" element={signedIn(<Audit />)} />
        <Route path="/drift" element={signedIn(<Drift />)} />
        <Route path="/drift/:model" element={signedIn(<Drift />)} />
        <Route path="/drift/:model/:report" element={signedIn(<Drift />)} />
        <Route path="/dashboard" element={signedIn(<Dashboard />)} />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </Suspense>
  );
}
