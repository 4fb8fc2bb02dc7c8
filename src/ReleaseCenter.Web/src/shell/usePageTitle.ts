import { useEffect } from 'react';

/** The browser tab says where you are, e.g. "fraud-detector v5 · Releases · ML Release Center". */
export function usePageTitle(...parts: (string | undefined)[]) {
  const title = [...parts.filter(Boolean), 'ML Release Center'].join(' · ');
  useEffect(() => {
    document.title = title;
  }, [title]);
}
