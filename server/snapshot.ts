// The read-only view every handler gets: settings, open documents, the workspace's engines and the parsed
// crash reports, as they were when the request arrived. Handlers never reach for the session's globals.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Settings } from './config.js';
import type { ReportStore } from './reports/report-store.js';
import type { Workspace } from './workspace/workspace.js';

export interface ClientFeatures {
  /** The client serves `workspace/textDocumentContent` (LSP 3.18) for `crashnav-disasm:` URIs. */
  textDocumentContent: boolean;
  /** The client accepts `LocationLink`s for definitions (else plain `Location`s). */
  definitionLinks: boolean;
  /** Hover and completion docs may be markdown. */
  markdownHover: boolean;
}

export interface Snapshot {
  readonly settings: Settings;
  /** Architecture for ranking when a report does not say (settings, else `x86`). */
  readonly arch: string;
  readonly client: ClientFeatures;
  readonly workspace: Workspace;
  readonly reports: ReportStore;
  /** Roots whose index is being built or updated right now (answers may be partial). */
  readonly indexingRoots: readonly string[];
  document(uri: string): TextDocument | undefined;
}
