// The VS Code side of crashnav: starts `crashnav lsp --stdio` for crash reports, logs and C files, passes the
// `crashnav.*` settings through, and opens the server's disassembly views. Everything else is plain LSP.
import * as vscode from 'vscode';
import { LanguageClient, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import {
  type DisassembleResult,
  disassembleCommand,
  settingsSection,
  statusRequest,
  type StatusResult,
} from '../../../server/protocol';

let client: LanguageClient | undefined;

function serverOptions(): ServerOptions {
  const [command, ...args] = vscode.workspace
    .getConfiguration(settingsSection)
    .get<string[]>('server.command', ['crashnav', 'lsp', '--stdio']);
  return { command: command ?? 'crashnav', args };
}

/** The settings the server understands, exactly as it names them (it re-reads them on every change). */
function initializationOptions(): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration(settingsSection);
  const keys = ['sourceRoots', 'database', 'vmlinux', 'moduleDirs', 'debugRoot', 'substitutePaths', 'arch'];
  return Object.fromEntries(keys.map((key) => [key, config.get(key) ?? null]));
}

async function showDisassembly(result: DisassembleResult | null | undefined): Promise<void> {
  if (!result) {
    void vscode.window.showWarningMessage('crashnav: nothing to disassemble here.');
    return;
  }
  const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(result.uri));
  const editor = await vscode.window.showTextDocument(document, { preview: true, viewColumn: vscode.ViewColumn.Beside });
  if (result.markedLine !== undefined) {
    const line = new vscode.Position(result.markedLine, 0);
    editor.selection = new vscode.Selection(line, line);
    editor.revealRange(new vscode.Range(line, line), vscode.TextEditorRevealType.InCenter);
  }
}

function clientOptions(): LanguageClientOptions {
  return {
    documentSelector: [
      { scheme: 'file', language: 'kernel-crash' },
      { scheme: 'untitled', language: 'kernel-crash' },
      { scheme: 'file', language: 'c' },
      // Logs and plain text go to the server whatever their name (console.log, kern.log, messages, a pasted
      // trace): it decides by content whether one is a crash report. Opening one starts nothing else here.
      { scheme: 'file', language: 'plaintext' },
      { scheme: 'untitled', language: 'plaintext' },
      { scheme: 'file', language: 'log' },
      { scheme: 'untitled', language: 'log' },
    ],
    initializationOptions: initializationOptions(),
    synchronize: {
      configurationSection: settingsSection,
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{c,h,S}'),
    },
    middleware: {
      // The code lens passes a target; from the palette, the frame under the cursor is the target.
      executeCommand: async (command, args, next) => {
        if (command !== disassembleCommand) return next(command, args);
        const editor = vscode.window.activeTextEditor;
        const target =
          args.length > 0 || !editor
            ? args
            : [{ textDocument: { uri: editor.document.uri.toString() }, position: editor.selection.active }];
        await showDisassembly((await next(command, target)) as DisassembleResult | null);
      },
    },
  };
}

async function showStatus(): Promise<void> {
  if (!client) return;
  const status = await client.sendRequest<StatusResult>(statusRequest);
  const lines = [
    ...status.indexes.map((i) => `${i.root}: ${i.files} files in ${i.database}${i.indexing ? ' (indexing)' : ''}`),
    `vmlinux: ${status.vmlinux ?? 'none'}`,
    ...status.missing.map((m) => `missing: ${m}`),
  ];
  void vscode.window.showInformationMessage(lines.join('\n'), { modal: true });
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  client = new LanguageClient('crashnav', 'crashnav', serverOptions(), clientOptions());
  context.subscriptions.push(
    vscode.commands.registerCommand('crashnav.restartServer', () => client?.restart()),
    vscode.commands.registerCommand('crashnav.showStatus', showStatus),
  );
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
