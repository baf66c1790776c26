// What the server tells the client it can do, adjusted to what the client says it supports.
import { type ClientCapabilities, type ServerCapabilities, TextDocumentSyncKind } from 'vscode-languageserver';
import { disassembleCommand, disasmScheme, openVmcoreCommand, vmcoreScheme } from './protocol.js';

export function serverCapabilities(client: ClientCapabilities): ServerCapabilities {
  const capabilities: ServerCapabilities = {
    textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
    definitionProvider: true,
    declarationProvider: true,
    referencesProvider: true,
    hoverProvider: true,
    documentSymbolProvider: true,
    workspaceSymbolProvider: true,
    documentHighlightProvider: true,
    documentLinkProvider: { resolveProvider: false },
    callHierarchyProvider: true,
    codeLensProvider: { resolveProvider: false },
    inlayHintProvider: true,
    foldingRangeProvider: true,
    executeCommandProvider: { commands: [disassembleCommand, openVmcoreCommand] },
    workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
  };
  // Clients without the 3.18 request get the same text from the `crashnav.disassemble` and `crashnav.openVmcore` commands.
  if (client.workspace?.textDocumentContent !== undefined) {
    capabilities.workspace = { ...capabilities.workspace, textDocumentContent: { schemes: [disasmScheme, vmcoreScheme] } };
  }
  return capabilities;
}
