// Where the module loader (kernel/module/main.c, layout_sections) puts each section of a `.ko`: allocated
// sections back to back in section order, text first, then read-only data, ro_after_init and writable
// data, each class starting page-aligned; `.init*` sections in a separate init region. With the load
// base of the core region (`crash`'s `mod` BASE column), a runtime address becomes section + offset.
import type { ElfFile } from './elf/elf-file.js';
import { EM_AARCH64, SHF_ALLOC, SHF_EXECINSTR } from './elf/elf-constants.js';

const SHF_WRITE = 0x1;
// The loader marks these before layout (SHF_RO_AFTER_INIT is a kernel-internal flag).
const roAfterInitSections = new Set(['.data..ro_after_init', '__jump_table']);
// The loader clears SHF_ALLOC on these: they are never copied into the module's memory.
const notLoadedSections = new Set(['.modinfo', '__versions', '.data..percpu']);

export interface ModuleRegion {
  /** Offset of each placed section in the region, by section index. */
  offsets: Map<number, bigint>;
  /** End of the text (page-aligned, as CONFIG_STRICT_MODULE_RWX makes it). */
  textEnd: bigint;
  /** End of everything placed. */
  end: bigint;
}

export interface ModuleLayout {
  core: ModuleRegion;
  init: ModuleRegion;
  /** The page size the alignment used (the largest plausible for the architecture). */
  page: bigint;
}

type SectionClass = 'text' | 'ro' | 'ro_after_init' | 'rw';
const classOrder: SectionClass[] = ['text', 'ro', 'ro_after_init', 'rw'];

export function moduleLayout(elf: ElfFile): ModuleLayout {
  // Pages are 4 KiB on x86; arm64 kernels may use 16 or 64 KiB pages: the largest is the lenient bound.
  const page = elf.machine === EM_AARCH64 ? 0x10000n : 0x1000n;
  const alignUp = (v: bigint, a: bigint) => ((v + a - 1n) / a) * a;
  const region = (init: boolean): ModuleRegion => {
    const offsets = new Map<number, bigint>();
    let size = 0n;
    let textEnd = 0n;
    for (const cls of classOrder) {
      for (const s of elf.sections) {
        if ((s.flags & SHF_ALLOC) === 0 || notLoadedSections.has(s.name) || s.name.startsWith('.init') !== init || classOf(s.name, s.flags) !== cls) continue;
        const at = alignUp(size, BigInt(s.addralign > 1 ? s.addralign : 1));
        offsets.set(s.index, at);
        size = at + BigInt(s.size);
      }
      size = alignUp(size, page);
      if (cls === 'text') textEnd = size;
    }
    return { offsets, textEnd, end: size };
  };
  return { core: region(false), init: region(true), page };
}

function classOf(name: string, flags: number): SectionClass {
  if (flags & SHF_EXECINSTR) return 'text';
  if (roAfterInitSections.has(name)) return 'ro_after_init';
  return flags & SHF_WRITE ? 'rw' : 'ro';
}

/** The section and offset at `offset` of a region, if a placed section holds it. */
export function sectionAtRegionOffset(elf: ElfFile, region: ModuleRegion, offset: bigint): { section: string; offset: bigint } | undefined {
  for (const [index, start] of region.offsets) {
    const s = elf.sections[index]!;
    if (offset >= start && offset < start + BigInt(s.size)) return { section: s.name, offset: offset - start };
  }
  return undefined;
}
