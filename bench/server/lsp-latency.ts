// The LSP server on the full Debian 6.1 tree: time from spawning `crashnav lsp --stdio` to the first definition
// answer on a crash frame, then p50/p95 of definition, references and hover on every frame of the lab oopses,
// beside llvm-addr2line (one process per lookup, as an editor plugin that shells out would run it).
//   npx tsx bench/server/lsp-latency.ts [--root SRC] [--db FILE] [--vmlinux FILE] [--rounds 300]
// Builds the index first (crashnav index) when --db does not exist yet.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { DocumentSymbol, Location } from 'vscode-languageserver-protocol';
import { LspClient, repoRoot } from '../../test/server/lsp-client.js';

const { values } = parseArgs({
  options: {
    root: { type: 'string', default: path.join(os.homedir(), '.cache/crashnav/linux-source-6.1.187-1') },
    db: { type: 'string' },
    vmlinux: { type: 'string', default: path.join(os.homedir(), '.cache/crashnav/pkg/dbg/usr/lib/debug/boot/vmlinux-6.1.0-53-cloud-amd64') },
    rounds: { type: 'string', default: '300' },
  },
});
const root = path.resolve(values.root!);
const db = path.resolve(values.db ?? path.join(root, '.crashnav/index.db'));
const vmlinux = path.resolve(values.vmlinux!);
const lab = path.resolve(repoRoot, '../shared/crashes/lab');
const rounds = Number(values.rounds);

for (const [file, what] of [
  [path.join(root, 'init/main.c'), 'the Debian source tree (scripts/fetch-debian.sh source)'],
  [vmlinux, 'the Debian vmlinux-dbg (scripts/fetch-debian.sh dbg)'],
  [path.join(lab, 'runs'), '../shared/crashes/lab'],
] as const) {
  if (!existsSync(file)) {
    console.log(`lsp-latency: missing ${what} (${file}); nothing measured`);
    process.exit(0);
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

function summary(name: string, samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  return `${name.padEnd(34)} n=${String(s.length).padStart(4)}  p50 ${percentile(s, 0.5).toFixed(2).padStart(7)} ms  p95 ${percentile(s, 0.95).toFixed(2).padStart(7)} ms  max ${s[s.length - 1]!.toFixed(1).padStart(7)} ms`;
}

if (!existsSync(db)) {
  console.log(`building the index of ${root} into ${db} ...`);
  const t0 = performance.now();
  execFileSync(process.execPath, [path.join(repoRoot, 'bin/crashnav.js'), 'index', '--root', root, '--db', db, '--quiet'], { stdio: 'inherit' });
  console.log(`index built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

const configuration = { database: db, vmlinux, moduleDirs: [path.join(lab, 'modules')], debugRoot: path.join(path.dirname(vmlinux), '..') };
const spawnedAt = performance.now();
const { client } = await LspClient.start({ workspaceFolders: [root], configuration, initializationOptions: configuration });
const reportFile = path.join(lab, 'runs/a_nullwrite/console.log');
const reportText = readFileSync(reportFile, 'utf8');
const reportUri = await client.open(reportFile, 'kernel-crash', reportText);
const lines = reportText.split('\n');
const frameLine = lines.findIndex((l) => l.includes(' do_one_initcall+0x59'));
const first = await client.request<Location[]>('textDocument/definition', {
  textDocument: { uri: reportUri },
  position: { line: frameLine, character: lines[frameLine]!.indexOf('do_one_initcall') + 1 },
});
const firstMs = performance.now() - spawnedAt;
const firstAnswer = first.map((l) => `${path.relative(root, new URL(l.uri).pathname)}:${l.range.start.line + 1}`).join(', ');
console.log(`spawn → first definition (do_one_initcall+0x59): ${firstMs.toFixed(0)} ms → ${firstAnswer} (target < 1000 ms)`);

const updateStart = performance.now();
const status = await client.waitForIndex(3_600_000);
console.log(`index up to date after ${((performance.now() - updateStart) / 1000).toFixed(1)} s more: ${status.indexes.map((i) => `${i.files} files`).join(', ')}`);

interface FramePosition {
  uri: string;
  name: string;
  position: { line: number; character: number };
}
const frames: FramePosition[] = [];
for (const run of ['a_nullwrite', 'b_panic', 'c_bugon']) {
  const file = path.join(lab, 'runs', run, 'console.log');
  if (!existsSync(file)) continue;
  const uri = await client.open(file, 'kernel-crash');
  const outline = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
  for (const report of outline) {
    for (const stack of report.children ?? []) {
      for (const frame of stack.children ?? []) frames.push({ uri, name: frame.name, position: frame.selectionRange.start });
    }
  }
}
console.log(`${frames.length} frames in the lab oopses`);

const kinds = {
  definition: (f: FramePosition) => client.request('textDocument/definition', { textDocument: { uri: f.uri }, position: f.position }),
  references: (f: FramePosition) =>
    client.request('textDocument/references', { textDocument: { uri: f.uri }, position: f.position, context: { includeDeclaration: false } }),
  hover: (f: FramePosition) => client.request('textDocument/hover', { textDocument: { uri: f.uri }, position: f.position }),
};
const results: string[] = [];
for (const [kind, run] of Object.entries(kinds)) {
  const cold: number[] = [];
  for (const frame of frames) {
    const t0 = performance.now();
    await run(frame);
    cold.push(performance.now() - t0);
    if (cold[cold.length - 1]! > 100) console.log(`  slow: ${kind} on ${frame.name} took ${cold[cold.length - 1]!.toFixed(0)} ms`);
  }
  const warm: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const frame = frames[(i * 7919) % frames.length]!;
    const t0 = performance.now();
    await run(frame);
    warm.push(performance.now() - t0);
  }
  results.push(summary(`${kind} (first time per frame)`, cold), summary(`${kind} (repeated)`, warm));
}
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${client.child.pid}/status`, 'utf8'))?.[1];
await client.stop();
for (const line of results) console.log(line);
console.log(`server peak RSS: ${hwm ? (Number(hwm) / 1024).toFixed(0) : '?'} MB`);

// The peer: one symbolizer process per frame, what an editor plugin without a server would do.
const addr2line = ['llvm-addr2line-14', 'llvm-addr2line'].find((t) => spawnSync(t, ['--version']).status === 0);
const records = readFileSync(path.join(lab, 'frames.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as { module: string | null; address: number; address_hex: string; is_return_address: boolean })
  .filter((r) => r.module === null);
if (addr2line && records.length > 0) {
  const peer: number[] = [];
  for (const r of records) {
    const address = BigInt(r.address_hex) - (r.is_return_address ? 1n : 0n);
    const t0 = performance.now();
    spawnSync(addr2line, ['-f', '-i', '-e', vmlinux, `0x${address.toString(16)}`], { encoding: 'utf8' });
    peer.push(performance.now() - t0);
  }
  const ours = results.find((r) => r.startsWith('definition (repeated)'))!;
  const oursP50 = Number(/p50\s+([\d.]+)/.exec(ours)![1]);
  const peerLine = summary(`${addr2line} per frame (new process)`, peer);
  const peerP50 = Number(/p50\s+([\d.]+)/.exec(peerLine)![1]);
  console.log(peerLine);
  console.log(`ratio (definition p50, ours / ${addr2line}): ${(oursP50 / peerP50).toFixed(3)}`);
} else {
  console.log('llvm-addr2line is not installed (Debian: apt install llvm); no peer numbers');
}
