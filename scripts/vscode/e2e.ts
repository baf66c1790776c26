// The VS Code extension run in VS Code itself: code-server (from npm) with the packaged .vsix installed, driven
// by Debian's chromium through playwright-core. Opens the lab oops as a workspace's console.log, ctrl-clicks the
// RIP frame and checks that the module source opens at its faulting line; keeps a screenshot. Then a fresh editor
// whose server command is not installed must show the install message.
//
//   scripts/vscode/install-code-server.sh   (once)
//   npx tsx scripts/vscode/e2e.ts [--code-server BIN] [--chromium BIN] [--screenshot FILE] [--keep]
//
// Exit status 0 when both held, 1 with one line saying what failed. Minutes, not seconds: kept out of
// `npm test`. Binds 127.0.0.1 only; everything it starts is killed on the way out.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type Browser, type Page, chromium } from 'playwright-core';

const repo = path.resolve(import.meta.dirname, '../..');
const extensionDir = path.join(repo, 'clients/vscode');
const oops = path.join(repo, 'examples/oopses/null_pointer.log');
const moduleSource = path.join(repo, 'examples/modules/null_pointer/null_pointer.c');
/** The oops's own RIP line, not the copy printed again after `end trace`. */
const ripNeedle = '2.617616] RIP: 0010:null_pointer_init';
const deadlineMs = 6 * 60_000;

const { values: options } = parseArgs({
  options: {
    'code-server': { type: 'string', default: path.join(os.homedir(), '.cache/crashnav/code-server/node_modules/.bin/code-server') },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    screenshot: { type: 'string', default: path.join(os.tmpdir(), 'crashnav-vscode-e2e.png') },
    // Keep the scratch directory (code-server's logs, the workspace) to look into a failure.
    keep: { type: 'boolean', default: false },
  },
});

function fail(message: string): never {
  throw new Error(message);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) fail(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The workspace the editor opens: the oops saved as logs/console.log, as a user would have it. */
function makeWorkspace(scratch: string): { folder: string; log: string; ripLine: number } {
  const folder = path.join(scratch, 'workspace');
  const log = path.join(folder, 'logs/console.log');
  mkdirSync(path.dirname(log), { recursive: true });
  cpSync(oops, log);
  const ripLine = readFileSync(log, 'utf8').split('\n').findIndex((l) => l.includes(ripNeedle)) + 1;
  if (ripLine === 0) fail(`${oops}: no line with '${ripNeedle}'`);
  return { folder, log, ripLine };
}

/** User settings: the server from this checkout, the lab's modules, and no trust prompt or welcome page. */
function writeUserSettings(userData: string, debugRoot: string, serverCommand: string[]): void {
  const settings = {
    'security.workspace.trust.enabled': false,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoUpdate': false,
    'git.openRepositoryInParentFolders': 'never',
    'crashnav.server.command': serverCommand,
    'crashnav.moduleDirs': [path.join(repo, 'examples/modules')],
    // Empty: the module frame resolves from the .ko alone, nothing is looked up in the machine's debug files.
    'crashnav.debugRoot': debugRoot,
  };
  mkdirSync(path.join(userData, 'User'), { recursive: true });
  writeFileSync(path.join(userData, 'User/settings.json'), JSON.stringify(settings, null, 2));
}

function packageExtension(out: string): string {
  const vsix = path.join(out, 'crashnav.vsix');
  execFileSync('npx', ['vsce', 'package', '--no-dependencies', '--allow-missing-repository', '--out', vsix], { cwd: extensionDir, stdio: 'pipe' });
  return vsix;
}

/** Puts 1-based `line` of the active editor on screen, as a user does (Ctrl+G). */
async function goToLine(page: Page, line: number): Promise<void> {
  await page.keyboard.press('Control+G');
  await page.keyboard.type(String(line));
  await page.keyboard.press('Enter');
}

/**
 * Screen coordinates of the middle of `word` in the visible editor line containing `needle`. Runs in the page
 * (given as source: this file is compiled without the DOM library).
 */
const wordPositionInPage = `([needle, word]) => {
  const clean = (t) => (t || '').replace(/\\u00a0/g, ' ');
  const line = [...document.querySelectorAll('.editor-instance .view-line')].find((l) => clean(l.textContent).includes(needle));
  if (!line) return undefined;
  const text = clean(line.textContent);
  const target = text.indexOf(word, text.indexOf(needle)) + Math.floor(word.length / 2);
  const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
  let seen = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const length = node.textContent.length;
    if (seen + length > target) {
      const range = document.createRange();
      range.setStart(node, target - seen);
      range.setEnd(node, target - seen + 1);
      const box = range.getBoundingClientRect();
      return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
    }
    seen += length;
  }
  return undefined;
}`;

async function wordPosition(page: Page, needle: string, word: string): Promise<{ x: number; y: number } | undefined> {
  const position = (await page.evaluate(`(${wordPositionInPage})(${JSON.stringify([needle, word])})`)) as { x: number; y: number } | null | undefined;
  return position ?? undefined;
}

async function activeTab(page: Page): Promise<string> {
  return (await page.locator('.tab.active .label-name').first().textContent({ timeout: 2000 })) ?? '';
}

async function cursorStatus(page: Page): Promise<string> {
  return (await page.locator('#status\\.editor\\.selection').first().textContent({ timeout: 2000 })) ?? '';
}

interface Editor {
  page: Page;
  server: ChildProcess;
}

/**
 * code-server on a free loopback port with its own user data (settings naming `serverCommand`) and the shared
 * extensions directory, and a chromium page with console.log opened through quick open, as a user opens a file.
 */
async function openEditor(
  scratch: string,
  name: string,
  serverCommand: string[],
  workspace: string,
  started: { children: ChildProcess[]; browsers: Browser[] },
): Promise<Editor> {
  const userData = path.join(scratch, `${name}-user-data`);
  const debugRoot = path.join(scratch, 'debug');
  mkdirSync(debugRoot, { recursive: true });
  writeUserSettings(userData, debugRoot, serverCommand);
  const port = await freePort();
  const server = spawn(
    options['code-server']!,
    [
      ...['--user-data-dir', userData, '--extensions-dir', path.join(scratch, 'extensions')],
      ...['--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust'],
      workspace,
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: scratch } },
  );
  started.children.push(server);
  let serverLog = '';
  server.stdout!.on('data', (d: Buffer) => (serverLog += d.toString()));
  server.stderr!.on('data', (d: Buffer) => (serverLog += d.toString()));
  await until('code-server to listen', 60_000, async () => (serverLog.includes('HTTP server listening') ? true : undefined));

  const browser = await chromium.launch({ executablePath: options.chromium, args: ['--no-sandbox'] });
  started.browsers.push(browser);
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
  await until('the explorer', 60_000, async () => ((await page.locator('.explorer-folders-view').count()) > 0 ? true : undefined));
  await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } });
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').fill('console.log');
  await until('console.log in quick open', 30_000, async () => ((await page.locator('.quick-input-list .monaco-list-row').count()) > 0 ? true : undefined));
  await page.keyboard.press('Enter');
  await until('console.log to open', 30_000, async () => ((await activeTab(page)) === 'console.log' ? true : undefined));
  return { page, server };
}

async function close(editor: Editor, started: { browsers: Browser[] }): Promise<void> {
  await editor.page.context().browser()?.close();
  started.browsers.splice(0);
  killGroup(editor.server);
}

/** code-server forks its extension host and the language server: ends the whole process group. */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function run(scratch: string, started: { children: ChildProcess[]; browsers: Browser[] }): Promise<string> {
  const codeServer = options['code-server']!;
  if (!existsSync(codeServer)) fail(`${codeServer}: no code-server (scripts/vscode/install-code-server.sh installs it)`);
  const faultingLine = readFileSync(moduleSource, 'utf8').split('\n').findIndex((l) => l.includes('CRASH HERE')) + 1;
  const workspace = makeWorkspace(scratch);
  const vsix = packageExtension(scratch);
  const installed = execFileSync(
    codeServer,
    ['--user-data-dir', path.join(scratch, 'install-user-data'), '--extensions-dir', path.join(scratch, 'extensions'), '--install-extension', vsix],
    { encoding: 'utf8', timeout: 120_000, env: { ...process.env, HOME: scratch } },
  );
  if (!/successfully installed/i.test(installed)) fail(`code-server --install-extension: ${installed.trim()}`);

  const editor = await openEditor(scratch, 'with-server', [process.execPath, path.join(repo, 'bin/crashnav.js'), 'lsp', '--stdio'], workspace.folder, started);
  const { page } = editor;
  await goToLine(page, workspace.ripLine);
  // The server parses the log and reads the .ko's DWARF on first use: retry the ctrl-click until it answers.
  await until('ctrl-click on null_pointer_init to open null_pointer.c', 120_000, async () => {
    const word = await until('the RIP line on screen', 10_000, () => wordPosition(page, ripNeedle, 'null_pointer_init'));
    await page.keyboard.down('Control');
    await page.mouse.move(word.x - 3, word.y);
    await page.mouse.move(word.x, word.y);
    await page.waitForTimeout(300);
    await page.mouse.click(word.x, word.y);
    await page.keyboard.up('Control');
    // Waiting here, not clicking again: a second click on a slow answer would land in the opened file.
    return until('null_pointer.c to open', 8_000, async () => ((await activeTab(page)) === 'null_pointer.c' ? true : undefined)).catch(() => undefined);
  });
  const status = await until(`the cursor on line ${faultingLine}`, 10_000, async () => {
    const text = await cursorStatus(page);
    return text.includes(`Ln ${faultingLine},`) ? text : undefined;
  });
  const shown = await page.locator('.editor-instance .view-line').allTextContents();
  if (!shown.some((l) => l.replace(/\u00a0/g, ' ').includes('CRASH HERE'))) fail('null_pointer.c opened but its CRASH HERE line is not on screen');
  mkdirSync(path.dirname(options.screenshot!), { recursive: true });
  await page.screenshot({ path: options.screenshot! });
  await close(editor, started);

  // A first run without the server on PATH: one message with the install command.
  const missing = await openEditor(scratch, 'without-server', ['crashnav-not-installed', 'lsp', '--stdio'], workspace.folder, started);
  const notice = await until('the install message for a missing server', 60_000, async () => {
    const texts = await missing.page.locator('.notification-list-item-message').allTextContents();
    return texts.find((t) => t.includes("'crashnav-not-installed' was not found on PATH") && t.includes('npm install -g .'));
  });
  await close(missing, started);
  return (
    `ctrl-click on null_pointer_init (console.log:${workspace.ripLine}) opened null_pointer.c at ${status.trim()} ` +
    `(the CRASH HERE line ${faultingLine}); screenshot ${options.screenshot}; without the server: "${notice.slice(0, 100)}..."`
  );
}

async function main(): Promise<number> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'crashnav-vscode-e2e-'));
  const started = { children: [] as ChildProcess[], browsers: [] as Browser[] };
  const timer = setTimeout(() => {
    console.error(`vscode e2e: over ${deadlineMs / 60_000} minutes, stopping`);
    cleanup();
    process.exit(1);
  }, deadlineMs);
  function cleanup(): void {
    for (const child of started.children) killGroup(child);
    if (options.keep) console.error(`vscode e2e: kept ${scratch}`);
    else rmSync(scratch, { recursive: true, force: true });
  }
  try {
    console.log(`vscode e2e: ${await run(scratch, started)}`);
    return 0;
  } catch (error) {
    const page = started.browsers[0]?.contexts()[0]?.pages()[0];
    const failed = options.screenshot!.replace(/(\.png)?$/, '-failed.png');
    if (page) await page.screenshot({ path: failed }).catch(() => undefined);
    console.error(`vscode e2e: ${(error as Error).message}${page ? ` (screenshot ${failed})` : ''}`);
    return 1;
  } finally {
    clearTimeout(timer);
    for (const browser of started.browsers) await browser.close().catch(() => undefined);
    cleanup();
  }
}

process.exitCode = await main();
