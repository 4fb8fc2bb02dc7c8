import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import type { FlashbarProps } from '@cloudscape-design/components/flashbar';
import { asProblem } from '../api/problem';

type Message = Omit<FlashbarProps.MessageDefinition, 'id' | 'onDismiss' | 'dismissible'> & { id?: string };

interface Flash {
  items: FlashbarProps.MessageDefinition[];
  push: (m: Message) => void;
  /** An API failure as a flash: its title, its detail, and each field with its reason. */
  pushError: (e: unknown, header?: string) => void;
  dismiss: (id: string) => void;
}

const FlashContext = createContext<Flash | null>(null);
let counter = 0;

export function FlashProvider({ children }: { children: ReactNode }) {
  const [items, setItems] = useState<FlashbarProps.MessageDefinition[]>([]);
  const dismiss = useCallback((id: string) => setItems((xs) => xs.filter((x) => x.id !== id)), []);
  const push = useCallback(
    (m: Message) => {
      const id = m.id ?? `flash-${++counter}`;
      setItems((xs) => [
        { ...m, id, dismissible: true, dismissLabel: 'Dismiss message', onDismiss: () => dismiss(id) },
        ...xs.filter((x) => x.id !== id),
      ]);
    },
    [dismiss],
  );
  const pushError = useCallback(
    (e: unknown, header?: string) => {
      const p = asProblem(e);
      const lines = [p.detail, ...p.fieldLines(), p.status >= 500 && p.traceId ? `Trace id: ${p.traceId}` : undefined].filter(Boolean);
      push({ type: 'error', header: header ? `${header}: ${p.title}` : p.title, content: lines.join(' ') || undefined });
    },
    [push],
  );
  const value = useMemo(() => ({ items, push, pushError, dismiss }), [items, push, pushError, dismiss]);
  return <FlashContext.Provider value={value}>{children}</FlashContext.Provider>;
}

export function useFlash(): Flash {
  const f = useContext(FlashContext);
  if (!f) throw new Error('useFlash outside FlashProvider');
  return f;
}
