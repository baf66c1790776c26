// A 100 MB crash log opened in the LSP server: how long until its outline is ready, and how long other
// requests (hover on a C file) wait meanwhile: the parse runs in a worker, so they should not wait beyond the
// transport's own decoding of the 100 MB didOpen.
//   npx tsx bench/server/large-report.ts [--mb 100]
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { DocumentSymbol } from 'vscode-languageserver-protocol';
import { positionOf, writeFixtureTree } from '../../test/server/fixture-tree.js';
import { LspClient, repoRoot } from '../../test/server/lsp-client.js';

const { values } = parseArgs({ options: { mb: { type: 'string', default: '100' } } });
const megabytes = Number(values.mb);
const sample = path.resolve(repoRoot, '../shared/crashes/lab/runs/a_nullwrite/console.clean.log');
if (!existsSync(sample)) {
  console.log(`large-report: missing ${sample}; nothing measured`);
  process.exit(0);
}

const tree = writeFixtureTree();
const scratch = mkdtempSync(path.join(os.tmpdir(), 'crashnav-large-'));
const { client } = await LspClient.start({ workspaceFolders: [tree.root] });
try {
  await client.waitForIndex();
  const cText = readFileSync(tree.file('kernel/module/main.c'), 'utf8');
  const cUri = await client.open(tree.file('kernel/module/main.c'), 'c');
  const probe = { textDocument: { uri: cUri }, position: positionOf(cText, 'do_one_initcall(mod', 1) };
  const timed = async (): Promise<number> => {
    const t0 = performance.now();
    await client.request('textDocument/hover', probe);
    return performance.now() - t0;
  };
  const idle: number[] = [];
  for (let i = 0; i < 50; i++) idle.push(await timed());

  const one = readFileSync(sample, 'utf8');
  const big = one.repeat(Math.ceil((megabytes << 20) / one.length));
  const sentAt = performance.now();
  const bigUri = await client.open(path.join(scratch, 'big.oops'), 'kernel-crash', big);
  const firstProbe = await timed();
  const decodedAfter = performance.now() - sentAt;
  let done = false;
  const outline = client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: bigUri } });
  void outline.finally(() => (done = true));
  const during: number[] = [];
  while (!done) {
    during.push(await timed());
    await new Promise((r) => setTimeout(r, 20));
  }
  const reports = await outline;
  const outlineMs = performance.now() - sentAt;
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${client.child.pid}/status`, 'utf8'))?.[1];
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const p = (q: number) => s[Math.min(s.length - 1, Math.floor(s.length * q))]!.toFixed(1);
    return `n=${s.length} p50 ${p(0.5)} ms, p95 ${p(0.95)} ms, p99 ${p(0.99)} ms, max ${s[s.length - 1]!.toFixed(1)} ms`;
  };
  console.log(`${(big.length / 2 ** 20).toFixed(0)} MB log, ${reports.length} reports`);
  console.log(`first answer after the didOpen (transport decoding included): ${firstProbe.toFixed(0)} ms (${decodedAfter.toFixed(0)} ms after sending)`);
  console.log(`outline ready after ${(outlineMs / 1000).toFixed(1)} s`);
  console.log(`hover on a C file, idle:          ${stats(idle)}`);
  console.log(`hover on a C file, while parsing: ${stats(during)}`);
  console.log(`server peak RSS: ${hwm ? (Number(hwm) / 1024).toFixed(0) : '?'} MB`);
} finally {
  await client.stop();
  rmSync(tree.parent, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
}
