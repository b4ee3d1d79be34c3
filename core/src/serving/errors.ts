/** A request serving could not answer: its HTTP status, and a Retry-After when it is worth one. */
export class ServingError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Seconds to wait before trying again (429, 503). */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ServingError';
  }
}

/** A 400: the request is wrong, and the message says how. */
export const badRequest = (message: string): ServingError => new ServingError(400, message);
