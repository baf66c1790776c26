// Finding the debug binaries: vmlinux by path, by build-id under `<debug root>/.build-id/xx/yyyy.debug`,
// by `.gnu_debuglink`, or by release under `/usr/lib/debug/boot/vmlinux-<release>` (and the other
// places packages put it); a module by name anywhere under a modules directory (`-` and `_` are the
// same in module names; `.ko`, `.ko.xz`, `.ko.zst`, `.ko.gz`). Debian's `.build-id/` covers only the
// vdso, Fedora's and Ubuntu's ddebs cover everything, so every way is tried. A debug root may be given
// as an unpacked `-dbg` package (the directory holding `usr/lib/debug`) or as its `usr/lib/debug`.
import { closeSync, existsSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import type { Debuglink } from './elf/elf-notes.js';

export const defaultDebugRoots = ['/usr/lib/debug'];

export interface VmlinuxQuery {
  /** Explicit path: used when it exists. */
  path?: string;
  /** GNU build-id (hex) of the running kernel. */
  buildId?: string;
  /** `uname -r` of the crashed kernel. */
  release?: string;
  /** Debug roots (default `/usr/lib/debug`); a Debian `-dbg` package unpacked elsewhere is a root too. */
  debugRoots?: string[];
}

/**
 * The debug root a user-given directory stands for: an unpacked package's root (or its `usr`) means
 * the `usr/lib/debug` inside it; anything else is taken as it is.
 */
export function normalizeDebugRoot(root: string): string {
  for (const inner of [path.join(root, 'usr', 'lib', 'debug'), path.join(root, 'lib', 'debug')]) if (isDirectory(inner)) return inner;
  return root;
}

function debugRootsOf(roots: string[] | undefined): string[] {
  return [...new Set((roots ?? defaultDebugRoots).map(normalizeDebugRoot))];
}

/** `<root>/.build-id/ab/cdef....debug` for a build-id. */
export function buildIdPath(root: string, buildId: string): string {
  const id = buildId.toLowerCase();
  return path.join(root, '.build-id', id.slice(0, 2), id.slice(2) + '.debug');
}

/**
 * Candidate vmlinux paths in the order they are tried; the first that exists is the answer. Under a
 * debug root: `boot/vmlinux-R` (Debian, Ubuntu), `lib/modules/R/vmlinux` (Fedora), `vmlinux-R` at the
 * top (Debian 6.12).
 */
export function vmlinuxCandidates(q: VmlinuxQuery): string[] {
  const roots = debugRootsOf(q.debugRoots);
  const out: string[] = [];
  if (q.path) out.push(q.path);
  if (q.buildId) for (const r of roots) out.push(buildIdPath(r, q.buildId));
  if (q.release) {
    for (const r of roots) out.push(path.join(r, 'boot', `vmlinux-${q.release}`), path.join(r, 'lib', 'modules', q.release, 'vmlinux'), path.join(r, `vmlinux-${q.release}`));
    out.push(path.join('/lib/modules', q.release, 'build', 'vmlinux'), `/boot/vmlinux-${q.release}`);
  }
  return out;
}

export function findVmlinux(q: VmlinuxQuery): string | undefined {
  return vmlinuxCandidates(q).find(isFile);
}

/**
 * The separate debug file a `.gnu_debuglink` names, searched as gdb does (beside the binary, in its
 * `.debug/` directory, then under each debug root + the binary's directory), checking the CRC.
 */
export function findDebuglinkTarget(binaryPath: string, link: Debuglink, debugRoots: string[] = defaultDebugRoots): string | undefined {
  const dir = path.dirname(path.resolve(binaryPath));
  const candidates = [path.join(dir, link.file), path.join(dir, '.debug', link.file), ...debugRootsOf(debugRoots).map((r) => path.join(r, dir, link.file))];
  return candidates.find((c) => path.resolve(c) !== path.resolve(binaryPath) && isFile(c) && fileCrc32(c) === link.crc);
}

/** Module names compare with `-` and `_` equal and without the `.ko*` suffix. */
export function normalizeModuleName(name: string): string {
  return path.basename(name).replace(/\.ko(\.(xz|zst|gz))?$/, '').replace(/-/g, '_');
}

export interface ModuleSearch {
  /** Directories searched recursively (e.g. `/usr/lib/debug/lib/modules/<release>`). */
  dirs: string[];
}

/** Module directories for a release under the debug roots, then the installed ones. */
export function moduleDirs(release: string, debugRoots: string[] = defaultDebugRoots): string[] {
  return [...debugRootsOf(debugRoots).map((r) => path.join(r, 'lib', 'modules', release)), path.join('/lib/modules', release)].filter((d) => existsSync(d));
}

/** Finds module files by name; each directory is walked once, on the first lookup. */
export class ModuleFinder {
  private readonly dirs: string[];
  private index: Map<string, string[]> | undefined;

  constructor(search: ModuleSearch) {
    this.dirs = search.dirs;
  }

  /** The best file for a module name: uncompressed and with DWARF-bearing debug dirs first, in `dirs` order. */
  find(name: string): string | undefined {
    return this.findAll(name)[0];
  }

  findAll(name: string): string[] {
    this.index ??= this.build();
    return this.index.get(normalizeModuleName(name)) ?? [];
  }

  private build(): Map<string, string[]> {
    const index = new Map<string, string[]>();
    for (const dir of this.dirs) {
      const stack = [dir];
      while (stack.length > 0) {
        const d = stack.pop()!;
        let entries: import('node:fs').Dirent[];
        try {
          entries = readdirSync(d, { withFileTypes: true });
        } catch {
          continue;
        }
        for (const e of entries) {
          const full = path.join(d, e.name);
          if (e.isDirectory()) stack.push(full);
          else if (/\.ko(\.(xz|zst|gz))?$/.test(e.name)) {
            const key = normalizeModuleName(e.name);
            const list = index.get(key) ?? [];
            list.push(full);
            index.set(key, list);
          }
        }
      }
    }
    // Plain `.ko` before compressed ones (no decompression), otherwise keep directory order.
    for (const list of index.values()) list.sort((a, b) => Number(/\.ko$/.test(b)) - Number(/\.ko$/.test(a)));
    return index;
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function fileCrc32(p: string): number {
  const fd = openSync(p, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    let crc = 0;
    for (let pos = 0; ; ) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      crc = crc32(buf.subarray(0, n), crc);
      pos += n;
    }
    return crc >>> 0;
  } finally {
    closeSync(fd);
  }
}
