// The one list of request handlers, and the wrapper every request goes through: a fresh snapshot, checked
// params, cancellation, and containment (a failing handler fails that request only, the server lives on).
import {
  CallHierarchyIncomingCallsRequest,
  CallHierarchyOutgoingCallsRequest,
  CallHierarchyPrepareRequest,
  type CancellationToken,
  CodeLensRequest,
  type Connection,
  DeclarationRequest,
  DefinitionRequest,
  DocumentHighlightRequest,
  DocumentLinkRequest,
  DocumentSymbolRequest,
  ErrorCodes,
  ExecuteCommandRequest,
  FoldingRangeRequest,
  HoverRequest,
  InlayHintRequest,
  LSPErrorCodes,
  ReferencesRequest,
  ResponseError,
  TextDocumentContentRequest,
  WorkspaceSymbolRequest,
} from 'vscode-languageserver';
import { handleIncomingCalls, handleOutgoingCalls, handlePrepareCallHierarchy } from './handlers/call-hierarchy.js';
import { handleCodeLens } from './handlers/code-lens.js';
import { handleDeclaration } from './handlers/declaration.js';
import { handleDefinition } from './handlers/definition.js';
import { handleDisassemble } from './handlers/disassembly.js';
import { handleExecuteCommand, handleTextDocumentContent } from './handlers/virtual-documents.js';
import { handleOpenVmcore } from './handlers/vmcore.js';
import { handleDocumentHighlight } from './handlers/document-highlight.js';
import { handleDocumentLink } from './handlers/document-link.js';
import { handleDocumentSymbol } from './handlers/document-symbol.js';
import { handleFoldingRange } from './handlers/folding-range.js';
import { handleHover } from './handlers/hover.js';
import { handleInlayHint } from './handlers/inlay-hint.js';
import { handleReferences } from './handlers/references.js';
import { handleStatus } from './handlers/status.js';
import { handleWorkspaceSymbol } from './handlers/workspace-symbol.js';
import { disassembleRequest, openVmcoreRequest, statusRequest } from './protocol.js';
import { CancelledError } from './queries/cancellation.js';
import type { Snapshot } from './snapshot.js';

export type Handler<P, R> = (snapshot: Snapshot, params: P, token: CancellationToken) => R | null | Promise<R | null>;

interface Binding {
  method: string;
  run: Handler<unknown, unknown>;
}

/** A protocol request type and its handler, whose params and result types must match the request's. */
function bind<P, R>(type: { method: string; readonly _?: [P, R, ...unknown[]] | undefined }, handler: Handler<P, R>): Binding {
  return { method: type.method, run: handler as Handler<unknown, unknown> };
}

export const bindings: Binding[] = [
  bind(DefinitionRequest.type, handleDefinition),
  bind(DeclarationRequest.type, handleDeclaration),
  bind(ReferencesRequest.type, handleReferences),
  bind(HoverRequest.type, handleHover),
  bind(DocumentSymbolRequest.type, handleDocumentSymbol),
  bind(WorkspaceSymbolRequest.type, handleWorkspaceSymbol),
  bind(DocumentHighlightRequest.type, handleDocumentHighlight),
  bind(DocumentLinkRequest.type, handleDocumentLink),
  bind(CallHierarchyPrepareRequest.type, handlePrepareCallHierarchy),
  bind(CallHierarchyIncomingCallsRequest.type, handleIncomingCalls),
  bind(CallHierarchyOutgoingCallsRequest.type, handleOutgoingCalls),
  bind(CodeLensRequest.type, handleCodeLens),
  bind(InlayHintRequest.type, handleInlayHint),
  bind(FoldingRangeRequest.type, handleFoldingRange),
  bind(ExecuteCommandRequest.type, handleExecuteCommand),
  bind(TextDocumentContentRequest.type, handleTextDocumentContent),
  bind({ method: disassembleRequest }, handleDisassemble),
  bind({ method: openVmcoreRequest }, handleOpenVmcore),
  bind({ method: statusRequest }, handleStatus),
];

function invalid(method: string, what: string): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidParams, `${method}: ${what}`);
}

function isPosition(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { line, character } = value as Record<string, unknown>;
  return Number.isInteger(line) && (line as number) >= 0 && Number.isInteger(character) && (character as number) >= 0;
}

/** The shape checks every handler relies on, so a malformed request gets InvalidParams instead of a crash. */
export function checkParams(method: string, params: unknown): void {
  if (method === statusRequest) return;
  if (typeof params !== 'object' || params === null || Array.isArray(params)) throw invalid(method, 'params must be an object');
  const p = params as Record<string, unknown>;
  if ('textDocument' in p) {
    const doc = p['textDocument'] as Record<string, unknown> | null;
    if (typeof doc !== 'object' || doc === null || typeof doc['uri'] !== 'string') throw invalid(method, 'textDocument.uri must be a string');
  }
  if ('position' in p && !isPosition(p['position'])) throw invalid(method, 'position must be {line, character} with non-negative integers');
  if ('item' in p && (typeof p['item'] !== 'object' || p['item'] === null || typeof (p['item'] as Record<string, unknown>)['uri'] !== 'string')) {
    throw invalid(method, 'item must be a call hierarchy item');
  }
}

export function registerHandlers(connection: Connection, snapshot: () => Snapshot): void {
  for (const binding of bindings) {
    connection.onRequest(binding.method, async (params: unknown, token: CancellationToken) => {
      checkParams(binding.method, params);
      // Cancelled before it was dispatched: the token is then a constant whose event never fires.
      if (token.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, `${binding.method}: cancelled`);
      // A handler waiting on something slow (a report still being parsed, a binary being opened) is abandoned
      // the moment the client cancels, instead of answering when it is done.
      let onCancel: { dispose(): void } | undefined;
      const cancelled = new Promise<never>((_, reject) => {
        onCancel = token.onCancellationRequested(() => reject(new CancelledError()));
      });
      try {
        const result = await Promise.race([binding.run(snapshot(), params, token), cancelled]);
        if (token.isCancellationRequested) throw new CancelledError();
        return result ?? null;
      } catch (err) {
        if (err instanceof ResponseError) throw err;
        if (err instanceof CancelledError || token.isCancellationRequested) {
          throw new ResponseError(LSPErrorCodes.RequestCancelled, `${binding.method}: cancelled`);
        }
        const message = err instanceof Error ? err.message : String(err);
        connection.console.error(`${binding.method} failed: ${err instanceof Error && err.stack ? err.stack : message}`);
        throw new ResponseError(ErrorCodes.InternalError, `${binding.method} failed: ${message}`);
      } finally {
        onCancel?.dispose();
      }
    });
  }
}
