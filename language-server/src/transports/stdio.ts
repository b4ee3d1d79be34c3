import { createConnection } from 'vscode-languageserver/node';
import { createSextantServer, type SextantServerOptions } from '../server';

/**
 * Serves one client over this process's stdin and stdout, as VS Code and jupyter-lsp start
 * language servers. The process exits on `exit`, when stdin ends, or when the client process
 * (`--clientProcessId` or the initialize `processId`) dies. Anything logged goes to stderr, so
 * stdout carries only LSP messages.
 */
export function serveStdio(options: SextantServerOptions = {}): void {
  console.log = console.info = console.debug = console.error;
  createSextantServer(createConnection(process.stdin, process.stdout), options);
}
