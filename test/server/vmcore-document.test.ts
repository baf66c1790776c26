// A vmcore opened in the editor: `crashnav/openVmcore` (and the command, and `workspace/textDocumentContent`
// for its `crashnav-vmcore:` URI) gives the `crash` session of the dump, whose vmlinux the server finds by
// the dump's build-id under the debug root; the client then opens that read-only document and the server
// treats it as any report: definitions of its frames land on the lines the DWARF gives. Real data: a crash
// lab vmcore (scripts/crashlab/make-vmcores.sh) and Debian's 6.1 -dbg package.
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Location, TextDocumentContentResult } from 'vscode-languageserver-protocol';
import { parseVmcoreUri, renderVmcoreUri } from '../../server/protocol.js';
import { ensureBuilt, LspClient, repoRoot } from './lsp-client.js';

const cache = path.join(os.homedir(), '.cache/crashnav');
const debugRoot = path.join(cache, 'pkg/dbg/usr/lib/debug');
const vmcore = path.join(cache, 'crashlab/vmcores/null_pointer-kaslr/qemu-zlib.vmcore');
const linuxSource = path.join(cache, 'linux-source-6.1.187-1');
const missing = [
  [path.join(linuxSource, 'kernel/module/main.c'), 'linux-source-6.1 (scripts/fetch-debian.sh source)'],
  [debugRoot, 'the Debian 6.1 -dbg package (scripts/fetch-debian.sh dbg)'],
  [vmcore, 'the lab vmcore (scripts/crashlab/make-vmcores.sh --kaslr)'],
].filter(([p]) => !existsSync(p!));
if (missing.length > 0) console.warn(`vmcore-document: skipped, missing ${missing.map(([, what]) => what).join(', ')}`);

describe('crashnav-vmcore: URIs', () => {
  it.each(['/var/crash/127.0.0.1-2026-12-04-22:00:01/vmcore', '/tmp/a b/vmcore#1'])('%s round-trips', (file) => {
    const uri = renderVmcoreUri(file);
    expect(uri).toMatch(/^crashnav-vmcore:\//);
    expect(parseVmcoreUri(uri)).toBe(file);
  });

  it('is nothing else', () => {
    expect(parseVmcoreUri('file:///var/crash/vmcore')).toBeUndefined();
    expect(parseVmcoreUri('crashnav-disasm:/vmlinux/f.s')).toBeUndefined();
  });
});

describe.skipIf(missing.length > 0)('a lab vmcore opened as a read-only report', () => {
  let client: LspClient;
  let root: string;

  beforeAll(async () => {
    ensureBuilt();
    // The part of the kernel tree the checked frame is in, as the workspace.
    root = path.join(mkdtempSync(path.join(os.tmpdir(), 'crashnav-vmcore-doc-')), 'linux');
    cpSync(path.join(linuxSource, 'kernel/module'), path.join(root, 'kernel/module'), { recursive: true });
    const settings = { debugRoot, moduleDirs: [path.join(repoRoot, 'examples/modules')], sourceRoots: [root] };
    ({ client } = await LspClient.start({ workspaceFolders: [root], initializationOptions: settings, configuration: settings }));
    await client.waitForIndex();
  });

  afterAll(async () => {
    await client?.stop();
    rmSync(path.dirname(root), { recursive: true, force: true });
  });

  it('opens by request, by command and by URI with the same text; its frames resolve through the found vmlinux', async () => {
    const opened = await client.request<{ uri: string; text: string }>('crashnav/openVmcore', { path: vmcore });
    expect(opened.uri).toBe(renderVmcoreUri(vmcore));
    expect(opened.text.split("\n")[0]).toBe("crash> sys");
    expect(opened.text).toContain(`KERNEL: ${path.join(debugRoot, 'boot/vmlinux-6.1.0-53-cloud-amd64')}`);
    const byCommand = await client.request<{ uri: string; text: string }>('workspace/executeCommand', { command: 'crashnav.openVmcore', arguments: [{ path: vmcore }] });
    expect(byCommand.text).toBe(opened.text);
    const byUri = await client.request<TextDocumentContentResult>('workspace/textDocumentContent', { uri: opened.uri });
    expect(byUri.text).toBe(opened.text);

    await client.openUri(opened.uri, 'kernel-crash', opened.text);
    const lines = opened.text.split('\n');
    const line = lines.findIndex((l) => / do_init_module at [0-9a-f]+$/.test(l));
    expect(line).toBeGreaterThan(0);
    const character = lines[line]!.indexOf('do_init_module') + 2;
    const defs = await client.request<Location[]>('textDocument/definition', { textDocument: { uri: opened.uri }, position: { line, character } });
    expect(defs.map((d) => `${path.relative(root, fileURLToPath(d.uri))}:${d.range.start.line + 1}`)).toEqual(['kernel/module/main.c:2478']);
  });

  it('a file that is not a dump fails the request with one line naming it', async () => {
    const file = path.join(repoRoot, 'README.md');
    await expect(client.request('crashnav/openVmcore', { path: file })).rejects.toThrow(`${file}: not a memory dump`);
  });
});
