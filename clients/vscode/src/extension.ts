// The VS Code side of crashnav: starts `crashnav lsp --stdio` for crash reports, logs and the C files of kernel
// trees, passes the `crashnav.*` settings through, and opens the server's disassembly views and vmcore
// documents. Everything else is plain LSP.
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import {
  type DisassembleResult,
  disassembleCommand,
  type OpenVmcoreResult,
  openVmcoreRequest,
  settingsSection,
  statusRequest,
  type StatusResult,
  vmcoreScheme,
} from '../../../server/protocol';
import { settingKeys } from '../../../server/config';
import { type CFileSelector, type CFilesMode, cFileSelectors } from './c-files';

let client: LanguageClient | undefined;

const defaultServerCommand = ['crashnav', 'lsp', '--stdio'];

function serverCommand(): string[] {
  const command = vscode.workspace.getConfiguration(settingsSection).get<string[]>('server.command', defaultServerCommand);
  return command.length > 0 ? command : defaultServerCommand;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Whether `command` names an executable the way spawn finds it: a path, or a name on PATH. */
function commandExists(command: string): boolean {
  if (command.includes(path.sep)) return isExecutable(command);
  return (process.env['PATH'] ?? '').split(path.delimiter).some((dir) => dir !== '' && isExecutable(path.join(dir, command)));
}

/**
 * The server is not bundled (its SQLite and tree-sitter are native modules built for the user's Node), so a
 * first run without it says exactly how to install it rather than failing with a spawn error in the log.
 */
async function explainMissingServer(command: string): Promise<void> {
  const install = 'npm ci && npm install -g .';
  const choice = await vscode.window.showErrorMessage(
    `crashnav: the language server '${command}' was not found on PATH. Install it: in a crashnav checkout, ` +
      `\`${install}\` (or \`npm ci && npm link\`), or set crashnav.server.command to ` +
      `["node", "/path/to/crashnav/bin/crashnav.js", "lsp", "--stdio"].`,
    'Copy Install Command',
    'Open Settings',
  );
  if (choice === 'Copy Install Command') await vscode.env.clipboard.writeText(install);
  if (choice === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', `${settingsSection}.server.command`);
}

function serverOptions(command: string[]): ServerOptions {
  const [program, ...args] = command;
  return { command: program!, args };
}

/** The settings the server understands, exactly as it names them (it re-reads them on every change). */
function initializationOptions(): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration(settingsSection);
  return Object.fromEntries(settingKeys.map((key) => [key, config.get(key) ?? null]));
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

function cFiles(): CFileSelector[] {
  const config = vscode.workspace.getConfiguration(settingsSection);
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  return cFileSelectors(config.get<CFilesMode>('server.cFiles'), folders, config.get<string[]>('sourceRoots', []));
}

function serverSettingsOnly(section: unknown): unknown {
  if (typeof section !== 'object' || section === null || Array.isArray(section)) return section;
  const { server: _server, trace: _trace, ...settings } = section as Record<string, unknown>;
  return settings;
}

function clientOptions(): LanguageClientOptions {
  return {
    documentSelector: [
      { scheme: 'file', language: 'kernel-crash' },
      { scheme: 'untitled', language: 'kernel-crash' },
      ...cFiles(),
      // Logs and plain text go to the server whatever their name (console.log, kern.log, messages, a pasted
      // trace): it decides by content whether one is a crash report. Opening one starts nothing else here.
      { scheme: 'file', language: 'plaintext' },
      { scheme: 'untitled', language: 'plaintext' },
      { scheme: 'file', language: 'log' },
      { scheme: 'untitled', language: 'log' },
      // A vmcore's document (`crashnav.openVmcore`): the crash session the server read from the dump.
      { scheme: vmcoreScheme },
    ],
    initializationOptions: initializationOptions(),
    synchronize: {
      configurationSection: settingsSection,
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{c,h,S}'),
    },
    middleware: {
      workspace: {
        // `crashnav.server.*` and `crashnav.trace.*` are this extension's: the server would call them unknown.
        configuration: async (params, token, next) => {
          const result = await next(params, token);
          if (!Array.isArray(result)) return result;
          return result.map((value: unknown, i) => (params.items[i]?.section === settingsSection ? serverSettingsOnly(value) : value));
        },
      },
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

/** Asks for a dump (the one under the cursor in the explorer, or picked) and opens its read-only report. */
async function openVmcore(resource?: vscode.Uri): Promise<void> {
  if (!client) return;
  const picked =
    resource?.scheme === 'file'
      ? resource
      : (await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Open vmcore', title: 'crashnav: a kernel memory dump (kdump, makedumpfile, qemu)' }))?.[0];
  if (!picked) return;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `crashnav: reading ${path.basename(picked.fsPath)} (log, backtraces)` },
    () => client!.sendRequest<OpenVmcoreResult>(openVmcoreRequest, { path: picked.fsPath }),
  );
  const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(result.uri));
  await vscode.languages.setTextDocumentLanguage(document, 'kernel-crash');
  await vscode.window.showTextDocument(document, { preview: false });
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

/** Starts the server afresh: the document selector and the command are fixed for a client's life. */
async function startClient(): Promise<void> {
  await client?.stop();
  client = undefined;
  const command = serverCommand();
  if (!commandExists(command[0]!)) {
    void explainMissingServer(command[0]!);
    return;
  }
  client = new LanguageClient('crashnav', 'crashnav', serverOptions(command), clientOptions());
  await client.start();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand('crashnav.restartServer', startClient),
    vscode.commands.registerCommand('crashnav.showStatus', showStatus),
    vscode.commands.registerCommand('crashnav.openVmcore', (resource?: vscode.Uri) =>
      openVmcore(resource).catch((err: unknown) => void vscode.window.showErrorMessage(`crashnav: ${(err as Error).message}`)),
    ),
    vscode.workspace.onDidChangeConfiguration((event) => {
      const affects = (key: string): boolean => event.affectsConfiguration(`${settingsSection}.${key}`);
      if (affects('server') || affects('sourceRoots')) void startClient();
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => void startClient()),
  );
  await startClient();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
