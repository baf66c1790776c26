// A debuginfod client speaking the protocol gdb, elfutils and drgn speak: `GET $URL/buildid/<hex>/debuginfo`,
// `/executable`, `/source/<absolute path>`, servers from `DEBUGINFOD_URLS` tried in order. Files land in the
// cache layout elfutils uses (`<cache>/<buildid>/debuginfo`, `…/executable`, and a source's escaped path,
// see `sourceCacheNames`), so a file fetched by one tool serves the others. A download goes to a temporary file beside its place and is
// renamed in only when complete and, for ELF files, when its build-id is the one asked for: no reader ever
// sees a partial or wrong file. Off unless `DEBUGINFOD_URLS` is set, as in elfutils.
import { createWriteStream, mkdirSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readFileBuildId } from './elf/elf-notes.js';

export type DebuginfodKind = 'debuginfo' | 'executable' | 'source';

export interface DebuginfodOptions {
  /** Server base URLs, tried in order. */
  urls: string[];
  /** The cache directory (elfutils' layout). */
  cacheDir: string;
  /** Seconds without a byte from the server before giving up on it (`DEBUGINFOD_TIMEOUT`, default 90). */
  timeoutSeconds?: number;
  /** Largest file accepted, in bytes (`DEBUGINFOD_MAXSIZE`); 0 or absent: no limit. */
  maxSize?: number;
  /** One line per failed server, as it happens (default: standard error). */
  report?: (line: string) => void;
  /** Where download progress is drawn (a terminal); default: standard error when it is a terminal; false: nowhere. */
  progress?: NodeJS.WritableStream | false;
}

export interface DebuginfodFile {
  path: string;
  /** `cache` when an earlier download (by any tool using the cache) served it, else the URL it came from. */
  from: string;
}

/** Every server failed (or none had the file): one line per server, in the order tried. */
export class DebuginfodError extends Error {
  constructor(
    readonly buildId: string,
    readonly kind: DebuginfodKind,
    readonly failures: string[],
  ) {
    super(`debuginfod: no server gave the ${kind} of build-id ${buildId}: ${failures.join('; ')}`);
    this.name = 'DebuginfodError';
  }
}

const buildIdPattern = /^[0-9a-f]{2,}$/;

/** The client `DEBUGINFOD_URLS` asks for, or undefined when it is unset or empty (debuginfod off). */
export function debuginfodFromEnv(env: NodeJS.ProcessEnv = process.env, extra: Partial<DebuginfodOptions> = {}): DebuginfodClient | undefined {
  const urls = (env.DEBUGINFOD_URLS ?? '').split(/\s+/).filter((u) => u !== '');
  if (urls.length === 0) return undefined;
  const timeout = Number(env.DEBUGINFOD_TIMEOUT);
  const maxSize = Number(env.DEBUGINFOD_MAXSIZE);
  return new DebuginfodClient({
    urls,
    cacheDir: debuginfodCacheDir(env),
    ...(Number.isFinite(timeout) && timeout > 0 ? { timeoutSeconds: timeout } : {}),
    ...(Number.isFinite(maxSize) && maxSize > 0 ? { maxSize } : {}),
    ...extra,
  });
}

/** `DEBUGINFOD_CACHE_PATH`, else `$XDG_CACHE_HOME/debuginfod_client`, else `~/.cache/debuginfod_client`. */
export function debuginfodCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DEBUGINFOD_CACHE_PATH) return env.DEBUGINFOD_CACHE_PATH;
  return path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'debuginfod_client');
}

export class DebuginfodClient {
  private readonly pending = new Map<string, Promise<DebuginfodFile>>();
  private readonly urls: string[];

  constructor(private readonly options: DebuginfodOptions) {
    this.urls = options.urls.map((u) => u.replace(/\/+$/, ''));
  }

  /** The separate debug file (DWARF) of a build-id. */
  debuginfo(buildId: string): Promise<DebuginfodFile> {
    return this.get(buildId, 'debuginfo');
  }

  /** The executable (e.g. the stripped `.ko` or vmlinux) of a build-id. */
  executable(buildId: string): Promise<DebuginfodFile> {
    return this.get(buildId, 'executable');
  }

  /** A source file named by the DWARF of a build-id (an absolute path). */
  source(buildId: string, sourcePath: string): Promise<DebuginfodFile> {
    return this.get(buildId, 'source', sourcePath);
  }

  /** Where the cache keeps a file (a source: under the name elfutils up to 0.191 gives it, see `sourceCacheNames`). */
  cachePath(buildId: string, kind: DebuginfodKind, sourcePath?: string): string {
    return path.join(this.options.cacheDir, buildId.toLowerCase(), kind === 'source' ? sourceCacheNames(sourcePath ?? '')[0] : kind);
  }

  private get(buildId: string, kind: DebuginfodKind, sourcePath?: string): Promise<DebuginfodFile> {
    const id = buildId.toLowerCase();
    if (!buildIdPattern.test(id) || id.length % 2 !== 0) return Promise.reject(new Error(`debuginfod: ${buildId} is not a hex build-id`));
    if (kind === 'source' && !sourcePath?.startsWith('/')) return Promise.reject(new Error(`debuginfod: source path ${sourcePath ?? ''} is not absolute`));
    const target = this.cachePath(id, kind, sourcePath);
    // One download per file however many callers ask at once.
    let pending = this.pending.get(target);
    if (!pending) {
      pending = this.fetchInto(id, kind, sourcePath, target).finally(() => this.pending.delete(target));
      this.pending.set(target, pending);
    }
    return pending;
  }

  private async fetchInto(id: string, kind: DebuginfodKind, sourcePath: string | undefined, target: string): Promise<DebuginfodFile> {
    if (this.cachedValid(target, id, kind)) return { path: target, from: 'cache' };
    // A source another elfutils version fetched, under its own name.
    for (const name of kind === 'source' ? sourceCacheNames(sourcePath!).slice(1) : []) {
      const other = path.join(path.dirname(target), name);
      if (this.cachedValid(other, id, kind)) return { path: other, from: 'cache' };
    }
    const failures: string[] = [];
    const suffix = kind === 'source' ? `source${sourcePath!.split('/').map(encodeURIComponent).join('/')}` : kind;
    for (const [i, base] of this.urls.entries()) {
      const url = `${base}/buildid/${id}/${suffix}`;
      // Unique per download, so that another process fetching the same file never writes into ours.
      const part = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.part`;
      try {
        await this.download(url, part);
        const problem = kind === 'source' ? undefined : buildIdProblem(part, id);
        if (problem) throw new Error(problem);
        renameSync(part, target);
        return { path: target, from: url };
      } catch (err) {
        rmSync(part, { force: true });
        const line = `${url}: ${(err as Error).message}`;
        failures.push(line);
        const next = this.urls[i + 1];
        // A source no server has is common (servers without source archives): the caller decides what to say.
        if (kind !== 'source') this.say(`debuginfod: ${line}${next ? ` (trying ${next})` : ''}`);
      }
    }
    throw new DebuginfodError(id, kind, failures);
  }

  /** A cached file is used only when whole: an ELF whose build-id matches (else it is removed and fetched again). */
  private cachedValid(target: string, id: string, kind: DebuginfodKind): boolean {
    let size: number;
    try {
      size = statSync(target).size;
    } catch {
      return false;
    }
    if (size > 0 && (kind === 'source' || buildIdProblem(target, id) === undefined)) return true;
    rmSync(target, { force: true });
    return false;
  }

  private async download(url: string, part: string): Promise<void> {
    const timeoutMs = (this.options.timeoutSeconds ?? 90) * 1000;
    const controller = new AbortController();
    let timer = setTimeout(() => controller.abort(), timeoutMs);
    const touch = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(), timeoutMs);
    };
    const headers: Record<string, string> = {};
    if (this.options.maxSize) headers['X-DEBUGINFOD-MAXSIZE'] = String(this.options.maxSize);
    try {
      const response = await fetch(url, { signal: controller.signal, headers });
      if (!response.ok || !response.body) throw new Error(`${response.status} ${response.statusText}`.trim());
      const total = Number(response.headers.get('content-length') ?? response.headers.get('x-debuginfod-size') ?? NaN);
      const maxSize = this.options.maxSize;
      if (maxSize && total > maxSize) throw new Error(`${total} bytes is more than DEBUGINFOD_MAXSIZE (${maxSize})`);
      mkdirSync(path.dirname(part), { recursive: true });
      const progress = this.progressLine(url, total);
      let received = 0;
      const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
      body.on('data', (chunk: Buffer) => {
        received += chunk.length;
        touch();
        if (maxSize && received > maxSize) body.destroy(new Error(`more than DEBUGINFOD_MAXSIZE (${maxSize}) bytes`));
        progress?.(received);
      });
      // Opened here, not by the stream: a stream still opening its file when the body fails would create
      // it after the caller has removed the partial download.
      await pipeline(body, createWriteStream(part, { fd: openSync(part, 'w') }));
      progress?.(received, true);
      if (Number.isFinite(total) && received !== total) throw new Error(`truncated: ${received} of ${total} bytes`);
    } catch (err) {
      if (controller.signal.aborted) throw new Error(`no answer within ${timeoutMs / 1000}s (DEBUGINFOD_TIMEOUT)`);
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw cause?.message ? new Error(`${(err as Error).message}: ${cause.message}`) : err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A `\r`-rewritten percentage on a terminal, for downloads worth watching (over 1 MB). */
  private progressLine(url: string, total: number): ((received: number, done?: boolean) => void) | undefined {
    const out = this.options.progress ?? (process.stderr.isTTY ? process.stderr : false);
    if (!out || !(total > 1 << 20)) return undefined;
    let shown = -1;
    return (received, done) => {
      const percent = Math.floor((received * 100) / total);
      if (percent === shown && !done) return;
      shown = percent;
      out.write(`\rdebuginfod: ${url} ${(received / 1048576).toFixed(0)}/${(total / 1048576).toFixed(0)} MB ${percent}%${done ? '\n' : ''}`);
    };
  }

  private say(line: string): void {
    (this.options.report ?? ((l: string) => process.stderr.write(l + '\n')))(line);
  }
}

/**
 * The names elfutils gives a source file in a build-id's cache directory, the one this client writes
 * first. Up to 0.191: `source` + the path with `/` as `##` and `#` as `#_` (checked against 0.188's
 * debuginfod-find). Since 0.192: `source-` + the path's 32-bit djb2 hash in hex, `-`, and the path with
 * every character but `[A-Za-z0-9._-]` as `#`, cut from the front to keep the name within 127 bytes.
 */
export function sourceCacheNames(sourcePath: string): [string, string] {
  const bytes = Buffer.from(sourcePath, 'utf8');
  const old = 'source' + sourcePath.replace(/#/g, '#_').replace(/\//g, '##');
  let hash = 5381;
  // Bytes over 0x7f count as x86's signed `char` does (an arm64 elfutils, whose `char` is unsigned, names such paths otherwise).
  for (const b of bytes) hash = (Math.imul(hash, 33) + (b > 0x7f ? b - 256 : b)) >>> 0;
  const escaped = Buffer.from(bytes.map((b) => (/[A-Za-z0-9._-]/.test(String.fromCharCode(b)) ? b : 0x23))).toString('latin1');
  const length = Math.min(127, bytes.length + 10) - 1;
  const kept = escaped.slice(Math.max(0, escaped.length - (length - 9)));
  return [old, `source-${hash.toString(16).padStart(8, '0')}-${kept}`];
}

/** Why a downloaded or cached file is not the ELF file of a build-id, or undefined when it is. */
function buildIdProblem(file: string, id: string): string | undefined {
  let found: string | undefined;
  try {
    found = readFileBuildId(file);
  } catch (err) {
    return `not an ELF file (${(err as Error).message})`;
  }
  if (found !== id) return `its build-id is ${found ?? 'missing'}, not ${id}`;
  return undefined;
}
