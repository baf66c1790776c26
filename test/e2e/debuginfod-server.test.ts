// Acceptance against the real server: elfutils' `debuginfod` started here on 127.0.0.1 over a directory
// holding Debian's 6.1 `-dbg` .deb (scanned with bsdtar), and the lab's null_pointer oops with the vmlinux
// build-id appended to its CPU line (as CONFIG_STACKTRACE_BUILD_ID kernels print it). `crashnav resolve`
// with an empty debug root and no --vmlinux must resolve every kernel frame through the fetched DWARF
// exactly as the local vmlinux does; then again from the cache with the server stopped; then with broken
// servers (node:http of the test's own), one line per URL and nothing left in the cache.
// Cost: the scan of the 282 MB .deb takes ~30 s and the 588 MB download ~35 s on the 2-core machine.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElfFile, readBuildId } from '../../debuginfo/index.js';
import { runCli } from '../support/capture-io.js';

const release = '6.1.0-53-cloud-amd64';
const deb = path.join(os.homedir(), `.cache/crashnav/debs/linux-image-${release}-dbg_6.1.187-1_amd64.deb`);
const vmlinux = path.join(os.homedir(), `.cache/crashnav/pkg/dbg/usr/lib/debug/boot/vmlinux-${release}`);
const oopsLog = path.join(import.meta.dirname, '../../examples/oopses/null_pointer.log');
const hasTool = (tool: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
};
const missing = [
  ...(existsSync(deb) ? [] : [`${deb} (scripts/fetch-debian.sh all)`]),
  ...(existsSync(vmlinux) ? [] : [vmlinux]),
  ...['debuginfod', 'bsdtar'].filter((t) => !hasTool(t)).map((t) => `${t} (apt-get install debuginfod libarchive-tools)`),
];
if (missing.length > 0) console.warn(`debuginfod-server: skipped, missing ${missing.join(', ')}`);

interface ResolvedJson {
  vmlinux: string | null;
  vmlinuxFrom: string | null;
  warnings: { code: string; message: string }[];
  stacks: { frames: { symbol: string | null; module: string | null; provenance: string | null; locations: unknown[] }[] }[];
}

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });

async function waitFor(what: string, seconds: number, ready: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (!(await ready().catch(() => false))) {
    if (Date.now() > until) throw new Error(`${what}: not ready within ${seconds}s`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describe.skipIf(missing.length > 0)('debuginfod: the real server over the Debian -dbg .deb', () => {
  let dir: string;
  let server: ChildProcess | undefined;
  let url: string;
  let oops: string;
  let buildId: string;
  let reference: ResolvedJson;
  const savedEnv = { ...process.env };

  /** `crashnav resolve --json` of the oops with the given debuginfod environment, an empty debug root, no --vmlinux. */
  async function resolve(env: Record<string, string>, extra: string[] = []): Promise<{ code: number; json: ResolvedJson; err: string }> {
    process.env = { ...savedEnv, ...env };
    try {
      const emptyRoot = mkdtempSync(path.join(os.tmpdir(), 'empty-debug-root-'));
      const { code, out, err } = await runCli(['resolve', '--json', '--debug-root', emptyRoot, ...extra, oops]);
      return { code, json: (JSON.parse(out.trim().split('\n')[0]!) as { reports: ResolvedJson[] }).reports[0]!, err };
    } finally {
      process.env = { ...savedEnv };
    }
  }

  const kernelFrames = (r: ResolvedJson) => r.stacks.flatMap((s) => s.frames).filter((f) => f.symbol !== null && f.module === null);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'debuginfod-real-'));
    const elf = ElfFile.open(vmlinux);
    buildId = readBuildId(elf)!;
    elf.close();
    const text = readFileSync(oopsLog, 'utf8').replace(/^(\[[ \d.]+\] CPU: 0 PID: 94 .*)$/m, `$1 ${buildId}`);
    expect(text).toContain(buildId);
    oops = path.join(dir, 'null_pointer-build-id.log');
    writeFileSync(oops, text);
    // The answer the fetched file must give: the same resolve with the local vmlinux.
    const { json } = await resolve({}, ['--vmlinux', vmlinux]);
    reference = json;

    const debs = path.join(dir, 'debs');
    execFileSync('mkdir', ['-p', debs]);
    symlinkSync(deb, path.join(debs, path.basename(deb)));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const started = Date.now();
    // -U: .deb scanning through bsdtar; -L: follow the symlink; -t 0 -g 0: one scan, no grooming.
    server = spawn('debuginfod', ['-U', '-L', '--disable-source-scan', '-t', '0', '-g', '0', '-d', path.join(dir, 'db.sqlite'), '-p', String(port), debs], { stdio: 'ignore' });
    await waitFor('debuginfod scan', 600, async () => /scanned_files_total\{source="\.deb archive"\} 1/.test(await (await fetch(`${url}/metrics`)).text()));
    console.log(`debuginfod-server: scanned ${path.basename(deb)} in ${((Date.now() - started) / 1000).toFixed(0)}s`);
  }, 900_000);

  afterAll(() => {
    server?.kill();
    process.env = savedEnv;
  });

  it('the local --vmlinux reference resolves every kernel frame through DWARF', () => {
    expect(reference.vmlinuxFrom).toBe('given');
    expect(kernelFrames(reference).length).toBeGreaterThanOrEqual(5);
    expect(kernelFrames(reference).filter((f) => f.provenance !== 'dwarf')).toEqual([]);
  });

  it('fetches the vmlinux by the CPU line build-id and resolves every kernel frame as the local vmlinux does', async () => {
    const cache = path.join(dir, 'cache');
    const started = Date.now();
    const { json, err } = await resolve({ DEBUGINFOD_URLS: url, DEBUGINFOD_CACHE_PATH: cache });
    console.log(`debuginfod-server: fetched and resolved in ${((Date.now() - started) / 1000).toFixed(0)}s`);
    expect(err).not.toMatch(/debuginfod:/);
    expect(json.vmlinuxFrom).toBe('debuginfod');
    expect(json.vmlinux).toBe(path.join(cache, buildId, 'debuginfo'));
    expect(statSync(json.vmlinux!).size).toBe(statSync(vmlinux).size);
    expect(kernelFrames(json)).toEqual(kernelFrames(reference));
    expect(readdirSync(path.join(cache, buildId))).toEqual(['debuginfo']);
  }, 900_000);

  it('resolves again from the cache with the server stopped', async () => {
    server!.kill();
    await new Promise((r) => server!.once('exit', r));
    await expect(fetch(`${url}/metrics`)).rejects.toThrow();
    const { json, err } = await resolve({ DEBUGINFOD_URLS: url, DEBUGINFOD_CACHE_PATH: path.join(dir, 'cache') });
    expect(err).toBe('');
    expect(json.vmlinuxFrom).toBe('debuginfod');
    expect(kernelFrames(json)).toEqual(kernelFrames(reference));
  }, 300_000);

  it('--offline asks no server, even with the file cached', async () => {
    const { json } = await resolve({ DEBUGINFOD_URLS: url, DEBUGINFOD_CACHE_PATH: path.join(dir, 'cache') }, ['--offline']);
    expect(json.vmlinux).toBeNull();
    expect(kernelFrames(json).filter((f) => f.provenance === 'dwarf')).toEqual([]);
  });

  it('broken servers: one stderr line per URL naming the next, a report warning, nothing in the cache', async () => {
    const full = readFileSync(vmlinux);
    const broken = createServer((req, res) => {
      if (req.url?.startsWith('/500/')) return void res.writeHead(500, 'Internal Server Error').end();
      // A truncated body: the length of the whole file, then the connection drops.
      res.writeHead(200, { 'Content-Length': full.length });
      res.write(full.subarray(0, 1 << 20), () => res.destroy());
    });
    await new Promise<void>((r) => broken.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`;
    const cache = path.join(dir, 'broken-cache');
    try {
      const { json, err } = await resolve({ DEBUGINFOD_URLS: `${base}/500 ${base}/cut`, DEBUGINFOD_CACHE_PATH: cache });
      const lines = err.trim().split('\n');
      expect(lines).toEqual([
        `debuginfod: ${base}/500/buildid/${buildId}/debuginfo: 500 Internal Server Error (trying ${base}/cut)`,
        expect.stringMatching(new RegExp(`^debuginfod: ${base}/cut/buildid/${buildId}/debuginfo: \\S`)),
      ]);
      expect(json.vmlinux).toBeNull();
      expect(json.warnings.map((w) => w.code)).toContain('debuginfod-failed');
      expect(readdirSync(cache, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(path.join(cache, f)).isFile())).toEqual([]);
    } finally {
      broken.closeAllConnections();
      broken.close();
    }
  }, 300_000);
});
