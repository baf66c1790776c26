// A minimal LSP client for the protocol tests: spawns `node bin/crashnav.js lsp --stdio` (the built CLI) and
// speaks JSON-RPC to it with vscode-jsonrpc, answering the server's own requests as an editor would.
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, type MessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import {
  type ClientCapabilities,
  ConfigurationRequest,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  InitializedNotification,
  InitializeRequest,
  type InitializeResult,
  type PublishDiagnosticsParams,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  WorkDoneProgressCreateRequest,
} from 'vscode-languageserver-protocol';

export interface StatusResult {
  sourceRoots: string[];
  indexes: { root: string; database: string; files: number; indexing: boolean }[];
  vmlinux?: string;
  missing: string[];
}

export const repoRoot = path.resolve(import.meta.dirname, '../..');
const cli = path.join(repoRoot, 'bin/crashnav.js');
const builtServer = path.join(repoRoot, 'dist/server/main.js');

/** The newest modification time of the TypeScript the server is built from. */
function newestSource(): number {
  let newest = 0;
  for (const room of ['server', 'crash', 'debuginfo', 'indexer', 'clients/cli', 'clients/report']) {
    for (const entry of readdirSync(path.join(repoRoot, room), { recursive: true, encoding: 'utf8' })) {
      if (entry.endsWith('.ts')) newest = Math.max(newest, statSync(path.join(repoRoot, room, entry)).mtimeMs);
    }
  }
  return newest;
}

/** `npm test` builds first; a bare `vitest run` builds here when any source is newer than the build. */
export function ensureBuilt(): void {
  if (existsSync(builtServer) && statSync(builtServer).mtimeMs >= newestSource()) return;
  execFileSync(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', repoRoot], { stdio: 'inherit' });
}

export const fileUri = (file: string): string => pathToFileURL(file).href;

export const capabilities: ClientCapabilities = {
  workspace: { configuration: true, workspaceFolders: true, didChangeWatchedFiles: { dynamicRegistration: true } },
  window: { workDoneProgress: true },
  textDocument: {
    hover: { contentFormat: ['markdown', 'plaintext'] },
    definition: { linkSupport: false },
    callHierarchy: {},
    inlayHint: {},
  },
};

export interface LspClientOptions {
  /** Sent as initializationOptions. */
  initializationOptions?: unknown;
  /** Served for workspace/configuration section `crashnav`. */
  configuration?: unknown;
  workspaceFolders?: string[];
  capabilities?: ClientCapabilities;
}

export class LspClient {
  readonly connection: MessageConnection;
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  readonly progress: unknown[] = [];
  readonly logs: string[] = [];
  stderr = '';
  private readonly diagnosticWaiters: Array<() => void> = [];

  private constructor(
    readonly child: ChildProcessWithoutNullStreams,
    private readonly options: LspClientOptions,
  ) {
    child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    this.connection.onRequest(ConfigurationRequest.type, (params) => params.items.map(() => this.options.configuration ?? null));
    this.connection.onRequest(WorkDoneProgressCreateRequest.type, () => undefined);
    this.connection.onRequest(RegistrationRequest.type, () => undefined);
    this.connection.onNotification('$/progress', (p: unknown) => {
      this.progress.push(p);
    });
    for (const method of ['window/logMessage', 'window/showMessage']) {
      this.connection.onNotification(method, (p: { message: string }) => {
        this.logs.push(p.message);
      });
    }
    this.connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      this.diagnostics.set(p.uri, p);
      for (const wake of this.diagnosticWaiters.splice(0)) wake();
    });
    this.connection.listen();
  }

  static async start(options: LspClientOptions = {}): Promise<{ client: LspClient; init: InitializeResult }> {
    const child = spawn(process.execPath, [cli, 'lsp', '--stdio'], { cwd: repoRoot, stdio: 'pipe' });
    const client = new LspClient(child, options);
    const folders = options.workspaceFolders ?? [];
    const init = await client.connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: options.capabilities ?? capabilities,
      workspaceFolders: folders.map((f) => ({ uri: fileUri(f), name: path.basename(f) })),
      initializationOptions: options.initializationOptions,
    });
    await client.connection.sendNotification(InitializedNotification.type, {});
    return { client, init };
  }

  async open(file: string, languageId: string, text = readFileSync(file, 'utf8')): Promise<string> {
    return this.openUri(fileUri(file), languageId, text);
  }

  /** Opens a document by URI, e.g. an `untitled:` buffer that has no file. */
  async openUri(uri: string, languageId: string, text: string): Promise<string> {
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version: 1, text } });
    return uri;
  }

  /** Replaces the document's whole text, as an editor's full-text didChange. */
  async change(uri: string, version: number, text: string): Promise<void> {
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.connection.sendRequest(method, params) as Promise<R>;
  }

  /** Waits until diagnostics for `uri` satisfy `accept` (the server may publish them in steps). */
  async waitForDiagnostics(uri: string, accept: (p: PublishDiagnosticsParams) => boolean, timeoutMs = 30_000): Promise<PublishDiagnosticsParams> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = this.diagnostics.get(uri);
      if (current && accept(current)) return current;
      if (Date.now() > deadline) throw new Error(`no matching diagnostics for ${uri} within ${timeoutMs} ms; last: ${JSON.stringify(current)}`);
      await new Promise<void>((resolve) => {
        this.diagnosticWaiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  /** What the client answers to workspace/configuration from now on (then tell the server with didChangeConfiguration). */
  setConfiguration(configuration: unknown): void {
    this.options.configuration = configuration;
  }

  /** Polls `crashnav/status` until every index has files and none is being built. */
  async waitForIndex(timeoutMs = 60_000): Promise<StatusResult> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.request<StatusResult>('crashnav/status', null);
      if (status.indexes.length > 0 && status.indexes.every((i) => !i.indexing && i.files > 0)) return status;
      if (Date.now() > deadline) throw new Error(`index not ready after ${timeoutMs} ms: ${JSON.stringify(status)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
      await this.connection.sendNotification('exit');
    } catch {
      // The server may already be gone; the kill below settles it.
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        resolve();
      }, 3000);
      this.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.connection.dispose();
  }
}
