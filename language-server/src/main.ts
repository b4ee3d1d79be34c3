import { parseArgs } from 'node:util';
import { serveStdio } from './transports/stdio';
import { serveWebSocket, type WebSocketOptions } from './transports/websocket';

const USAGE = `Usage: sextant-language-server [--stdio]
       sextant-language-server --ws --port N [--host 127.0.0.1] [--allow-origin ORIGIN]...

  --stdio               serve one client over stdin/stdout (the default)
  --ws                  serve LSP over WebSocket, JSON text frames, one session per connection
  --port N              WebSocket port; 0 picks a free one (the address is printed on stderr)
  --host HOST           WebSocket bind address, loopback only (default 127.0.0.1)
  --allow-origin ORIGIN a browser origin allowed to connect; repeat for more
`;

/** What the command line asks for. */
type Command = { kind: 'help' } | { kind: 'stdio' } | { kind: 'ws'; options: WebSocketOptions };

function fail(message: string): never {
  process.stderr.write(`sextant-language-server: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function parse(args: string[]): Command {
  const { values } = parseArgs({
    args,
    options: {
      stdio: { type: 'boolean' },
      ws: { type: 'boolean' },
      port: { type: 'string' },
      host: { type: 'string' },
      'allow-origin': { type: 'string', multiple: true },
      // Passed by vscode-languageclient; vscode-languageserver reads it from process.argv.
      clientProcessId: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return { kind: 'help' };
  if (values.stdio && values.ws) throw new Error('choose one transport: --stdio or --ws');
  if (!values.ws) return { kind: 'stdio' };
  const port = Number(values.port);
  if (values.port === undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error('--ws needs --port with a port number (0 for any free port)');
  }
  return {
    kind: 'ws',
    options: { port, host: values.host, allowedOrigins: values['allow-origin'] },
  };
}

/** Runs the language server with command-line arguments (without `node` and the script). */
export async function main(args: string[]): Promise<void> {
  let command: Command;
  try {
    command = parse(args);
  } catch (error) {
    fail((error as Error).message);
  }
  if (command.kind === 'help') {
    process.stdout.write(USAGE);
  } else if (command.kind === 'stdio') {
    serveStdio();
  } else {
    try {
      const transport = await serveWebSocket(command.options);
      process.stderr.write(`sextant-language-server: listening on ${transport.url}\n`);
      const stop = (): void => void transport.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    } catch (error) {
      fail((error as Error).message);
    }
  }
}
