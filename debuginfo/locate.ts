// Finding the debug binaries wherever a distribution or a build puts them: vmlinux by path, by
// build-id under `<debug root>/.build-id/xx/yyyy.debug`, or by release (Debian and Ubuntu
// `boot/vmlinux-R`, Debian 6.12 `vmlinux-R`, Fedora/RHEL `lib/modules/R/vmlinux`, SUSE
// `boot/vmlinux-R.debug`, a kernel build tree's `vmlinux`, `/lib/modules/R/build/vmlinux`); a module
// by name anywhere under a modules directory (`-` and `_` are the same in module names; `.ko`,
// `.ko.debug` as Fedora and SUSE name the debug half, `.ko.xz`, `.ko.zst`, `.ko.gz`), or by a build
// tree's `modules.order`. A binary found without DWARF leads to its separate debug file by
// `.gnu_debuglink` or by build-id. Debian's `.build-id/` covers only the vdso, Fedora's and Ubuntu's
// cover everything, so every way is tried. A debug root may be given as an unpacked `-dbg` package
// (the directory holding `usr/lib/debug`), as its `usr/lib/debug`, or as a kernel build tree (`O=`).
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { DwarfInfo } from './dwarf/dwarf-info.js';
import { ElfFile } from './elf/elf-file.js';
import { type Debuglink, readBuildId, readDebuglink } from './elf/elf-notes.js';
import { isFile, realPathOrResolved } from './file-paths.js';

export const defaultDebugRoots = ['/usr/lib/debug'];

export interface VmlinuxQuery {
  /** Explicit path: used when it exists. */
  path?: string;
  /** GNU build-id (hex) of the running kernel. */
  buildId?: string;
  /** `uname -r` of the crashed kernel. */
  release?: string;
  /** Debug roots (default `/usr/lib/debug`); a `-dbg` package unpacked elsewhere, or a kernel build tree, is a root too. */
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

/**
 * Whether a directory is a kernel build tree (the `O=` directory of `make`): it holds `vmlinux` and
 * a product only kbuild leaves there (`modules.order`, or `include/config/kernel.release`).
 */
export function isKernelBuildTree(dir: string): boolean {
  return isFile(path.join(dir, 'vmlinux')) && (isFile(path.join(dir, 'modules.order')) || isFile(path.join(dir, 'include', 'config', 'kernel.release')));
}

/** The build trees among the debug roots that may be `release`'s: those whose `kernel.release` names it, or names nothing. */
function buildTreesOf(roots: string[], release: string | undefined): string[] {
  return roots.filter((r) => {
    if (!isKernelBuildTree(r)) return false;
    if (!release) return true;
    const built = readText(path.join(r, 'include', 'config', 'kernel.release'))?.trim();
    return built === undefined || built === release;
  });
}

/** `<root>/.build-id/ab/cdef....debug` for a build-id. */
export function buildIdPath(root: string, buildId: string): string {
  const id = buildId.toLowerCase();
  return path.join(root, '.build-id', id.slice(0, 2), id.slice(2) + '.debug');
}

/**
 * Candidate vmlinux paths in the order they are tried. Under a debug root: `boot/vmlinux-R` (Debian,
 * Ubuntu), `lib/modules/R/vmlinux` (Fedora, RHEL, CentOS), `vmlinux-R` at the top (Debian 6.12),
 * `boot/vmlinux-R.debug` (SUSE); a build tree given as a root: its `vmlinux`.
 */
export function vmlinuxCandidates(q: VmlinuxQuery): string[] {
  const roots = debugRootsOf(q.debugRoots);
  const out: string[] = [];
  if (q.path) out.push(q.path);
  if (q.buildId) for (const r of roots) out.push(buildIdPath(r, q.buildId));
  for (const tree of buildTreesOf(roots, q.release)) out.push(path.join(tree, 'vmlinux'));
  const { release } = q;
  if (release) {
    for (const r of roots) {
      out.push(path.join(r, 'boot', `vmlinux-${release}`), path.join(r, 'lib', 'modules', release, 'vmlinux'), path.join(r, `vmlinux-${release}`), path.join(r, 'boot', `vmlinux-${release}.debug`));
    }
    out.push(path.join('/lib/modules', release, 'build', 'vmlinux'), `/boot/vmlinux-${release}`);
  }
  return [...new Set(out)];
}

/**
 * The vmlinux to read: the first candidate that exists; when it has no DWARF (a stripped image), its
 * separate debug file (`separateDebugFile`), else a later candidate with DWARF of the same build.
 */
export function findVmlinux(q: VmlinuxQuery): string | undefined {
  const [first, ...later] = vmlinuxCandidates(q).filter(isFile);
  if (!first) return undefined;
  const found = peekElf(first);
  if (!found || found.dwarf) return first;
  const roots = debugRootsOf(q.debugRoots);
  const separate = separateDebugFile(first, found.debuglink, found.buildId, roots);
  if (separate) return separate;
  for (const c of later) {
    const other = peekElf(c);
    if (other?.dwarf && sameBuild(found.buildId, other.buildId)) return c;
  }
  return first;
}

/**
 * Where the DWARF of a binary without any lives: the file its `.gnu_debuglink` names (CRC checked),
 * else `<debug root>/.build-id/xx/yyyy.debug` of its build-id (Fedora and Ubuntu ship one for every
 * binary, modules too).
 */
export function separateDebugFile(binaryPath: string, link: Debuglink | undefined, buildId: string | undefined, debugRoots: string[] = defaultDebugRoots): string | undefined {
  const byLink = link && findDebuglinkTarget(binaryPath, link, debugRoots);
  if (byLink) return byLink;
  const self = realPathOrResolved(binaryPath);
  return buildId ? buildIdFiles(buildId, debugRoots).find((c) => realPathOrResolved(c) !== self) : undefined;
}

/** The files under the debug roots' `.build-id/` for a build-id (Fedora, Ubuntu: every binary, modules too). */
export function buildIdFiles(buildId: string, debugRoots: string[] = defaultDebugRoots): string[] {
  return debugRootsOf(debugRoots).map((r) => buildIdPath(r, buildId)).filter(isFile);
}

/** Two builds are the same unless both build-ids are known and differ. */
export function sameBuild(a: string | undefined, b: string | undefined): boolean {
  return a === undefined || b === undefined || a.toLowerCase() === b.toLowerCase();
}

/** Whether an ELF file has DWARF, its debuglink and build-id; undefined when it is not readable ELF. */
function peekElf(p: string): { dwarf: boolean; debuglink: Debuglink | undefined; buildId: string | undefined } | undefined {
  let elf: ElfFile | undefined;
  try {
    elf = ElfFile.open(p);
    // A file with DWARF is its own debug file: its debuglink is not needed.
    if (DwarfInfo.present(elf)) return { dwarf: true, debuglink: undefined, buildId: readBuildId(elf) };
    return { dwarf: false, debuglink: readDebuglink(elf), buildId: readBuildId(elf) };
  } catch {
    return undefined;
  } finally {
    elf?.close();
  }
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

const moduleFileName = /\.ko(\.(xz|zst|gz|debug))?$/;

/** Module names compare with `-` and `_` equal and without the `.ko*` suffix. */
export function normalizeModuleName(name: string): string {
  return path.basename(name).replace(moduleFileName, '').replace(/-/g, '_');
}

export interface ModuleSearch {
  /**
   * Directories searched recursively (e.g. `/usr/lib/debug/lib/modules/<release>`); a kernel build
   * tree is not walked: its `modules.order` lists its modules.
   */
  dirs: string[];
}

/**
 * Module directories for a release: under the debug roots (or a build tree given as one), then the
 * installed ones (`/lib/modules/R`, and `/usr/lib/modules/R` where that is another directory).
 */
export function moduleDirs(release: string, debugRoots: string[] = defaultDebugRoots): string[] {
  const roots = debugRootsOf(debugRoots);
  const dirs = [...roots.map((r) => path.join(r, 'lib', 'modules', release)), ...buildTreesOf(roots, release), path.join('/lib/modules', release), path.join('/usr/lib/modules', release)];
  const seen = new Set<string>();
  return dirs.filter((d) => {
    if (!existsSync(d)) return false;
    const real = realPathOrResolved(d);
    if (seen.has(real)) return false;
    seen.add(real);
    return true;
  });
}

/**
 * The module files a build tree's `modules.order` lists: `drivers/foo/bar.o` since Linux 6.2,
 * `kernel/drivers/foo/bar.ko` or `drivers/foo/bar.ko` before.
 */
function modulesOrdered(tree: string): string[] {
  const out: string[] = [];
  for (const line of (readText(path.join(tree, 'modules.order')) ?? '').split('\n')) {
    const entry = line.trim().replace(/\.o$/, '.ko');
    if (!entry.endsWith('.ko')) continue;
    const found = [entry, entry.replace(/^kernel\//, '')].map((e) => path.join(tree, e)).find(isFile);
    if (found) out.push(found);
  }
  return out;
}

/** Finds module files by name; each directory is walked once, on the first lookup. */
export class ModuleFinder {
  private readonly dirs: string[];
  private index: Map<string, string[]> | undefined;

  constructor(search: ModuleSearch) {
    this.dirs = search.dirs;
  }

  /** The best file for a module name: uncompressed first (`.ko.debug` before `.ko` in one directory), in `dirs` order. */
  find(name: string): string | undefined {
    return this.findAll(name)[0];
  }

  findAll(name: string): string[] {
    this.index ??= this.build();
    return this.index.get(normalizeModuleName(name)) ?? [];
  }

  private build(): Map<string, string[]> {
    const index = new Map<string, string[]>();
    const add = (file: string) => {
      const key = normalizeModuleName(file);
      const list = index.get(key) ?? [];
      list.push(file);
      index.set(key, list);
    };
    for (const dir of this.dirs) {
      if (isKernelBuildTree(dir)) {
        modulesOrdered(dir).forEach(add);
        continue;
      }
      const dirFiles: string[] = [];
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
          else if (moduleFileName.test(e.name)) dirFiles.push(full);
        }
      }
      // Within a directory the debug half before the binary it was split from.
      dirFiles.sort((a, b) => Number(b.endsWith('.debug')) - Number(a.endsWith('.debug'))).forEach(add);
    }
    // Uncompressed before compressed (no decompression), otherwise keep directory order.
    const rank = (f: string) => Number(/\.ko(\.debug)?$/.test(f));
    for (const list of index.values()) list.sort((a, b) => rank(b) - rank(a));
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

function readText(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
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
