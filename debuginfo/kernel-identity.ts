// "Is it the right binary?": the vmlinux's build-id and `linux_banner` against the build-id, release
// and build string a report shows (`6.1.0-53-cloud-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.187-1`),
// and a module's build-id (`[mod <build-id>]` frames), `vermagic` and `srcversion` against the
// report's. A mismatch is a loud warning, not a refusal.
import type { DebugFile } from './debug-file.js';
import { EM_S390, ET_REL, SHF_ALLOC, SHF_EXECINSTR } from './elf/elf-constants.js';
import { readBuildId, readModinfo } from './elf/elf-notes.js';
import type { DebugWarning } from './warnings.js';

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
  /** The GNU build-id (hex) of the vmlinux, when the report carries one (the CPU line, `--build-id`, VMCOREINFO). */
  buildId?: string;
}

/** Release and version from the banner `Linux version R (builder) (compiler) #V`. */
export function parseBanner(banner: string): KernelIdentity {
  const release = /Linux version (\S+)/.exec(banner)?.[1];
  const version = / (#\d*\s.*)$/.exec(banner.trim())?.[1]?.trim();
  return { release, version };
}

/** Warnings when the report's kernel is not the one the vmlinux was built as. Empty when they match. */
export function compareKernelIdentity(binary: KernelIdentity, report: Partial<KernelIdentity>, binaryName: string): DebugWarning[] {
  const out: DebugWarning[] = [];
  if (report.release && binary.release && report.release !== binary.release) {
    out.push({ code: 'release-mismatch', message: `WRONG BINARY? the report's kernel is ${report.release} but ${binaryName} is ${binary.release}`, file: binaryName });
  }
  const pkg = (v: string | undefined) => /\b(\d+\.\d+\.\d+-[\w.+~]+)/.exec(v ?? '')?.[1] ?? v?.split(/\s+/)[0];
  if (report.version && binary.version && !versionsAgree(report.version, binary.version)) {
    out.push({
      code: 'build-mismatch',
      message: `WRONG BINARY? the report's build is "${report.version}" (${pkg(report.version)}) but ${binaryName} is "${binary.version}" (${pkg(binary.version)})`,
      file: binaryName,
    });
  }
  return out;
}

/**
 * Why a file given as the vmlinux is no kernel image, or undefined when it may be one. Cheap (ELF
 * header and section table): a relocatable object (a `.ko`), or a 64-bit binary whose code is not
 * in the top half of the address space where 64-bit kernels link their text (`/bin/ls`).
 */
export function notVmlinuxReason(file: DebugFile): string | undefined {
  const elf = file.elf;
  if (elf.type === ET_REL) return 'a relocatable object (a module?), not a kernel image';
  const code = elf.sections.filter((s) => (s.flags & SHF_ALLOC) !== 0 && (s.flags & SHF_EXECINSTR) !== 0 && s.size > 0);
  if (code.length === 0) return 'no code, not a kernel image';
  // s390 is the exception: its kernel has an address space of its own and links low.
  if (elf.is64 && elf.machine !== EM_S390 && !code.some((s) => s.addr >= 0x8000000000000000n)) {
    return `its code is at 0x${code[0]!.addr.toString(16)}, a user-space address, not a kernel image`;
  }
  return undefined;
}

/**
 * Everything that says a candidate vmlinux is not the kernel of a report: not a kernel image at all,
 * another build-id than the report's, no `linux_banner` symbol (checked when the report's release or
 * build is given: that needs the symbol table), or a banner naming another release or build. Empty
 * when nothing is wrong (a build-id or banner the file lacks is no evidence either way).
 */
export function checkVmlinux(file: DebugFile, report?: Partial<KernelIdentity>): DebugWarning[] {
  const reason = notVmlinuxReason(file);
  const notVmlinux = (why: string): DebugWarning => ({ code: 'not-vmlinux', message: `WRONG BINARY? ${file.name} is ${why}`, file: file.name });
  if (reason) return [notVmlinux(reason)];
  const out: DebugWarning[] = [];
  const buildId = report?.buildId && readBuildId(file.elf);
  if (report?.buildId && buildId && !sameBuildId(buildId, report.buildId)) {
    out.push({ code: 'build-id-mismatch', message: `WRONG BINARY? the report's kernel has build-id ${report.buildId.toLowerCase()} but ${file.name} has ${buildId}`, file: file.name });
  }
  if (!report || (!report.release && !report.version)) return out;
  if (file.symbols.findByName('linux_banner').length === 0) return [...out, notVmlinux('an ELF file without linux_banner, not a kernel image')];
  const banner = readLinuxBanner(file);
  return banner === undefined ? out : [...out, ...compareKernelIdentity(parseBanner(banner), report, file.name)];
}

function sameBuildId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
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
  /** The GNU build-id (hex); a split-off `.ko.debug` keeps it, but not `.modinfo`. */
  buildId?: string | undefined;
}

export function readModuleIdentity(file: DebugFile): ModuleIdentity {
  const info = readModinfo(file.elf);
  return { vermagic: info.get('vermagic'), srcversion: info.get('srcversion'), name: info.get('name'), buildId: readBuildId(file.elf) };
}

/**
 * Warnings when a module was not built for the report's kernel, or is not the build the report lists
 * (its srcversion, or the build-id of its `[mod <build-id>]` frames).
 */
export function compareModuleIdentity(module: ModuleIdentity, report: { release?: string; srcversion?: string; buildId?: string }, moduleName: string, file?: string): DebugWarning[] {
  const out: DebugWarning[] = [];
  const where = { module: moduleName, ...(file !== undefined ? { file } : {}) };
  if (report.buildId && module.buildId && !sameBuildId(report.buildId, module.buildId)) {
    out.push({ code: 'module-build-id-mismatch', message: `WRONG MODULE? ${moduleName} has build-id ${module.buildId}, the report shows ${report.buildId.toLowerCase()}`, ...where });
  }
  const release = module.vermagic?.split(/\s+/)[0];
  if (report.release && release && release !== report.release) {
    out.push({ code: 'module-vermagic', message: `WRONG MODULE? ${moduleName} was built for ${release}, the report's kernel is ${report.release}`, ...where });
  }
  if (report.srcversion && module.srcversion && report.srcversion !== module.srcversion) {
    out.push({ code: 'module-srcversion', message: `WRONG MODULE? ${moduleName} has srcversion ${module.srcversion}, the report shows ${report.srcversion}`, ...where });
  }
  return out;
}
