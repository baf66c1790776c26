// The server's mutable state and its lifecycle: settings as they arrive, the open documents, the workspace's
// engines (reopened when settings change), indexing on start with `$/progress`, and diagnostics publication.
// Handlers never see this class, only the snapshots it hands out.
import path from 'node:path';
import {
  type ClientCapabilities,
  CodeLensRefreshRequest,
  type Connection,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  type FileEvent,
  FileChangeType,
  FoldingRangeRefreshRequest,
  InlayHintRefreshRequest,
  type InitializeParams,
  type InitializeResult,
  MessageType,
  ShowMessageNotification,
  TextDocuments,
  type WorkspaceFolder,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { serverCapabilities } from './capabilities.js';
import { applySettings, defaultSettings, type Settings } from './config.js';
import { uriToPath } from './convert.js';
import { computeReportDiagnostics } from './handlers/diagnostics.js';
import { settingsSection } from './protocol.js';
import type { ReportDocument } from './reports/report-document.js';
import { type AnalysisEvent, mayHoldReport, ReportStore } from './reports/report-store.js';
import type { ClientFeatures, Snapshot } from './snapshot.js';
import { openWorkspace } from './workspace/open-workspace.js';
import type { Workspace } from './workspace/workspace.js';

const cFile = /\.(?:c|h)$/;

export class Session {
  readonly documents = new TextDocuments(TextDocument);
  readonly reports: ReportStore;
  private settings: Settings = defaultSettings();
  private folders: string[] = [];
  private client: ClientCapabilities = {};
  private features: ClientFeatures = { textDocumentContent: false, definitionLinks: false, markdownHover: false };
  private workspace: Workspace;
  private indexing: AbortController | undefined;
  private readonly indexingRoots = new Set<string>();
  private readonly seen = new Set<string>();
  private readonly toldUnindexed = new Set<string>();
  private readonly reindexTimers = new Map<string, { timer: NodeJS.Timeout; run: () => void }>();

  constructor(private readonly connection: Connection) {
    this.reports = new ReportStore((event) => this.reportAnalyzed(event));
    this.workspace = openWorkspace({ settings: this.settings, folders: [], log: (m) => this.log(m) });
    // onDidChangeContent fires for the opening text too: the first time a URI is seen is its opening.
    this.documents.onDidChangeContent((e) => {
      const opened = !this.seen.has(e.document.uri);
      this.seen.add(e.document.uri);
      this.documentChanged(e.document, { opened });
    });
    this.documents.onDidClose((e) => {
      this.seen.delete(e.document.uri);
      const wasReport = this.reports.isReport(e.document.uri);
      this.reports.delete(e.document.uri);
      if (wasReport) void this.connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    });
    this.documents.listen(connection);
  }

  snapshot(): Snapshot {
    // A request sees every edit made before it: pending re-indexes run now rather than after their debounce.
    for (const pending of [...this.reindexTimers.values()]) pending.run();
    const documents = this.documents;
    return {
      settings: this.settings,
      arch: this.settings.arch ?? 'x86',
      client: this.features,
      workspace: this.workspace,
      reports: this.reports,
      indexingRoots: [...this.indexingRoots],
      // Handlers read a document's text only to navigate it as C: a text document, whether or not it holds a
      // report, is never navigated by its words (a word in a log is not a kernel identifier).
      document: (uri) => (this.reports.has(uri) ? undefined : documents.get(uri)),
    };
  }

  initialize(params: InitializeParams): InitializeResult {
    this.client = params.capabilities;
    this.features = {
      textDocumentContent: params.capabilities.workspace?.textDocumentContent !== undefined,
      definitionLinks: params.capabilities.textDocument?.definition?.linkSupport === true,
      markdownHover: params.capabilities.textDocument?.hover?.contentFormat?.includes('markdown') ?? false,
    };
    this.folders = folderPaths(params.workspaceFolders ?? undefined, params.rootUri ?? undefined);
    this.applyRawSettings(params.initializationOptions);
    // Open the engines now, so requests sent right after `initialized` find the existing index.
    this.workspace.close();
    this.workspace = this.open();
    const workspace = this.workspace;
    setImmediate(() => workspace.resolver.warmUp());
    return { capabilities: serverCapabilities(params.capabilities), serverInfo: { name: 'crashnav' } };
  }

  async initialized(): Promise<void> {
    if (this.client.workspace?.didChangeConfiguration?.dynamicRegistration) {
      void this.connection.client.register(DidChangeConfigurationNotification.type, { section: settingsSection });
    }
    if (this.client.workspace?.didChangeWatchedFiles?.dynamicRegistration) {
      void this.connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: [{ globPattern: '**/*.{c,h,S}' }],
      });
    }
    if (this.client.workspace?.workspaceFolders) {
      this.connection.workspace.onDidChangeWorkspaceFolders((e) => {
        const removed = new Set(folderPaths(e.removed));
        this.folders = [...this.folders.filter((f) => !removed.has(f)), ...folderPaths(e.added)];
        this.reopen();
      });
    }
    const before = JSON.stringify(this.settings);
    await this.pullConfiguration();
    if (JSON.stringify(this.settings) !== before) this.reopen();
    else {
      this.tellUnindexed();
      void this.indexAll();
    }
    this.workspace.resolver.warmUp();
  }

  /** `workspace/didChangeConfiguration`: the pushed settings, or a fresh pull when the client supports it. */
  async configurationChanged(pushed: unknown): Promise<void> {
    if (this.client.workspace?.configuration) await this.pullConfiguration();
    else this.applyRawSettings((pushed as Record<string, unknown> | null)?.[settingsSection]);
    this.reopen();
  }

  watchedFilesChanged(changes: FileEvent[]): void {
    const byIndex = new Map<Workspace['indexes'][number], string[]>();
    for (const change of changes) {
      const file = uriToPath(change.uri);
      if (!file || !/\.(?:c|h|S)$/.test(file)) continue;
      // Files open in the editor are indexed from the editor's text, not the disk.
      if (change.type !== FileChangeType.Deleted && this.documents.get(change.uri)) continue;
      const index = this.workspace.indexFor(file);
      if (index) byIndex.set(index, [...(byIndex.get(index) ?? []), file]);
    }
    for (const [index, files] of byIndex) {
      index.refreshFiles(files).catch((err: unknown) => this.log(`re-indexing ${files.length} changed files failed: ${String(err)}`));
    }
  }

  shutdown(): void {
    this.indexing?.abort();
    for (const pending of this.reindexTimers.values()) clearTimeout(pending.timer);
    this.reports.dispose();
    this.workspace.close();
  }

  private log(message: string): void {
    this.connection.console.log(message);
  }

  private async pullConfiguration(): Promise<void> {
    if (!this.client.workspace?.configuration) return;
    try {
      const [section] = (await this.connection.workspace.getConfiguration([{ section: settingsSection }])) as unknown[];
      this.applyRawSettings(section);
    } catch (err) {
      this.log(`workspace/configuration failed: ${String(err)}`);
    }
  }

  private applyRawSettings(raw: unknown): void {
    const { settings, problems } = applySettings(this.settings, raw, this.folders[0] ?? process.cwd());
    this.settings = settings;
    // A notification, not window.showWarningMessage: that one is a request that waits for the user to answer.
    for (const problem of problems) void this.connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message: problem });
  }

  private open(): Workspace {
    return openWorkspace({ settings: this.settings, folders: this.folders, log: (m) => this.log(m) });
  }

  /**
   * A root left unindexed is explained once a session, after the pulled settings are in (they may make it
   * a source root).
   */
  private tellUnindexed(): void {
    for (const root of this.workspace.unindexed) {
      if (this.toldUnindexed.has(root)) continue;
      this.toldUnindexed.add(root);
      const message = `crashnav: ${root} is not a kernel tree, so its C code is not indexed (crash reports work as usual). To navigate it, add it to crashnav.sourceRoots or run 'crashnav index' in it.`;
      void this.connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Info, message });
    }
  }

  /** Reopens the engines for the current settings and brings every index up to date. */
  private reopen(): void {
    this.indexing?.abort();
    this.workspace.close();
    this.workspace = this.open();
    this.tellUnindexed();
    // Parsing does not depend on settings; what the frames resolve to (and so the diagnostics) does.
    for (const document of this.documents.all()) {
      const report = this.reports.get(document.uri);
      if (report) void report.then((r) => r && this.publishReportDiagnostics(document.uri, document.version, r));
    }
    void this.indexAll();
  }

  private async indexAll(): Promise<void> {
    const controller = new AbortController();
    this.indexing = controller;
    const workspace = this.workspace;
    // Marked from the start, so a status asked before the first update begins does not read "up to date".
    for (const index of workspace.indexes) this.indexingRoots.add(index.root);
    for (const index of workspace.indexes) {
      if (controller.signal.aborted) {
        this.indexingRoots.clear();
        return;
      }
      const progress = this.client.window?.workDoneProgress ? await this.connection.window.createWorkDoneProgress() : undefined;
      progress?.begin(`crashnav: indexing ${path.basename(index.root)}`, 0, index.root, false);
      let lastReport = 0;
      try {
        await index.update((p) => {
          const now = Date.now();
          if (now - lastReport < 200 && p.done < p.total) return;
          lastReport = now;
          progress?.report(p.total > 0 ? Math.floor((100 * p.done) / p.total) : 0, `${p.done}/${p.total} files`);
        }, controller.signal);
      } catch (err) {
        if (!controller.signal.aborted) this.log(`indexing ${index.root} failed: ${String(err)}`);
      } finally {
        this.indexingRoots.delete(index.root);
        progress?.done();
      }
    }
  }

  private documentChanged(document: TextDocument, how: { opened?: boolean } = {}): void {
    const file = uriToPath(document.uri);
    if (document.languageId === 'c' || (file !== undefined && cFile.test(file))) {
      if (file === undefined) return;
      // Opening a file as it is on disk changes nothing the index does not already know.
      if (how.opened && this.matchesDisk(file, document)) this.workspace.indexFor(file)?.openFile(file, document.getText());
      else this.scheduleReindex(file, document);
      return;
    }
    // Other source languages (C++ and the like, which no client sends today) are neither indexed nor analysed.
    if (mayHoldReport(document.languageId)) this.reports.update(document.uri, document.version, document.getText(), { opened: how.opened === true });
  }

  private matchesDisk(file: string, document: TextDocument): boolean {
    const lines = this.workspace.sources.lines(file);
    return lines !== undefined && lines.join('\n') === document.getText().replace(/\r\n/g, '\n');
  }

  /** Re-extracts an edited C file from the editor's text, debounced so typing does not re-parse every keystroke. */
  private scheduleReindex(file: string, document: TextDocument): void {
    const index = this.workspace.indexFor(file);
    if (!index) return;
    const previous = this.reindexTimers.get(file);
    if (previous) clearTimeout(previous.timer);
    const run = (): void => {
      clearTimeout(timer);
      this.reindexTimers.delete(file);
      const current = this.documents.get(document.uri);
      if (!current) return;
      try {
        index.updateFile(file, current.getText());
      } catch (err) {
        this.log(`re-indexing ${file} failed: ${String(err)}`);
      }
    };
    const timer = setTimeout(run, 100);
    this.reindexTimers.set(file, { timer, run });
  }

  /**
   * A text document's analysis: a report's diagnostics; when it stops being one, its diagnostics cleared; and
   * when an edit makes it one or stops it being one, the client asked to ask again for what it shows (lenses,
   * hints and folds come and go with the report; the protocol has no refresh for links). An opening needs no
   * refresh: the client's first requests wait for the analysis.
   */
  private reportAnalyzed({ uri, version, document, wasReport }: AnalysisEvent): void {
    if (document) void this.publishReportDiagnostics(uri, version, document);
    else if (wasReport) void this.connection.sendDiagnostics({ uri, version, diagnostics: [] });
    if (wasReport !== undefined && (document !== undefined) !== wasReport) this.requestRefresh();
  }

  private requestRefresh(): void {
    const workspace = this.client.workspace;
    const refreshes = [
      { type: CodeLensRefreshRequest.type, supported: workspace?.codeLens?.refreshSupport },
      { type: InlayHintRefreshRequest.type, supported: workspace?.inlayHint?.refreshSupport },
      { type: FoldingRangeRefreshRequest.type, supported: workspace?.foldingRange?.refreshSupport },
    ];
    for (const { type, supported } of refreshes) {
      if (supported) this.connection.sendRequest(type).catch((err: unknown) => this.log(`${type.method} failed: ${String(err)}`));
    }
  }

  private async publishReportDiagnostics(uri: string, version: number, analysis: ReportDocument): Promise<void> {
    const diagnostics = await computeReportDiagnostics(this.snapshot(), analysis);
    if (this.documents.get(uri)?.version !== version) return;
    await this.connection.sendDiagnostics({ uri, version, diagnostics });
  }
}

function folderPaths(folders: WorkspaceFolder[] | undefined, rootUri?: string): string[] {
  const uris = folders && folders.length > 0 ? folders.map((f) => f.uri) : rootUri ? [rootUri] : [];
  return uris.map(uriToPath).filter((p): p is string => p !== undefined);
}
