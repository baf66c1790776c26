// The server recognises crash text by its content, whatever the file is called and whatever languageId the
// editor gives it: a lab oops of examples/ opened as `console.log`, `kern.log`, `messages`, `dmesg.<date>` and
// `vmcore-dmesg.txt` with languageId `log`, `plaintext`, `text` or none is a report document; an `untitled:`
// buffer becomes one when a trace is pasted into it and stops being one when the trace is deleted (diagnostics
// cleared, lenses and hints refreshed); a C file quoting an oops stays C. Over JSON-RPC to `crashnav lsp --stdio`,
// without debug info: frames resolve to their definitions in the fixture tree.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodeLens, DocumentSymbol, Hover, InlayHint, Location } from 'vscode-languageserver-protocol';
import { type FixtureTree, positionOf, writeFixtureTree } from './fixture-tree.js';
import { capabilities, ensureBuilt, LspClient, repoRoot } from './lsp-client.js';

const oops = readFileSync(path.join(repoRoot, 'examples/oopses/null_pointer.log'), 'utf8');
const title = 'BUG: unable to handle kernel NULL pointer dereference in null_pointer_init';
/** The oops as pasted from a bug tracker: from its BUG line to the end of its trace, no boot log around it. */
const pasted = oops.slice(oops.indexOf('[    2.616615] BUG:'), oops.indexOf('[    2.630714] ---[ end trace'));
/** Only the `Call Trace:` block, as a paste that starts mid-report (issue 14 item 2: a `fragment` report). */
const traceOnly = oops.slice(oops.indexOf('[    2.619233] Call Trace:'), oops.indexOf('[    2.619233] RIP: 0033'));
const notes = 'notes on the crash of last night\nthe machine hung after loading the module\ndo_one_initcall is where it starts\n';

let tree: FixtureTree;
let client: LspClient;
const refreshes: string[] = [];

const short = (loc: Location) => `${path.relative(tree.root, new URL(loc.uri).pathname)}:${loc.range.start.line + 1}`;
const outline = (uri: string) => client.request<DocumentSymbol[] | null>('textDocument/documentSymbol', { textDocument: { uri } });
const definition = async (uri: string, text: string, needle: string, offset = 2) =>
  ((await client.request<Location[] | null>('textDocument/definition', { textDocument: { uri }, position: positionOf(text, needle, offset) })) ?? []).map(short);
const lenses = (uri: string) => client.request<CodeLens[] | null>('textDocument/codeLens', { textDocument: { uri } });
const lineCount = (text: string) => text.split('\n').length;
const hints = (uri: string, text: string) =>
  client.request<InlayHint[] | null>('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: lineCount(text), character: 0 } } });

/** Waits for refresh requests beyond the first `seen`, so a test sees the ones its edit caused. */
async function refreshedSince(seen: number): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  while (refreshes.length < seen + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return refreshes.slice(seen).sort();
}

describe('crash text recognised by content, whatever the name or languageId', () => {
  beforeAll(async () => {
    ensureBuilt();
    tree = writeFixtureTree();
    ({ client } = await LspClient.start({
      workspaceFolders: [tree.root],
      // An empty debug root: this suite is about recognition, wherever it runs.
      configuration: { debugRoot: path.join(tree.parent, 'no-debug') },
      capabilities: { ...capabilities, workspace: { ...capabilities.workspace, codeLens: { refreshSupport: true }, inlayHint: { refreshSupport: true } } },
    }));
    for (const method of ['workspace/codeLens/refresh', 'workspace/inlayHint/refresh']) {
      client.connection.onRequest(method, () => {
        refreshes.push(method);
        return null;
      });
    }
    await client.waitForIndex();
  });

  afterAll(async () => {
    await client?.stop();
    if (tree) rmSync(tree.parent, { recursive: true, force: true });
  });

  const named: [string, string][] = [
    ['console.log', 'log'],
    ['kern.log', 'log'],
    ['messages', 'plaintext'],
    ['dmesg.202612041200', 'text'],
    ['vmcore-dmesg.txt', 'plaintext'],
    ['console-ttyS0', ''],
  ];
  it.each(named)('%s (languageId %j) is a report document: outline, frame definitions, diagnostics', async (name, languageId) => {
    const file = path.join(tree.parent, name);
    writeFileSync(file, oops);
    const uri = await client.open(file, languageId, oops);
    const [report] = (await outline(uri)) ?? [];
    expect(report?.name).toBe(title);
    expect(await definition(uri, oops, ' do_one_initcall+0x59')).toEqual(['init/main.c:11']);
    const { diagnostics } = await client.waitForDiagnostics(uri, (p) => p.diagnostics.some((d) => d.message.startsWith('guilty frame')));
    expect(diagnostics.find((d) => d.message.startsWith('guilty frame'))!.range.start.line).toBe(positionOf(oops, 'null_pointer_init+0x1f').line);
  });

  it('a text document without a report is not one: no outline, lenses or diagnostics, and its words are not C', async () => {
    const file = path.join(tree.parent, 'boot.log');
    const boot = oops.slice(0, oops.indexOf('[crashlab] insmod'));
    writeFileSync(file, boot);
    const uri = await client.open(file, 'log', boot);
    expect(await outline(uri)).toBeNull();
    expect(await lenses(uri)).toBeNull();
    const notesUri = await client.openUri('untitled:Untitled-9', 'plaintext', notes);
    expect(await definition(notesUri, notes, 'do_one_initcall is', 1)).toEqual([]);
    expect(await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: notesUri }, position: positionOf(notes, 'do_one_initcall is', 1) })).toBeNull();
    // Diagnostics of the report opened last arrive after these documents' analyses: none came for them.
    const after = await client.open(path.join(tree.parent, 'after.oops'), 'kernel-crash', oops);
    await client.waitForDiagnostics(after, (p) => p.diagnostics.length > 0);
    expect(client.diagnostics.has(uri)).toBe(false);
    expect(client.diagnostics.has(notesUri)).toBe(false);
  });

  it('a C (or C++) file that quotes an oops stays source: its identifiers navigate, it has no report outline or diagnostics', async () => {
    // Quoted as is (in `#if 0`), the oops would make a text document a report.
    const source = `/* Fixed this: */\n#if 0\n${pasted}#endif\nint caller(void)\n{\n\treturn do_one_initcall(0);\n}\n`;
    const file = tree.file('init/quoted.c');
    writeFileSync(file, source);
    const uri = await client.open(file, 'c', source);
    expect(await definition(uri, source, 'do_one_initcall(0)', 1)).toEqual(['init/main.c:11']);
    expect(await lenses(uri)).toBeNull();
    const symbols = (await outline(uri)) ?? [];
    expect(symbols.map((s) => s.name)).not.toContain(title);
    const asCpp = await client.openUri('untitled:quoted.cpp', 'cpp', source);
    expect(await outline(asCpp)).toBeNull();
    const asText = await client.openUri('untitled:quoted.c.txt', 'plaintext', source);
    expect((await outline(asText))?.[0]?.name).toBe(title);
    await client.waitForDiagnostics(asText, (p) => p.diagnostics.length > 0);
    expect(client.diagnostics.has(uri)).toBe(false);
    expect(client.diagnostics.has(asCpp)).toBe(false);
  });

  it('an untitled buffer becomes a report when a trace is pasted, stops when it is deleted, and comes back', async () => {
    const uri = await client.openUri('untitled:Untitled-1', 'plaintext', notes);
    expect(await outline(uri)).toBeNull();

    // Paste the oops below the notes.
    let seen = refreshes.length;
    const withTrace = `${notes}\n${pasted}`;
    await client.change(uri, 2, withTrace);
    expect((await outline(uri))?.[0]?.name).toBe(title);
    expect(await definition(uri, withTrace, ' do_init_module+0x4a')).toEqual(['kernel/module/main.c:8']);
    const frameLine = positionOf(withTrace, ' do_one_initcall+0x59').line;
    expect((await lenses(uri))!.filter((l) => l.range.start.line === frameLine).map((l) => l.command!.title)).toEqual(['1 caller', 'disassemble']);
    expect((await hints(uri, withTrace))!.filter((h) => h.position.line === frameLine).map((h) => h.label)).toEqual(['init/main.c:11']);
    await client.waitForDiagnostics(uri, (p) => p.version === 2 && p.diagnostics.some((d) => d.message.startsWith('guilty frame')));
    expect(await refreshedSince(seen)).toEqual(['workspace/codeLens/refresh', 'workspace/inlayHint/refresh']);

    // Delete it again: not a report any more, its diagnostics cleared.
    seen = refreshes.length;
    await client.change(uri, 3, notes);
    expect(await outline(uri)).toBeNull();
    expect(await lenses(uri)).toBeNull();
    expect(await hints(uri, notes)).toBeNull();
    expect(await definition(uri, notes, 'do_one_initcall is', 1)).toEqual([]);
    await client.waitForDiagnostics(uri, (p) => p.version === 3 && p.diagnostics.length === 0);
    expect(await refreshedSince(seen)).toEqual(['workspace/codeLens/refresh', 'workspace/inlayHint/refresh']);

    // And back.
    const again = `${pasted}\n${notes}`;
    await client.change(uri, 4, again);
    expect((await outline(uri))?.[0]?.name).toBe(title);
    await client.waitForDiagnostics(uri, (p) => p.version === 4 && p.diagnostics.some((d) => d.message.startsWith('guilty frame')));
  });

  it('opening a report and typing into it asks for no refresh', async () => {
    const seen = refreshes.length;
    const uri = await client.openUri('untitled:Untitled-2', 'plaintext', pasted);
    await client.waitForDiagnostics(uri, (p) => p.diagnostics.length > 0);
    let text = pasted;
    for (let version = 2; version <= 6; version++) {
      text = `${text}typed line ${version}\n`;
      await client.change(uri, version, text);
    }
    expect((await outline(uri))?.[0]?.name).toBe(title);
    await client.waitForDiagnostics(uri, (p) => p.version === 6 && p.diagnostics.length > 0);
    expect(refreshes.slice(seen)).toEqual([]);
  });

  it('a pasted Call Trace block alone is a fragment report', async () => {
    const uri = await client.openUri('untitled:Untitled-3', 'plaintext', notes);
    await client.change(uri, 2, `${notes}${traceOnly}`);
    const [report] = (await outline(uri)) ?? [];
    expect(report?.detail).toBe('fragment');
    expect(report?.name).toBe('crash fragment in do_one_initcall');
    expect(await definition(uri, `${notes}${traceOnly}`, ' do_one_initcall+0x59')).toEqual(['init/main.c:11']);
  });
});
