// The server on kernel C documents, over JSON-RPC to `crashnav lsp --stdio`: navigation answers from the
// index it builds on start, edits re-indexed from the buffer, files changed on disk picked up, and the
// protocol's failure modes (unknown methods, bad params, cancellation, garbage on the wire) survived.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import type {
  CallHierarchyIncomingCall,
  CallHierarchyItem,
  CallHierarchyOutgoingCall,
  DocumentHighlight,
  DocumentLink,
  DocumentSymbol,
  Hover,
  Location,
  SymbolInformation,
} from 'vscode-languageserver-protocol';
import { type FixtureTree, positionOf, writeFixtureTree } from './fixture-tree.js';
import { ensureBuilt, fileUri, LspClient } from './lsp-client.js';

let tree: FixtureTree;
let client: LspClient;
let moduleUri: string;
let moduleText: string;

const at = (uri: string, text: string, needle: string, offset = 1) => ({ textDocument: { uri }, position: positionOf(text, needle, offset) });
const short = (loc: Location) => `${path.relative(tree.root, new URL(loc.uri).pathname)}:${loc.range.start.line + 1}`;

beforeAll(async () => {
  ensureBuilt();
  tree = writeFixtureTree();
  ({ client } = await LspClient.start({ workspaceFolders: [tree.root], configuration: { arch: 'x86' } }));
  await client.waitForIndex();
  moduleText = readFileSync(tree.file('kernel/module/main.c'), 'utf8');
  moduleUri = await client.open(tree.file('kernel/module/main.c'), 'c');
});

afterAll(async () => {
  await client?.stop();
  if (tree) rmSync(tree.parent, { recursive: true, force: true });
});

describe('kernel C documents', () => {
  it('definition goes to the function body, not the prototype', async () => {
    const defs = await client.request<Location[]>('textDocument/definition', at(moduleUri, moduleText, 'do_one_initcall(mod'));
    expect(defs.map(short)).toEqual(['init/main.c:11']);
    expect(defs[0]!.range.end.character - defs[0]!.range.start.character).toBe('do_one_initcall'.length);
  });

  it('declaration goes to the prototype in the header', async () => {
    const decls = await client.request<Location[]>('textDocument/declaration', at(moduleUri, moduleText, 'do_one_initcall(mod'));
    expect(decls.map(short)).toEqual(['include/linux/init.h:4']);
  });

  it('definition on an #include opens the header', async () => {
    const defs = await client.request<Location[]>('textDocument/definition', at(moduleUri, moduleText, 'linux/init.h'));
    expect(defs.map(short)).toEqual(['include/linux/init.h:1']);
  });

  it('references list every use across files', async () => {
    const refs = await client.request<Location[]>('textDocument/references', {
      ...at(moduleUri, moduleText, 'do_one_initcall(mod'),
      context: { includeDeclaration: true },
    });
    const places = refs.map(short);
    expect(places).toContain('kernel/module/main.c:13');
    expect(places).toContain('init/main.c:11');
    expect(places).toContain('include/linux/init.h:4');
  });

  it('hover shows the signature and the kernel-doc', async () => {
    const hover = await client.request<Hover>('textDocument/hover', at(moduleUri, moduleText, 'do_one_initcall(mod'));
    const value = (hover.contents as { value: string }).value;
    expect(value).toContain('do_one_initcall(initcall_t fn)');
    expect(value).toContain('do_one_initcall - run one initcall');
    expect(value).toContain('init/main.c:11');
  });

  it('document symbols list the file definitions, the SYSCALL_DEFINE one included', async () => {
    const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: moduleUri } });
    const names = symbols.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['module', 'do_init_module', 'load_module', '__do_sys_finit_module']));
  });

  it('workspace symbols match fuzzily', async () => {
    const found = await client.request<SymbolInformation[]>('workspace/symbol', { query: 'do_init_mod' });
    expect(found[0]?.name).toBe('do_init_module');
    expect(short(found[0]!.location)).toBe('kernel/module/main.c:8');
  });

  it('call hierarchy: incoming and outgoing calls', async () => {
    const [item] = await client.request<CallHierarchyItem[]>('textDocument/prepareCallHierarchy', at(moduleUri, moduleText, 'do_init_module(struct'));
    expect(item?.name).toBe('do_init_module');
    const incoming = await client.request<CallHierarchyIncomingCall[]>('callHierarchy/incomingCalls', { item });
    expect(incoming.map((c) => c.from.name)).toEqual(['load_module']);
    expect(incoming[0]!.fromRanges[0]!.start.line + 1).toBe(20);
    const outgoing = await client.request<CallHierarchyOutgoingCall[]>('callHierarchy/outgoingCalls', { item });
    expect(outgoing.map((c) => c.to.name)).toContain('do_one_initcall');
    expect(outgoing.find((c) => c.to.name === 'do_one_initcall')!.to.detail).toBe('init/main.c:11');
  });

  it('document links resolve #include lines', async () => {
    const links = await client.request<DocumentLink[]>('textDocument/documentLink', { textDocument: { uri: moduleUri } });
    expect(links.map((l) => [l.range.start.line + 1, l.target && path.relative(tree.root, new URL(l.target).pathname)])).toEqual([
      [1, 'include/linux/init.h'],
    ]);
  });

  it('document highlights mark writes', async () => {
    const marks = await client.request<DocumentHighlight[]>('textDocument/documentHighlight', at(moduleUri, moduleText, 'ret = 0'));
    expect(marks.map((m) => [m.range.start.line + 1, m.kind])).toEqual([
      [10, 3],
      [13, 3],
      [15, 2],
    ]);
  });

  it('an edit in the buffer is indexed before the next request', async () => {
    const added = '\nint crashnav_new_helper(void)\n{\n\treturn 0;\n}\n';
    await client.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: moduleUri, version: 2 },
      contentChanges: [{ range: { start: { line: 28, character: 0 }, end: { line: 28, character: 0 } }, text: added }],
    });
    const initText = readFileSync(tree.file('init/main.c'), 'utf8') + '\nint use_it(void) { return crashnav_new_helper(); }\n';
    const initUri = await client.open(tree.file('init/main.c'), 'c', initText);
    const defs = await client.request<Location[]>('textDocument/definition', at(initUri, initText, 'crashnav_new_helper'));
    expect(defs.map(short)).toEqual(['kernel/module/main.c:30']);
  });

  it('a file changed on disk is picked up from didChangeWatchedFiles', async () => {
    writeFileSync(tree.file('kernel/extra.c'), 'int crashnav_from_disk(int x)\n{\n\treturn x;\n}\n');
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(tree.file('kernel/extra.c')), type: 1 }] });
    const text = 'int f(void) { return crashnav_from_disk(1); }\n';
    const uri = await client.open(path.join(tree.root, 'kernel/user.c'), 'c', text);
    let defs: Location[] = [];
    for (let i = 0; i < 50 && defs.length === 0; i++) {
      defs = (await client.request<Location[] | null>('textDocument/definition', at(uri, text, 'crashnav_from_disk'))) ?? [];
      if (defs.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(defs.map(short)).toEqual(['kernel/extra.c:1']);
  });

  it('nothing under the cursor answers null', async () => {
    const empty = await client.request<unknown>('textDocument/definition', { textDocument: { uri: moduleUri }, position: { line: 1, character: 0 } });
    expect(empty).toBeNull();
  });
});

describe('protocol robustness', () => {
  const alive = async () => {
    const hover = await client.request<Hover | null>('textDocument/hover', at(moduleUri, moduleText, 'do_one_initcall(mod'));
    expect(hover).not.toBeNull();
  };

  it('an unknown method gets MethodNotFound and the server lives on', async () => {
    await expect(client.request('crashnav/noSuchThing', {})).rejects.toMatchObject({ code: -32601 });
    await alive();
  });

  it('malformed params get InvalidParams', async () => {
    await expect(client.request('textDocument/definition', { position: { line: -1 } })).rejects.toMatchObject({ code: -32602 });
    await expect(client.request('textDocument/hover', 'nonsense')).rejects.toMatchObject({ code: -32602 });
    await expect(client.request('callHierarchy/incomingCalls', { item: 42 })).rejects.toMatchObject({ code: -32602 });
    await alive();
  });

  it('a request cancelled while it waits answers RequestCancelled at once', async () => {
    // An outline of a 1.5 MB log waits for the worker's parse; the cancel must not wait for it.
    const log = 'BUG: kernel NULL pointer dereference, address: 0000000000000000\nCall Trace:\n do_one_initcall+0x59/0x220\n'.repeat(15_000);
    const logUri = await client.open(path.join(tree.parent, 'slow.oops'), 'kernel-crash', log);
    const source = new CancellationTokenSource();
    const t0 = performance.now();
    const pending = client.connection.sendRequest('textDocument/documentSymbol', { textDocument: { uri: logUri } }, source.token);
    setTimeout(() => source.cancel(), 30);
    await expect(pending).rejects.toMatchObject({ code: -32800 });
    const waited = performance.now() - t0;
    const outline = await client.request<unknown[]>('textDocument/documentSymbol', { textDocument: { uri: logUri } });
    const parsed = performance.now() - t0;
    console.log(`cancel answered after ${waited.toFixed(0)} ms; the parse took ${parsed.toFixed(0)} ms`);
    expect(outline.length).toBe(15_000);
    expect(waited).toBeLessThan(parsed / 2);
    await alive();
  });

  it('a settings change with an invalid value keeps the previous one and says why', async () => {
    client.setConfiguration({ arch: 'x86', sourceRoots: 'not-a-list' });
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    let status = await client.request<{ sourceRoots: string[] }>('crashnav/status', null);
    for (let i = 0; i < 50 && !client.logs.some((l) => l.startsWith('crashnav.sourceRoots:')); i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = await client.request<{ sourceRoots: string[] }>('crashnav/status', null);
    }
    expect(client.logs).toContain('crashnav.sourceRoots: expected an array of path strings, got "not-a-list" (keeping the previous value)');
    expect(status.sourceRoots).toEqual([tree.root]);
    await client.waitForIndex();
    await alive();
  });

  it('a garbage message on the wire does not kill the server', async () => {
    const body = '{"jsonrpc": "2.0", "id": 99, "method": ';
    client.child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    await alive();
  });
});
