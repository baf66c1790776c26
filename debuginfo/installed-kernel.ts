// Build-ids of the kernels and modules installed on a machine, as identities for a report that prints
// none: `boot/vmlinuz-R` (its payload's build-id note, see boot-image.ts) and `lib/modules/R/**/*.ko*`
// under one root (`/` unless the user names another, such as an unpacked image package). The release
// comes from the report, so only these places are read, never a file the report names.
import path from 'node:path';
import { bootImageBuildId } from './boot-image.js';
import { readBuildId } from './elf/elf-notes.js';
import { isFile } from './file-paths.js';
import { ModuleFinder, normalizeModuleName } from './locate.js';
import { openDebugFile } from './open-debug-file.js';

export interface InstalledBuildId {
  /** The installed file read. */
  file: string;
  buildId?: string;
  /** Why the file gave no build-id (an unsupported compression, no note). */
  problem?: string;
}

export class InstalledKernels {
  private readonly kernels = new Map<string, Promise<InstalledBuildId | undefined>>();
  private readonly modules = new Map<string, Promise<InstalledBuildId | undefined>>();
  private readonly finders = new Map<string, ModuleFinder>();

  constructor(readonly root = '/') {}

  /** The image files a release may be installed as: `vmlinuz-R` (most), `vmlinux-R[.gz]` (SUSE, ppc64), `usr/lib/modules/R/vmlinuz` (Fedora, Arch). */
  imageCandidates(release: string): string[] {
    if (!plainRelease(release)) return [];
    const boot = path.join(this.root, 'boot');
    return [path.join(boot, `vmlinuz-${release}`), path.join(boot, `vmlinux-${release}`), path.join(boot, `vmlinux-${release}.gz`), path.join(this.root, 'usr', 'lib', 'modules', release, 'vmlinuz')];
  }

  /** The installed kernel image's build-id, or undefined when none of the release is installed; read once. */
  kernelBuildId(release: string): Promise<InstalledBuildId | undefined> {
    let pending = this.kernels.get(release);
    if (!pending) {
      pending = this.readKernel(release);
      this.kernels.set(release, pending);
    }
    return pending;
  }

  /** The installed module's build-id (`-` and `_` alike), or undefined when the release has no such module; read once. */
  moduleBuildId(release: string, name: string): Promise<InstalledBuildId | undefined> {
    const key = `${release}\0${normalizeModuleName(name)}`;
    let pending = this.modules.get(key);
    if (!pending) {
      pending = this.readModule(release, name);
      this.modules.set(key, pending);
    }
    return pending;
  }

  private async readKernel(release: string): Promise<InstalledBuildId | undefined> {
    const file = this.imageCandidates(release).find(isFile);
    if (!file) return undefined;
    try {
      return { file, buildId: (await bootImageBuildId(file)).buildId };
    } catch (err) {
      return { file, problem: (err as Error).message };
    }
  }

  private async readModule(release: string, name: string): Promise<InstalledBuildId | undefined> {
    if (!plainRelease(release)) return undefined;
    let finder = this.finders.get(release);
    if (!finder) {
      finder = new ModuleFinder({ dirs: [path.join(this.root, 'lib', 'modules', release), path.join(this.root, 'usr', 'lib', 'modules', release)] });
      this.finders.set(release, finder);
    }
    // The installed binary, not a debug half someone put beside it.
    const file = finder.findAll(name).find((f) => !f.endsWith('.debug'));
    if (!file) return undefined;
    try {
      const module = await openDebugFile(file);
      try {
        const buildId = readBuildId(module.elf);
        return buildId ? { file, buildId } : { file, problem: `${file}: no GNU build-id note` };
      } finally {
        module.close();
      }
    } catch (err) {
      return { file, problem: (err as Error).message };
    }
  }
}

/** A release is one path component: anything else read from a report never reaches the file system. */
function plainRelease(release: string): boolean {
  return release !== '' && release !== '.' && release !== '..' && !release.includes('/') && !release.includes('\0');
}
