import type { ErrorCode } from '../model/errors';

/** MLflow's mapping of error codes to HTTP statuses. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  RESOURCE_ALREADY_EXISTS: 400,
  INVALID_STATE: 400,
  BAD_REQUEST: 400,
  MALFORMED_REQUEST: 400,
  PERMISSION_DENIED: 403,
  UNAUTHENTICATED: 401,
  ENDPOINT_NOT_FOUND: 404,
  REQUEST_LIMIT_EXCEEDED: 429,
  NOT_IMPLEMENTED: 501,
  INTERNAL_ERROR: 500,
};

/** MLflow's error body. */
export interface ErrorBody {
  error_code: ErrorCode;
  message: string;
}
