// Every distribution's debug layout as a tree of gcc-built stand-ins named as each distribution
// names them: Debian 6.1 and Ubuntu (`boot/vmlinux-R`), Debian 6.12 (`vmlinux-R`), Fedora/RHEL
// (`lib/modules/R/vmlinux`, `*.ko.debug`, `.build-id/`), SUSE (`boot/vmlinux-R.debug`), a kernel
// build tree (`O=`: `vmlinux`, `modules.order`). Shared by the locate and the CLI suites.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildIdPath } from '../../../debuginfo/index.js';
import { buildStandInModule, buildStandInVmlinux } from './kernel-stand-in.js';

export const release = '9.9.9-test';
export const vmlinuxId = '11'.repeat(20);
export const moduleId = '22'.repeat(20);

/**
 * How a distribution packages the two binaries, paths relative to the tree's top: the vmlinux and
 * module as the debug package has them (`split`: the `--only-keep-debug` half, its stripped half
 * elsewhere), `.build-id/` links, and which directory the user gives as the debug root.
 */
export interface Layout {
  name: string;
  vmlinux: string;
  module: string;
  split?: { vmlinux?: string; module?: string };
  buildIdLinks?: boolean;
  /** The directory given as `--debug-root`, relative to the top (default: the top, an unpacked package). */
  root?: string;
  /** Extra files of a build tree: relative path → text. */
  files?: Record<string, string>;
  /** A build tree without `include/config/kernel.release` cannot say which release it is: it stands for any (the banner check judges). */
  anyRelease?: boolean;
}

export const debug = 'usr/lib/debug';
export const layouts: Layout[] = [
  { name: 'Debian 6.1', vmlinux: `${debug}/boot/vmlinux-${release}`, module: `${debug}/lib/modules/${release}/kernel/drivers/misc/my-mod.ko` },
  { name: 'Debian 6.12', vmlinux: `${debug}/vmlinux-${release}`, module: `${debug}/lib/modules/${release}/kernel/drivers/misc/my-mod.ko`, root: debug },
  { name: 'Ubuntu ddeb', vmlinux: `${debug}/boot/vmlinux-${release}`, module: `${debug}/lib/modules/${release}/kernel/drivers/misc/my_mod.ko` },
  {
    name: 'Fedora/RHEL/CentOS',
    vmlinux: `${debug}/lib/modules/${release}/vmlinux`,
    module: `${debug}/lib/modules/${release}/kernel/drivers/misc/my-mod.ko.debug`,
    split: { module: `lib/modules/${release}/kernel/drivers/misc/my-mod.ko` },
    buildIdLinks: true,
  },
  {
    name: 'SUSE',
    vmlinux: `${debug}/boot/vmlinux-${release}.debug`,
    module: `${debug}/lib/modules/${release}/kernel/drivers/misc/my-mod.ko.debug`,
    split: { vmlinux: `boot/vmlinux-${release}`, module: `lib/modules/${release}/kernel/drivers/misc/my-mod.ko` },
  },
  {
    name: 'a kernel build tree (Linux 6.2+ modules.order)',
    vmlinux: 'vmlinux',
    module: 'drivers/misc/my-mod.ko',
    files: { 'modules.order': 'drivers/misc/my-mod.o\n', 'include/config/kernel.release': `${release}\n` },
  },
  { name: 'a kernel build tree (older modules.order)', vmlinux: 'vmlinux', module: 'drivers/misc/my-mod.ko', files: { 'modules.order': 'kernel/drivers/misc/my-mod.ko\n' }, anyRelease: true },
];

/** `objcopy` as a distribution's packaging splits a binary: the debug half at `debugAt`, the stripped one at `strippedAt` with a debuglink. */
export function split(full: string, debugAt: string, strippedAt: string): void {
  mkdirSync(path.dirname(debugAt), { recursive: true });
  mkdirSync(path.dirname(strippedAt), { recursive: true });
  execFileSync('objcopy', ['--only-keep-debug', full, debugAt]);
  execFileSync('objcopy', ['--strip-debug', `--add-gnu-debuglink=${debugAt}`, full, strippedAt]);
}

export function layOut(layout: Layout): { top: string; root: string; at: (rel: string) => string } {
  const top = mkdtempSync(path.join(tmpdir(), 'crashnav-layout-'));
  const at = (rel: string) => path.join(top, rel);
  const build = path.join(top, 'build');
  const vmlinux = buildStandInVmlinux(path.join(build, 'vmlinux'), release, 'gcc', { buildId: vmlinuxId });
  const module = buildStandInModule(path.join(build, 'my-mod.ko'), release, undefined, { buildId: moduleId });
  for (const [full, rel, stripped] of [[vmlinux, layout.vmlinux, layout.split?.vmlinux], [module, layout.module, layout.split?.module]] as const) {
    if (stripped) split(full, at(rel), at(stripped));
    else {
      mkdirSync(path.dirname(at(rel)), { recursive: true });
      renameSync(full, at(rel));
    }
  }
  if (layout.buildIdLinks) {
    for (const [id, rel] of [[vmlinuxId, layout.vmlinux], [moduleId, layout.module]] as const) {
      const link = buildIdPath(at(debug), id);
      mkdirSync(path.dirname(link), { recursive: true });
      symlinkSync(path.relative(path.dirname(link), at(rel)), link);
    }
  }
  for (const [rel, text] of Object.entries(layout.files ?? {})) {
    mkdirSync(path.dirname(at(rel)), { recursive: true });
    writeFileSync(at(rel), text);
  }
  return { top, root: at(layout.root ?? ''), at };
}

