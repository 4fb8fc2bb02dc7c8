/** An error answer from the API (RFC 9457 problem+json), or a network failure said in the same shape. */
export class ProblemError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail?: string;
  readonly errors: Record<string, string[]>;
  readonly traceId?: string;
  /** The whole problem body, for members beyond the standard ones (a 413's ready export job request, `job`). */
  readonly body: Record<string, unknown>;

  constructor(status: number, body: unknown) {
    const b = (body ?? {}) as { title?: string; detail?: string; errors?: Record<string, string[]>; traceId?: string };
    const title = b.title ?? (status === 0 ? 'The API cannot be reached' : `The API answered ${status}`);
    super(b.detail ? `${title}: ${b.detail}` : title);
    this.status = status;
    this.title = title;
    this.detail = b.detail;
    this.errors = b.errors ?? {};
    this.traceId = b.traceId;
    this.body = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  }

  /** The reasons given for one field, e.g. fieldError('comment'), joined for a FormField's errorText. */
  fieldError(field: string): string | undefined {
    const match = Object.entries(this.errors).find(([k]) => k.toLowerCase() === field.toLowerCase());
    return match ? match[1].join(' ') : undefined;
  }

  /** Every field and its reasons, for a message: "comment: 'comment' must be at most 2000 characters." */
  fieldLines(): string[] {
    return Object.entries(this.errors).map(([field, reasons]) => `${field}: ${reasons.join(' ')}`);
  }
}

export function asProblem(e: unknown): ProblemError {
  if (e instanceof ProblemError) return e;
  return new ProblemError(0, { detail: e instanceof Error ? e.message : String(e) });
}
