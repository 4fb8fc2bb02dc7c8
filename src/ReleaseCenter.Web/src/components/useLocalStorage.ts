import { useState } from 'react';

/**
 * State kept in localStorage, e.g. a table's column preferences or the split panel's width. A stored object is
 * laid over the initial one, so preferences saved by an older console still get the fields added since.
 */
export function useLocalStorage<T>(key: string, initial: T): [T, (v: T) => void] {
  const [value, setValue] = useState<T>(() => {
    try {
      const raw = localStorage.getItem(key);
      if (!raw) return initial;
      const stored = JSON.parse(raw) as T;
      const isObject = (x: unknown) => typeof x === 'object' && x !== null && !Array.isArray(x);
      return isObject(initial) && isObject(stored) ? ({ ...initial, ...stored } as T) : typeof stored === typeof initial ? stored : initial;
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
