import { useState } from 'react';

/** State kept in localStorage, e.g. a table's column preferences. */
export function useLocalStorage<T>(key: string, initial: T): [T, (v: T) => void] {
  const [value, setValue] = useState<T>(() => {
    try {
      const raw = localStorage.getItem(key);
      return raw ? ({ ...initial, ...(JSON.parse(raw) as T) } as T) : initial;
    } catch {
      return initial;
    }
  });
  return [
    value,
    (v: T) => {
      setValue(v);
      localStorage.setItem(key, JSON.stringify(v));
    },
  ];
}
