import { useCallback, useEffect, useRef } from 'react';
import Button from '@cloudscape-design/components/button';
import { jobRequestOf, runExport, saveExport, type ExportJob } from '../api/exports';
import { useFlash } from '../shell/flash';
import { fileSize, num, timestamp } from './format';

const rows = (n: number) => `${num(n)} ${n === 1 ? 'row' : 'rows'}`;

/**
 * Exports as people expect them: a small one downloads at once; one too large for a single response (the API's 413)
 * becomes an export job, followed in a flash message ("Preparing…") and saved when it is ready, with a button to
 * save it again while its link lasts. Leaving the page stops the following, not the job.
 */
export function useExport() {
  const flash = useFlash();
  const following = useRef<AbortController | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    following.current = controller;
    return () => controller.abort();
  }, []);

  return useCallback(
    async (what: string, direct: () => Promise<void>) => {
      let request;
      try {
        await direct();
        return;
      } catch (e) {
        request = jobRequestOf(e);
        if (!request) {
          flash.pushError(e, `The ${what} did not download`);
          return;
        }
      }
      const id = `export-${Date.now()}`;
      const progress = (job: ExportJob) =>
        flash.push({
          id,
          type: 'in-progress',
          loading: true,
          header: `Preparing the ${what}`,
          content:
            job.status === 'Running'
              ? `It is too large to download directly, so it is being written to a file (job ${job.id}). It downloads when it is ready.`
              : `It is too large to download directly, so it was queued as an export job (${job.id}). It downloads when it is ready.`,
        });
      try {
        const job = await runExport(request, progress, following.current?.signal);
        if (job.status === 'Failed') {
          flash.push({ id, type: 'error', header: `The ${what} failed`, content: job.error ?? `Export job ${job.id} failed.` });
          return;
        }
        saveExport(job);
        flash.push({
          id,
          type: 'success',
          header: `${job.fileName ?? 'The export'} is ready`,
          content: `${rows(job.rows)}, ${fileSize(job.bytes)}. Its download link works until ${timestamp(job.downloadExpiresAt)}.`,
          action: job.downloadUrl ? (
            <Button href={job.downloadUrl} download={job.fileName ?? true} iconName="download">
              Download again
            </Button>
          ) : undefined,
        });
      } catch (e) {
        if (e instanceof DOMException && e.name === 'AbortError') return;
        flash.pushError(e, `The ${what} did not finish`);
      }
    },
    [flash],
  );
}
