// The server's entry: a JSON-RPC connection over the given streams (stdio for `crashnav lsp --stdio`), the
// session behind it, and the handlers of `register.ts`.
import type { Readable, Writable } from 'node:stream';
import { createConnection, type Connection, ProposedFeatures } from 'vscode-languageserver/node';
import { registerHandlers } from './register.js';
import { Session } from './session.js';

export interface ServerStreams {
  input: Readable;
  output: Writable;
}

export function startServer(streams: ServerStreams): Connection {
  if (streams.output === process.stdout) redirectConsoleToStderr();
  const connection = createConnection(ProposedFeatures.all, streams.input, streams.output);
  const session = new Session(connection);
  connection.onInitialize((params) => session.initialize(params));
  connection.onInitialized(() => void session.initialized());
  connection.onDidChangeConfiguration((params) => void session.configurationChanged(params.settings));
  connection.onDidChangeWatchedFiles((params) => session.watchedFilesChanged(params.changes));
  connection.onShutdown(() => session.shutdown());
  registerHandlers(connection, () => session.snapshot());
  connection.listen();
  return connection;
}

/** stdout carries the protocol: a stray console.log anywhere in the process would corrupt it. */
function redirectConsoleToStderr(): void {
  const write = (...args: unknown[]): void => {
    process.stderr.write(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ') + '\n');
  };
  console.log = write;
  console.info = write;
  console.debug = write;
}
