// The debuginfod client against servers of the test's own (node:http on 127.0.0.1): the protocol's paths,
// elfutils' cache layout, servers tried in order, and every way a server can fail (404, 500, a truncated
// body, a file of another build-id, no answer) leaving a one-line error and nothing partial in the cache.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DebuginfodClient, DebuginfodError, ElfFile, debuginfodCacheDir, debuginfodFromEnv, readBuildId } from '../../debuginfo/index.js';
import { canBuild } from './support/fixtures.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface TestServer {
  url: string;
  requests: string[];
  close: () => Promise<void>;
}

const servers: Server[] = [];

async function serve(handler: Handler): Promise<TestServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Serves `files` by request path; anything else is a 404. */
const fileServer = (files: Record<string, Buffer>): Handler => (req, res) => {
  const body = files[req.url ?? ''];
  if (!body) {
    res.writeHead(404, 'Not Found').end();
    return;
  }
  res.writeHead(200, { 'Content-Length': body.length }).end(body);
};

const haveGcc = canBuild(['-Wl,--build-id']);
let dir: string;
let elfA: Buffer;
let elfB: Buffer;
let idA: string;
let idB: string;

function buildElf(name: string, body: string): { bytes: Buffer; id: string } {
  const src = path.join(dir, `${name}.c`);
  const out = path.join(dir, name);
  writeFileSync(src, `int main(void) { return ${body}; }\n`);
  execFileSync('gcc', ['-g', '-Wl,--build-id=sha1', '-o', out, src], { stdio: 'pipe' });
  const elf = ElfFile.open(out);
  const id = readBuildId(elf)!;
  elf.close();
  return { bytes: readFileSync(out), id };
}

function client(urls: string[], lines: string[] = [], extra: { timeoutSeconds?: number; maxSize?: number } = {}): { client: DebuginfodClient; cache: string } {
  const cache = mkdtempSync(path.join(os.tmpdir(), 'dfc-'));
  return { client: new DebuginfodClient({ urls, cacheDir: cache, report: (l) => lines.push(l), progress: false, ...extra }), cache };
}

/** Every file under the cache: nothing partial may remain after a failure. */
function cacheFiles(cache: string): string[] {
  return readdirSync(cache, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(path.join(cache, f)).isFile());
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'debuginfod-'));
  if (!haveGcc) return;
  ({ bytes: elfA, id: idA } = buildElf('a', '1'));
  ({ bytes: elfB, id: idB } = buildElf('b', '2'));
});

afterAll(() => {
  for (const s of servers) s.closeAllConnections?.(), s.close();
});

describe('debuginfod environment', () => {
  it('is off unless DEBUGINFOD_URLS names a server', () => {
    expect(debuginfodFromEnv({})).toBeUndefined();
    expect(debuginfodFromEnv({ DEBUGINFOD_URLS: '  ' })).toBeUndefined();
    expect(debuginfodFromEnv({ DEBUGINFOD_URLS: 'http://a http://b' })).toBeInstanceOf(DebuginfodClient);
  });

  it('keeps its cache where elfutils does', () => {
    expect(debuginfodCacheDir({ DEBUGINFOD_CACHE_PATH: '/c' })).toBe('/c');
    expect(debuginfodCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/debuginfod_client');
    expect(debuginfodCacheDir({})).toBe(path.join(os.homedir(), '.cache', 'debuginfod_client'));
    const c = new DebuginfodClient({ urls: [], cacheDir: '/c' });
    expect(c.cachePath('ABCD', 'debuginfo')).toBe('/c/abcd/debuginfo');
    expect(c.cachePath('abcd', 'source', '/usr/src/a.c')).toBe('/c/abcd/source##usr##src##a.c');
  });
});

describe.skipIf(!haveGcc)('debuginfod client', () => {
  it('fetches /buildid/ID/debuginfo into the elfutils cache layout, then serves it from the cache', async () => {
    const server = await serve(fileServer({ [`/buildid/${idA}/debuginfo`]: elfA }));
    const { client: c, cache } = client([server.url]);
    const got = await c.debuginfo(idA);
    expect(got).toEqual({ path: path.join(cache, idA, 'debuginfo'), from: `${server.url}/buildid/${idA}/debuginfo` });
    expect(readFileSync(got.path).equals(elfA)).toBe(true);
    expect(await c.debuginfo(idA.toUpperCase())).toEqual({ path: got.path, from: 'cache' });
    // Another client on the same cache (another tool) is served without asking the server.
    await server.close();
    const other = new DebuginfodClient({ urls: [server.url], cacheDir: cache, progress: false });
    expect((await other.debuginfo(idA)).from).toBe('cache');
    expect(server.requests).toEqual([`/buildid/${idA}/debuginfo`]);
  });

  it('asks for /executable and /source/<absolute path>', async () => {
    const server = await serve(fileServer({ [`/buildid/${idA}/executable`]: elfA, [`/buildid/${idA}/source/usr/src/a%20b.c`]: Buffer.from('int x;\n') }));
    const { client: c, cache } = client([server.url]);
    expect((await c.executable(idA)).path).toBe(path.join(cache, idA, 'executable'));
    const src = await c.source(idA, '/usr/src/a b.c');
    expect(src.path).toBe(path.join(cache, idA, 'source##usr##src##a b.c'));
    expect(readFileSync(src.path, 'utf8')).toBe('int x;\n');
    await expect(c.source(idA, 'relative.c')).rejects.toThrow(/not absolute/);
    await expect(c.debuginfo('xyz')).rejects.toThrow(/not a hex build-id/);
  });

  it('downloads once for concurrent requests of one build-id', async () => {
    const server = await serve((req, res) => setTimeout(() => fileServer({ [`/buildid/${idA}/debuginfo`]: elfA })(req, res), 50));
    const { client: c } = client([server.url]);
    const all = await Promise.all([c.debuginfo(idA), c.debuginfo(idA), c.debuginfo(idA)]);
    expect(new Set(all.map((r) => r.path)).size).toBe(1);
    expect(server.requests).toHaveLength(1);
  });

  it('re-fetches a corrupt cache entry', async () => {
    const server = await serve(fileServer({ [`/buildid/${idA}/debuginfo`]: elfA }));
    const { client: c, cache } = client([server.url]);
    mkdirSync(path.join(cache, idA), { recursive: true });
    writeFileSync(path.join(cache, idA, 'debuginfo'), elfA.subarray(0, 100));
    expect((await c.debuginfo(idA)).from).toMatch(/^http:/);
    expect(readFileSync(path.join(cache, idA, 'debuginfo')).equals(elfA)).toBe(true);
  });

  // Each broken server, then a good one: one line naming the broken URL and the next, the file from the good one.
  const broken: [string, Handler, RegExp][] = [
    ['404', (_q, res) => res.writeHead(404, 'Not Found').end(), /: 404 Not Found/],
    ['500', (_q, res) => res.writeHead(500, 'Internal Server Error').end('boom'), /: 500 Internal Server Error/],
    [
      'a truncated body',
      (_q, res) => {
        res.writeHead(200, { 'Content-Length': elfA.length });
        res.write(elfA.subarray(0, 1000), () => res.destroy());
      },
      /: (truncated: 1000 of \d+ bytes|.*(terminated|aborted|closed|other side).*)/i,
    ],
    ['a file of another build-id', (_q, res) => res.writeHead(200, { 'Content-Length': elfB.length }).end(elfB), new RegExp(`its build-id is ${'[0-9a-f]{40}'}, not [0-9a-f]{40}`)],
    ['not an ELF file', (_q, res) => res.writeHead(200).end('<html>proxy login</html>'), /not an ELF file/],
    ['no answer', () => undefined, /no answer within 0.3s \(DEBUGINFOD_TIMEOUT\)/],
  ];
  for (const [name, handler, error] of broken) {
    it(`a server answering ${name}: one line naming its URL and the next, then the next server`, async () => {
      const bad = await serve(handler);
      const good = await serve(fileServer({ [`/buildid/${idA}/debuginfo`]: elfA }));
      const lines: string[] = [];
      const { client: c, cache } = client([bad.url, good.url], lines, { timeoutSeconds: 0.3 });
      const got = await c.debuginfo(idA);
      expect(got.from).toBe(`${good.url}/buildid/${idA}/debuginfo`);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(error);
      expect(lines[0]).toContain(`debuginfod: ${bad.url}/buildid/${idA}/debuginfo: `);
      expect(lines[0]).toContain(`(trying ${good.url})`);
      expect(lines[0]).not.toContain('\n');
      expect(cacheFiles(cache)).toEqual([path.join(idA, 'debuginfo')]);
    });
  }

  it('fails with every server named when none gives the file, leaving nothing in the cache', async () => {
    const a = await serve((_q, res) => res.writeHead(500, 'Internal Server Error').end());
    const b = await serve((_q, res) => res.writeHead(200, { 'Content-Length': elfB.length }).end(elfB));
    const lines: string[] = [];
    const { client: c, cache } = client([a.url, b.url + '/'], lines);
    const err = await c.debuginfo(idA).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DebuginfodError);
    const { message, failures } = err as DebuginfodError;
    expect(message).not.toContain('\n');
    expect(failures.map((f) => f.split(': ')[0])).toEqual([`${a.url}/buildid/${idA}/debuginfo`, `${b.url}/buildid/${idA}/debuginfo`]);
    expect(lines[1]).not.toContain('trying');
    expect(cacheFiles(cache)).toEqual([]);
  });

  it('refuses a file larger than DEBUGINFOD_MAXSIZE', async () => {
    const server = await serve(fileServer({ [`/buildid/${idA}/debuginfo`]: elfA }));
    const { client: c, cache } = client([server.url], [], { maxSize: 100 });
    await expect(c.debuginfo(idA)).rejects.toThrow(/more than DEBUGINFOD_MAXSIZE \(100\)/);
    expect(cacheFiles(cache)).toEqual([]);
  });

  it('draws progress on a terminal for a download over 1 MB, ending at 100%', async () => {
    const big = Buffer.concat([elfA, Buffer.alloc(3 << 20)]);
    const server = await serve(fileServer({ [`/buildid/${idA}/debuginfo`]: big }));
    let drawn = '';
    const cache = mkdtempSync(path.join(os.tmpdir(), 'dfc-'));
    const terminal = { write: (s: string) => ((drawn += s), true) } as unknown as NodeJS.WritableStream;
    await new DebuginfodClient({ urls: [server.url], cacheDir: cache, progress: terminal }).debuginfo(idA);
    expect(drawn).toMatch(/^\rdebuginfod: http:\/\/127\.0\.0\.1:\d+\/buildid\/[0-9a-f]+\/debuginfo \d+\/3 MB \d+%/);
    expect(drawn.endsWith(' 3/3 MB 100%\n')).toBe(true);
    // A small file draws nothing.
    drawn = '';
    const small = await serve(fileServer({ [`/buildid/${idA}/debuginfo`]: elfA }));
    await new DebuginfodClient({ urls: [small.url], cacheDir: mkdtempSync(path.join(os.tmpdir(), 'dfc-')), progress: terminal }).debuginfo(idA);
    expect(drawn).toBe('');
  });

  it('an unreachable server is one line too', async () => {
    const gone = await serve(() => undefined);
    await gone.close();
    const lines: string[] = [];
    const { client: c } = client([gone.url], lines);
    await expect(c.debuginfo(idA)).rejects.toBeInstanceOf(DebuginfodError);
    expect(lines[0]).toMatch(new RegExp(`^debuginfod: ${gone.url}/buildid/${idA}/debuginfo: fetch failed: .*ECONNREFUSED`));
  });
});
