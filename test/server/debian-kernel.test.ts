// The acceptance on real data: the lab oops of a Debian 6.1 kernel, resolved through Debian's vmlinux-dbg and
// the module's .ko, over JSON-RPC to `crashnav lsp --stdio`. The source tree is a subset of Debian's
// linux-source-6.1 (init/, kernel/module/, arch/x86/entry/) copied to a temp dir so the index builds in seconds;
// the whole tree is bench/server's business.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallHierarchyIncomingCall, CallHierarchyItem, Hover, Location, TextDocumentContentResult } from 'vscode-languageserver-protocol';
import { positionOf } from './fixture-tree.js';
import { ensureBuilt, LspClient, repoRoot } from './lsp-client.js';

const cache = path.join(os.homedir(), '.cache/crashnav');
const debugRoot = path.join(cache, 'pkg/dbg/usr/lib/debug');
const vmlinux = path.join(debugRoot, 'boot/vmlinux-6.1.0-53-cloud-amd64');
const linuxSource = path.join(cache, 'linux-source-6.1.187-1');
const lab = path.resolve(repoRoot, '../shared/crashes/lab');
const missing = [
  [vmlinux, 'linux-image-6.1.0-53-cloud-amd64-dbg (scripts/fetch-debian.sh dbg)'],
  [path.join(linuxSource, 'init/main.c'), 'linux-source-6.1 (scripts/fetch-debian.sh source)'],
  [path.join(lab, 'runs/a_nullwrite/console.log'), '../shared/crashes/lab'],
].filter(([file]) => !existsSync(file!));
if (missing.length > 0) console.warn(`debian-kernel: skipped, missing ${missing.map(([, what]) => what).join(', ')}`);

let parent: string;
let root: string;
let client: LspClient;
let uri: string;
let text: string;

const at = (needle: string, offset = 2) => ({ textDocument: { uri }, position: positionOf(text, needle, offset) });
const short = (loc: Location) => `${path.relative(root, new URL(loc.uri).pathname)}:${loc.range.start.line + 1}`;

describe.skipIf(missing.length > 0)('lab oops a_nullwrite with the Debian vmlinux-dbg and the module .ko', () => {
  beforeAll(async () => {
    ensureBuilt();
    parent = mkdtempSync(path.join(os.tmpdir(), 'crashnav-debian-'));
    root = path.join(parent, 'linux');
    for (const dir of ['init', 'kernel/module', 'arch/x86/entry', 'include/linux/init.h', 'include/linux/module.h']) {
      cpSync(path.join(linuxSource, dir), path.join(root, dir), { recursive: true });
    }
    mkdirSync(path.join(root, 'crash_nullwrite'));
    cpSync(path.join(lab, 'modules/crash_nullwrite/crash_nullwrite.c'), path.join(root, 'crash_nullwrite/crash_nullwrite.c'));
    ({ client } = await LspClient.start({
      workspaceFolders: [root],
      configuration: { vmlinux, moduleDirs: [path.join(lab, 'modules')], debugRoot },
    }));
    await client.waitForIndex();
    text = readFileSync(path.join(lab, 'runs/a_nullwrite/console.log'), 'utf8');
    const file = path.join(parent, 'a_nullwrite.oops');
    writeFileSync(file, text);
    uri = await client.open(file, 'kernel-crash', text);
  });

  afterAll(async () => {
    await client?.stop();
    if (parent) rmSync(parent, { recursive: true, force: true });
  });

  it('definition on do_one_initcall+0x59 lands on init/main.c:1270', async () => {
    const defs = await client.request<Location[]>('textDocument/definition', at(' do_one_initcall+0x59'));
    expect(defs.map(short)).toEqual(['init/main.c:1270']);
  });

  it('definition on the RIP frame of the module lands on the NULL write, through the .ko', async () => {
    const defs = await client.request<Location[]>('textDocument/definition', at('crash_nullwrite_init+0x11', 1));
    expect(defs.map(short)).toEqual(['crash_nullwrite/crash_nullwrite.c:12']);
  });

  it('definition on the BUG line goes to the guilty frame line', async () => {
    const defs = await client.request<Location[]>('textDocument/definition', at('BUG: kernel NULL pointer', 1));
    expect(defs.map(short)).toEqual(['crash_nullwrite/crash_nullwrite.c:12']);
  });

  it('hover on an inlined frame shows the chain and the marked source line', async () => {
    const hover = await client.request<Hover>('textDocument/hover', at(' do_syscall_64+0x5d'));
    const value = (hover.contents as { value: string }).value;
    expect(value).toContain('`arch/x86/entry/common.c:46`');
    expect(value).toMatch(/46 > +regs->ax = x64_sys_call\(regs, unr\);/);
    expect(value).toContain('- `do_syscall_x64` at `arch/x86/entry/common.c:46` (inlined)');
    expect(value).toContain('- `do_syscall_64` at `arch/x86/entry/common.c:76`');
    expect(value).toContain('source: DWARF line table');
  });

  it('references and incoming calls of a frame come from the index', async () => {
    const refs = await client.request<Location[]>('textDocument/references', { ...at(' do_one_initcall+0x59'), context: { includeDeclaration: false } });
    expect(refs.map(short)).toContain('kernel/module/main.c:2478');
    const [item] = await client.request<CallHierarchyItem[]>('textDocument/prepareCallHierarchy', at(' do_init_module+0x4a'));
    const incoming = await client.request<CallHierarchyIncomingCall[]>('callHierarchy/incomingCalls', { item });
    expect(incoming.map((c) => c.from.name)).toContain('load_module');
  });

  it('diagnostics: no binary warning on the lab oops (its sizes are what kallsyms prints), none missing', async () => {
    const { diagnostics } = await client.waitForDiagnostics(uri, (p) => p.diagnostics.some((d) => d.message.startsWith('guilty frame')));
    expect(diagnostics.filter((d) => d.severity === 2).map((d) => d.message)).toEqual([]);
  });

  it('a frame whose size disagrees with the binary is a warning (the report edited to say /0x300)', async () => {
    const edited = text.replace(' do_one_initcall+0x59/0x220', ' do_one_initcall+0x59/0x300');
    const file = path.join(parent, 'edited.oops');
    writeFileSync(file, edited);
    const editedUri = await client.open(file, 'kernel-crash', edited);
    const { diagnostics } = await client.waitForDiagnostics(editedUri, (p) => p.diagnostics.some((d) => d.severity === 2));
    const line = positionOf(edited, ' do_one_initcall+0x59/0x300').line;
    const warning = diagnostics.find((d) => d.severity === 2)!;
    expect(warning.range.start.line).toBe(line);
    expect(warning.message).toMatch(/^size mismatch: the report says do_one_initcall\+0x59\/0x300 but do_one_initcall is 0x[0-9a-f]+ bytes/);
  });

  it('a frame in a file outside the source roots says so on hover, not as a diagnostic', async () => {
    const hover = await client.request<Hover>('textDocument/hover', at('? path_openat+0x', 3));
    expect((hover.contents as { value: string }).value).toContain('fs/namei.c is not under the source roots');
  });

  it('the disassembly view marks the faulting instruction under its source line', async () => {
    const view = await client.request<TextDocumentContentResult>('workspace/textDocumentContent', {
      uri: 'crashnav-disasm:/crash_nullwrite/crash_nullwrite_init.s?offset=0x11',
    });
    const lines = view.text.split('\n');
    const marked = lines.findIndex((l) => l.includes('<--'));
    expect(lines[marked]).toMatch(/^\s*11:\s.*movb\s+\$0x1,0x0\s+<-- crash_nullwrite_init\+0x11/);
    expect(lines.slice(0, marked).reverse().find((l) => l.trim() !== '')).toBe('\t*p = 1;');
  });

  it('the disassemble command marks the call a return address follows', async () => {
    const result = await client.request<{ uri: string; text: string; markedLine: number }>('crashnav/disassemble', at(' do_one_initcall+0x59'));
    const line = result.text.split('\n')[result.markedLine]!;
    expect(line).toMatch(/ffffffff810024b4:.*call .*<-- do_one_initcall\+0x58/);
    expect(result.uri).toBe('crashnav-disasm:/vmlinux/do_one_initcall.s?offset=0x59&return=1');
  });
});
