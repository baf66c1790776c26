// Sources from debuginfod (`/buildid/<id>/source/<absolute path>`) for DWARF names nothing local has, in the
// cache under the names elfutils gives them: checked against elfutils' own debuginfod-find both ways
// (it fetches, we find it in the cache; we fetch, it finds ours), and end to end through a resolution
// session whose gcc-built stand-in vmlinux names a source outside every directory the user gave.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResolutionSession, parseCrashReport } from '../../crash/index.js';
import { DebuginfodClient, SourceReader, readFileBuildId, sourceCacheNames } from '../../debuginfo/index.js';
import { canBuild, hasTool } from './support/fixtures.js';
import { type FileServer, serveFiles } from './support/file-server.js';
import { buildStandInVmlinux } from './support/kernel-stand-in.js';

const run = promisify(execFile);
const buildId = '0123456789abcdef0123456789abcdef01234567';
const sourcePath = '/build/linux-6.1 (b#1)/kernel/sched/core.c';
const served = new Map<string, Uint8Array>();
let server: FileServer;
let url: string;
let requests: string[];

beforeAll(async () => {
  served.set(`/buildid/${buildId}/source${sourcePath}`, Buffer.from('int sched_core;\n'));
  server = await serveFiles(served);
  ({ url, requests } = server);
});

afterAll(() => server?.close());

const tempDir = (tag: string): string => mkdtempSync(path.join(os.tmpdir(), `crashnav-${tag}-`));
const client = (cacheDir: string): DebuginfodClient => new DebuginfodClient({ urls: [url], cacheDir, report: () => {}, progress: false });
/** debuginfod-find with only our variables: no proxy between it and 127.0.0.1. */
const findEnv = (cache: string, urls: string): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: process.env.HOME, DEBUGINFOD_URLS: urls, DEBUGINFOD_CACHE_PATH: cache });

describe.skipIf(!hasTool('debuginfod-find', ['--help']))("elfutils' debuginfod-find and this client share source cache entries", () => {
  it('a source debuginfod-find fetched is found in the cache with no server asked', async () => {
    const cache = tempDir('dfc');
    const { stdout } = await run('debuginfod-find', ['source', buildId, sourcePath], { env: findEnv(cache, url) });
    expect(stdout.trim()).toBe(path.join(cache, buildId, sourceCacheNames(sourcePath)[0]));
    const before = requests.length;
    const got = await client(cache).source(buildId, sourcePath);
    expect(got).toEqual({ path: stdout.trim(), from: 'cache' });
    expect(requests.length).toBe(before);
  });

  it('a source this client fetched is found by debuginfod-find with its server gone', async () => {
    const cache = tempDir('dfc');
    const got = await client(cache).source(buildId, sourcePath);
    expect(got.from).toBe(`${url}/buildid/${buildId}/source${sourcePath.split('/').map(encodeURIComponent).join('/')}`);
    const { stdout } = await run('debuginfod-find', ['source', buildId, sourcePath], { env: findEnv(cache, 'http://127.0.0.1:9') });
    expect(stdout.trim()).toBe(got.path);
    expect(readFileSync(got.path, 'utf8')).toBe('int sched_core;\n');
  });
});

describe('source cache names', () => {
  it("elfutils 0.192's hashed name is read from the cache too", async () => {
    const cache = tempDir('dfc');
    const [, newer] = sourceCacheNames(sourcePath);
    expect(newer).toMatch(/^source-[0-9a-f]{8}-#build#linux-6\.1##b#1##kernel#sched#core\.c$/);
    mkdirSync(path.join(cache, buildId), { recursive: true });
    writeFileSync(path.join(cache, buildId, newer), 'cached by a newer elfutils\n');
    const before = requests.length;
    expect(await client(cache).source(buildId, sourcePath)).toEqual({ path: path.join(cache, buildId, newer), from: 'cache' });
    expect(requests.length).toBe(before);
  });

  it('a long path keeps its end within 126 characters, as elfutils cuts it', () => {
    const long = '/' + 'd'.repeat(300) + '/file.c';
    const [, newer] = sourceCacheNames(long);
    expect(newer.length).toBe('source-'.length + 126);
    expect(newer.endsWith('#file.c')).toBe(true);
  });
});

describe('SourceReader.fetch', () => {
  it('fetches only what is not local, only absolute names, and only with a client', async () => {
    const cache = tempDir('dfc');
    const root = tempDir('root');
    mkdirSync(path.join(root, 'kernel', 'sched'), { recursive: true });
    writeFileSync(path.join(root, 'kernel', 'sched', 'core.c'), 'local\n');
    const before = requests.length;
    expect((await new SourceReader({ root, debuginfod: client(cache) }).fetch(sourcePath, buildId))?.rule).toBe('root-suffix');
    expect(requests.length).toBe(before);
    const reader = new SourceReader({ debuginfod: client(cache) });
    expect(await reader.fetch('kernel/sched/core.c', buildId)).toBeUndefined();
    const fetched = await reader.fetch(sourcePath, buildId);
    expect(fetched).toMatchObject({ rule: 'debuginfod', path: path.join(cache, buildId, sourceCacheNames(sourcePath)[0]) });
    expect(reader.lines(sourcePath)).toEqual(['int sched_core;', '']);
    expect(reader.allows(fetched!.path)).toBe(true);
    expect(await reader.fetch('/build/absent.c', buildId)).toBeUndefined();
    expect(await new SourceReader({}).fetch(sourcePath, buildId)).toBeUndefined();
  });
});

const haveGcc = canBuild(['-mcmodel=kernel', '-fno-pie', '-no-pie', '-nostdlib', '-static']);

describe.skipIf(!haveGcc)('a resolution session reads sources from debuginfod', () => {
  const release = '6.1.0-97-source-amd64';
  const oops = [
    'BUG: kernel NULL pointer dereference, address: 0000000000000000',
    `CPU: 0 PID: 1 Comm: swapper/0 Not tainted ${release} #1`,
    'RIP: 0010:do_thing+0x4/0x10',
    'Call Trace:',
    ' start_kernel+0x9/0x10',
    '',
  ].join('\n');

  it('a DWARF name outside every root comes from the server, not from the disk; offline it stays unread', async () => {
    const dir = tempDir('src-session');
    // The binary away from its source: a binary's own directory is readable.
    const built = buildStandInVmlinux(path.join(dir, 'build', 'vmlinux'), release);
    const vmlinux = path.join(dir, 'bin', 'vmlinux');
    mkdirSync(path.dirname(vmlinux));
    copyFileSync(built, vmlinux);
    const dwarfName = path.join(dir, 'build', 'stand-in-vmlinux.c');
    served.set(`/buildid/${readFileBuildId(vmlinux)}/source${dwarfName}`, Buffer.from('/* as the server has it */\n'));
    const report = parseCrashReport(oops, { source: 'oops.log' }).reports[0]!;
    const cache = tempDir('dfc');
    const session = new ResolutionSession({ vmlinux, debugRoots: [tempDir('none')], debuginfod: client(cache) });
    try {
      const r = await session.resolve(report);
      const loc = r.stacks[0]![0]!.locations.at(-1)!;
      expect(loc).toMatchObject({ file: dwarfName, rule: 'debuginfod', path: path.join(cache, readFileBuildId(vmlinux)!, sourceCacheNames(dwarfName)[0]) });
      expect(session.sourceLines(dwarfName)?.[0]).toBe('/* as the server has it */');
    } finally {
      await session.close();
    }
    const offline = new ResolutionSession({ vmlinux, debugRoots: [tempDir('none')] });
    try {
      const loc = (await offline.resolve(report)).stacks[0]![0]!.locations.at(-1)!;
      expect(loc.file).toBe(dwarfName);
      expect(loc.path).toBeUndefined();
      expect(offline.sourceLines(dwarfName)).toBeUndefined();
    } finally {
      await offline.close();
    }
  });
});
