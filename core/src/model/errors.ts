/**
 * MLflow's error codes, the ones Sextant answers with. The HTTP server maps each to its status.
 */
export type ErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'INVALID_STATE'
  | 'BAD_REQUEST'
  | 'MALFORMED_REQUEST'
  | 'PERMISSION_DENIED'
  | 'UNAUTHENTICATED'
  | 'ENDPOINT_NOT_FOUND'
  | 'REQUEST_LIMIT_EXCEEDED'
  | 'NOT_IMPLEMENTED'
  | 'INTERNAL_ERROR';

/** An error a user can act on: the code says what kind, the message says what to do. */
export class SextantError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SextantError';
  }
}

export const invalid = (message: string): SextantError =>
  new SextantError('INVALID_PARAMETER_VALUE', message);

export const notFound = (message: string): SextantError =>
  new SextantError('RESOURCE_DOES_NOT_EXIST', message);
