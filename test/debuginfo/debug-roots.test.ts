// `--debug-root` as users have it: an unpacked `-dbg` package (its root, with `usr/lib/debug` inside,
// or that `usr/lib/debug`), in the layouts distributions use: Debian 6.1 and Ubuntu
// (`boot/vmlinux-R`), Debian 6.12 (`vmlinux-R` at the top), Fedora (`lib/modules/R/vmlinux`), with
// modules under `lib/modules/R`. Stand-in binaries built by gcc in temp dirs.
import { existsSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dbgRoot, release as debianRelease, vmlinuxPath } from '../../bench/debuginfo/paths.js';
import { DebugFile, KernelSymbolizer, checkVmlinux, findVmlinux, moduleDirs, normalizeDebugRoot } from '../../debuginfo/index.js';
import { hasTool } from './support/fixtures.js';
import { buildStandInModule, buildStandInVmlinux, standInVersion } from './support/kernel-stand-in.js';

const haveGcc = hasTool('gcc');
if (!haveGcc) console.log('debuginfo debug roots: stand-in layouts skipped, needs gcc');

const release = '9.9.9-test';

/** An unpacked package: `<pkg>/usr/lib/debug/<vmlinuxAt>` and a module under `lib/modules/R/kernel/`. */
function unpackedPackage(vmlinuxAt: string): { pkg: string; debug: string; vmlinux: string } {
  const pkg = mkdtempSync(path.join(tmpdir(), 'crashnav-dbgpkg-'));
  const debug = path.join(pkg, 'usr', 'lib', 'debug');
  const vmlinux = buildStandInVmlinux(path.join(debug, vmlinuxAt), release);
  buildStandInModule(path.join(debug, 'lib', 'modules', release, 'kernel', 'drivers', 'misc', 'my-mod.ko'), release);
  mkdirSync(path.join(pkg, 'usr', 'share', 'doc'), { recursive: true });
  return { pkg, debug, vmlinux };
}

const layouts = [
  { name: 'Debian 6.1 / Ubuntu: boot/vmlinux-R', at: `boot/vmlinux-${release}` },
  { name: 'Debian 6.12: vmlinux-R at the top', at: `vmlinux-${release}` },
  { name: 'Fedora: lib/modules/R/vmlinux', at: `lib/modules/${release}/vmlinux` },
];

describe.skipIf(!haveGcc)('debug roots given as an unpacked -dbg package', () => {
  for (const layout of layouts) {
    it(`${layout.name}, from the package root and from its usr/lib/debug`, async () => {
      const { pkg, debug, vmlinux } = unpackedPackage(layout.at);
      expect(normalizeDebugRoot(pkg)).toBe(debug);
      expect(normalizeDebugRoot(path.join(pkg, 'usr'))).toBe(debug);
      expect(normalizeDebugRoot(debug)).toBe(debug);
      for (const root of [pkg, debug]) {
        expect(findVmlinux({ release, debugRoots: [root] })).toBe(vmlinux);
        expect(moduleDirs(release, [root])).toContain(path.join(debug, 'lib', 'modules', release));
      }
      expect(findVmlinux({ release: '9.9.8-test', debugRoots: [pkg] })).toBeUndefined();
      // The found pair resolves, and is the right kernel for the report.
      const file = DebugFile.open(vmlinux);
      expect(checkVmlinux(file, { release, version: standInVersion(release) })).toEqual([]);
      const kernel = new KernelSymbolizer({ vmlinux: file, moduleDirs: moduleDirs(release, [pkg]), report: { release } });
      const r = await kernel.resolve('mod_fault+0x4', { module: 'my_mod' });
      expect(r.frames.at(-1)?.function).toBe('mod_fault');
      expect(r.warnings).toEqual([]);
      await kernel.close();
    });
  }

  it('a symlinked vmlinux (Debian ships both names) is found by its first name', () => {
    const { pkg, vmlinux } = unpackedPackage(`boot/vmlinux-${release}`);
    const top = path.join(pkg, 'usr', 'lib', 'debug', `vmlinux-${release}`);
    symlinkSync(`boot/vmlinux-${release}`, top);
    expect(findVmlinux({ release, debugRoots: [pkg] })).toBe(vmlinux);
  });
});

const debianPkg = path.resolve(dbgRoot, '..', '..', '..');
describe.skipIf(!existsSync(vmlinuxPath))('the Debian 6.1 -dbg package as unpacked', () => {
  it('its root and its usr/lib/debug both find the vmlinux and the module directory', () => {
    for (const root of [debianPkg, dbgRoot]) {
      expect(findVmlinux({ release: debianRelease, debugRoots: [root] })).toBe(vmlinuxPath);
      expect(moduleDirs(debianRelease, [root])[0]).toBe(path.join(dbgRoot, 'lib', 'modules', debianRelease));
    }
  });
});
