// "Is it the right binary?": the vmlinux's `linux_banner` against the release and build string a
// report shows (`6.1.0-53-cloud-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.187-1`), and a module's
// `vermagic`/`srcversion` against the running kernel. A mismatch is a loud warning, not a refusal.
import type { DebugFile } from './debug-file.js';
import { readModinfo } from './elf/elf-notes.js';

/** The `Linux version ...` string compiled into the vmlinux (symbol `linux_banner`). */
export function readLinuxBanner(file: DebugFile): string | undefined {
  const sym = file.symbols.findByName('linux_banner')[0];
  if (!sym || sym.size === 0 || sym.size > 4096) return undefined;
  const where = file.sectionOf(sym.address);
  if (!where) return undefined;
  const data = file.elf.sectionData(where.section);
  const start = Number(where.offset);
  const bytes = data.subarray(start, Math.min(start + sym.size, data.length));
  const end = bytes.indexOf(0);
  return Buffer.from(end < 0 ? bytes : bytes.subarray(0, end)).toString('latin1').trim();
}

export interface KernelIdentity {
  /** `uname -r`: 6.1.0-53-cloud-amd64 */
  release: string | undefined;
  /** `uname -v`: `#1 SMP PREEMPT_DYNAMIC Debian 6.1.187-1 (2025-...)` */
  version: string | undefined;
}

/** Release and version from the banner `Linux version R (builder) (compiler) #V`. */
export function parseBanner(banner: string): KernelIdentity {
  const release = /Linux version (\S+)/.exec(banner)?.[1];
  const version = / (#\d*\s.*)$/.exec(banner.trim())?.[1]?.trim();
  return { release, version };
}

/** Warnings when the report's kernel is not the one the vmlinux was built as. Empty when they match. */
export function compareKernelIdentity(binary: KernelIdentity, report: KernelIdentity, binaryName: string): string[] {
  const out: string[] = [];
  if (report.release && binary.release && report.release !== binary.release) {
    out.push(`WRONG BINARY? the report's kernel is ${report.release} but ${binaryName} is ${binary.release}`);
  }
  const pkg = (v: string | undefined) => /\b(\d+\.\d+\.\d+-[\w.+~]+)/.exec(v ?? '')?.[1] ?? v?.split(/\s+/)[0];
  if (report.version && binary.version && !versionsAgree(report.version, binary.version)) {
    out.push(`WRONG BINARY? the report's build is "${report.version}" (${pkg(report.version)}) but ${binaryName} is "${binary.version}" (${pkg(binary.version)})`);
  }
  return out;
}

// An oops line shows `#1 Debian 6.1.187-1`, the banner `#1 SMP PREEMPT_DYNAMIC Debian 6.1.187-1 (2025-...)`:
// compare the build number and every dotted version both mention.
function versionsAgree(a: string, b: string): boolean {
  const build = (s: string) => /#(\d+)/.exec(s)?.[1];
  if (build(a) && build(b) && build(a) !== build(b)) return false;
  const versions = (s: string) => new Set(s.match(/\d+\.\d+[\w.+~-]*/g) ?? []);
  const va = versions(a);
  const vb = versions(b);
  if (va.size === 0 || vb.size === 0) return true;
  for (const v of va) if (vb.has(v)) return true;
  return false;
}

export interface ModuleIdentity {
  vermagic: string | undefined;
  srcversion: string | undefined;
  name: string | undefined;
}

export function readModuleIdentity(file: DebugFile): ModuleIdentity {
  const info = readModinfo(file.elf);
  return { vermagic: info.get('vermagic'), srcversion: info.get('srcversion'), name: info.get('name') };
}

/** Warnings when a module was not built for the report's kernel, or is not the build the report lists. */
export function compareModuleIdentity(module: ModuleIdentity, report: { release?: string; srcversion?: string }, moduleName: string): string[] {
  const out: string[] = [];
  const release = module.vermagic?.split(/\s+/)[0];
  if (report.release && release && release !== report.release) out.push(`WRONG MODULE? ${moduleName} was built for ${release}, the report's kernel is ${report.release}`);
  if (report.srcversion && module.srcversion && report.srcversion !== module.srcversion) {
    out.push(`WRONG MODULE? ${moduleName} has srcversion ${module.srcversion}, the report shows ${report.srcversion}`);
  }
  return out;
}
