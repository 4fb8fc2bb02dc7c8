import Alert from '@cloudscape-design/components/alert';
import { asProblem } from '../api/problem';

/** An API failure in place: its title, what it says, and each field with its reason. */
export function ProblemAlert({ error, header }: { error: unknown; header?: string }) {
  const p = asProblem(error);
  const type = p.status === 404 || p.status === 409 ? 'warning' : 'error';
  return (
    <Alert type={type} header={header ?? p.title}>
      {header && p.title !== header ? <div>{p.title}</div> : null}
      {p.detail ? <div>{p.detail}</div> : null}
      {p.fieldLines().map((line) => (
        <div key={line}>{line}</div>
      ))}
      {p.status >= 500 && p.traceId ? <div>Trace id: {p.traceId}</div> : null}
    </Alert>
  );
}
