import { SextantError, type ErrorCode } from '@sextant/core';
import { ErrorCodes, LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';
import type { SextantErrorData } from './protocol';

const BAD_PARAMS: readonly ErrorCode[] = [
  'INVALID_PARAMETER_VALUE',
  'BAD_REQUEST',
  'MALFORMED_REQUEST',
];

/**
 * The response error a client sees for anything a handler throws: a SextantError keeps its message
 * and puts its MLflow code in `data` (InvalidParams for bad input, RequestFailed otherwise); any
 * other error is an InternalError with code INTERNAL_ERROR.
 */
export function toResponseError(error: unknown): ResponseError<SextantErrorData> {
  if (error instanceof ResponseError) return error as ResponseError<SextantErrorData>;
  if (error instanceof SextantError) {
    const code = BAD_PARAMS.includes(error.code)
      ? ErrorCodes.InvalidParams
      : LSPErrorCodes.RequestFailed;
    return new ResponseError(code, error.message, { errorCode: error.code });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ResponseError(ErrorCodes.InternalError, `Internal error: ${message}`, {
    errorCode: 'INTERNAL_ERROR',
  });
}
