// The reference symbolizers as test oracles: eu-addr2line (elfutils) and llvm-addr2line, their
// `-f -i -a` output parsed into frames, and one normal form for comparing them with ours
// (function without clone suffixes, file by its last path components, no columns).
import { spawnSync } from 'node:child_process';

export interface OracleFrame {
  function: string;
  file: string;
  line: number;
}

/** The first llvm-addr2line on PATH (Debian names it with the version). */
export function llvmAddr2line(): string | undefined {
  for (const name of ['llvm-addr2line', 'llvm-addr2line-19', 'llvm-addr2line-16', 'llvm-addr2line-15', 'llvm-addr2line-14']) {
    if (spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0) return name;
  }
  return undefined;
}

/** eu-addr2line -a -f -i [-j section] on many addresses, split per address. */
export function euAddr2line(file: string, addresses: bigint[], section?: string): OracleFrame[][] {
  const args = ['-a', '-f', '-i', '-e', file, ...(section ? ['-j', section] : [])];
  return runBatched('eu-addr2line', args, addresses, parseEuFrames);
}

/** llvm-addr2line -a -f -i on many addresses. */
export function llvmFrames(tool: string, file: string, addresses: bigint[]): OracleFrame[][] {
  return runBatched(tool, ['-a', '-f', '-i', '-e', file], addresses, parseLlvmFrames);
}

function runBatched(tool: string, args: string[], addresses: bigint[], parse: (lines: string[]) => OracleFrame[]): OracleFrame[][] {
  const out: OracleFrame[][] = [];
  for (let i = 0; i < addresses.length; i += 2000) {
    const chunk = addresses.slice(i, i + 2000).map((a) => '0x' + a.toString(16));
    const r = spawnSync(tool, [...args, ...chunk], { maxBuffer: 1 << 28 });
    if (r.status !== 0 && r.stdout.length === 0) throw new Error(`${tool} failed: ${r.stderr}`);
    const groups = splitByAddress(r.stdout.toString());
    if (groups.length !== chunk.length) throw new Error(`${tool}: ${groups.length} answers for ${chunk.length} addresses`);
    out.push(...groups.map(parse));
  }
  return out;
}

function splitByAddress(text: string): string[][] {
  const groups: string[][] = [];
  for (const line of text.split('\n')) {
    if (/^0x[0-9a-f]+:?$/.test(line)) groups.push([]);
    else if (line && groups.length > 0) groups[groups.length - 1]!.push(line);
  }
  return groups;
}

function parseLocation(text: string): { file: string; line: number } {
  const m = /^(.*?):(\d+|\?)(?::\d+)?(?: \(discriminator \d+\))?$/.exec(text.trim());
  if (!m) return { file: '??', line: 0 };
  return { file: m[1]!, line: m[2] === '?' ? 0 : Number(m[2]) };
}

/** eu-addr2line: `name` or `name inlined at f:l:c in caller`, then `file:line:col`. */
function parseEuFrames(lines: string[]): OracleFrame[] {
  const frames: OracleFrame[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const name = lines[i]!.split(' ')[0]!;
    frames.push({ function: name, ...parseLocation(lines[i + 1]!) });
  }
  return frames;
}

/** llvm-addr2line: `name` then `file:line:col` per frame. */
function parseLlvmFrames(lines: string[]): OracleFrame[] {
  const frames: OracleFrame[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2) frames.push({ function: lines[i]!.trim(), ...parseLocation(lines[i + 1]!) });
  return frames;
}

/** One comparable string per chain: `fn file:line | fn file:line`, names without clone suffixes. */
export function normalizeChain(frames: { function: string | undefined; file: string | undefined; line: number }[], components = 2): string {
  return frames
    .map((f) => {
      const fn = (f.function ?? '??').replace(/\.(isra|constprop|part|cold|llvm|lto_priv)(\.\d+)*$/g, '').replace(/\.(isra|constprop|part|cold)\.\d+/g, '');
      const file = !f.file || f.file === '??' ? '??' : f.file.split('/').slice(-components).join('/');
      return `${fn} ${file}:${file === '??' ? 0 : f.line}`;
    })
    .join(' | ');
}
