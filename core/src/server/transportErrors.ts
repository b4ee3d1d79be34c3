import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import http from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorBody } from './errors';

/**
 * Requests the router refuses before any route runs (a malformed percent-escape in the URL, a
 * path parameter over Fastify's length limit): answered in MLflow's error shape.
 */
export function frameworkErrors(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 400;
  const body: ErrorBody = {
    error_code: 'BAD_REQUEST',
    message: `${error.message.slice(0, 300)}: fix the request URL.`,
  };
  void reply.code(status).send(body);
}

/**
 * Requests Node's HTTP parser refuses (a request line or headers over 16 KiB, broken framing, a
 * client too slow to send its headers): answered in MLflow's error shape, then the connection
 * is closed, as Node does.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, body]: [number, ErrorBody] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [
          431,
          {
            error_code: 'REQUEST_LIMIT_EXCEEDED',
            message:
              'The request line and headers are over 16 KiB: send long values in a JSON body.',
          },
        ]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, { error_code: 'BAD_REQUEST', message: 'The request was not sent in time.' }]
        : [400, { error_code: 'MALFORMED_REQUEST', message: 'The HTTP request is malformed.' }];
  if (socket.writable) {
    const text = JSON.stringify(body);
    socket.write(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
        `Content-Type: application/json\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy(error);
}
