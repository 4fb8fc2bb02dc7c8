import type { components } from './schema';
import { api, ok } from './client';
import { ProblemError } from './problem';

export type ExportJob = components['schemas']['ExportJobDto'];
export type ExportRequest = components['schemas']['CreateExportRequest'];

/** The export job a 413 answer asks for instead (api.md, "Exports"), or undefined for any other error. */
export function jobRequestOf(e: unknown): ExportRequest | undefined {
  if (!(e instanceof ProblemError) || e.status !== 413) return undefined;
  const job = e.body.job;
  return job && typeof job === 'object' ? (job as ExportRequest) : undefined;
}

export function startExport(body: ExportRequest) {
  return ok(api.POST('/v1/exports', { body }));
}

export function getExport(id: string) {
  return ok(api.GET('/v1/exports/{id}', { params: { path: { id } } }));
}

const finished = (j: ExportJob) => j.status === 'Succeeded' || j.status === 'Failed';

/**
 * Starts an export job and follows it until it ends: once a second, then every few seconds (a long job should not
 * cost a request a second for minutes). Calls onProgress with each state; stops when the signal aborts.
 */
export async function runExport(body: ExportRequest, onProgress: (job: ExportJob) => void, signal?: AbortSignal): Promise<ExportJob> {
  let job = await startExport(body);
  onProgress(job);
  for (let polls = 0; !finished(job); polls++) {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, polls < 20 ? 1000 : 5000);
      signal?.addEventListener('abort', () => {
        clearTimeout(t);
        reject(new DOMException('The export is no longer followed.', 'AbortError'));
      });
    });
    job = await getExport(job.id);
    onProgress(job);
  }
  return job;
}

/** Saves a finished job's file: the presigned link answers with Content-Disposition: attachment, so the page stays. */
export function saveExport(job: ExportJob) {
  if (!job.downloadUrl) return;
  const a = document.createElement('a');
  a.href = job.downloadUrl;
  a.download = job.fileName ?? '';
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
}
