import { createConnection as createConnectionWithWatchDog } from 'vscode-languageserver';
import {
  createProtocolConnection,
  type Connection,
  type MessageReader,
  type MessageWriter,
} from 'vscode-languageserver/node';

/**
 * An LSP connection over a reader and a writer whose `exit` notification ends only this
 * connection: `onExit` runs instead of `process.exit`, so one process can serve many clients
 * (the WebSocket transport) or host a server inside a test.
 */
export function createDetachedConnection(
  reader: MessageReader,
  writer: MessageWriter,
  onExit: (code: number) => void,
): Connection {
  return createConnectionWithWatchDog(
    (logger) => createProtocolConnection(reader, writer, logger),
    { shutdownReceived: false, initialize: () => undefined, exit: onExit },
  );
}
