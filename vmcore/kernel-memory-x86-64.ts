// KernelMemory for an x86-64 dump: every kernel virtual address (the image, the direct map at its
// randomized page_offset_base, vmalloc and module space) goes through the kernel's own page tables, rooted
// at `init_top_pgt`, so no region base needs to be known. The root is a kernel-image address, which the
// kernel maps linearly: physical = virtual - __START_KERNEL_map + phys_base (arch/x86/include/asm/page_64.h,
// __phys_addr_symbol). `SYMBOL(init_top_pgt)` already carries the KASLR slide; phys_base carries where the
// image was loaded physically, and may be "negative" (printed with %ld), hence the 64-bit wrap. A qemu
// dump without VMCOREINFO falls back to a CPU's CR3 from qemu's own note.
import type { CoreDump } from './core-dump.js';
import { VmcoreError } from './errors.js';
import type { KernelMemory } from './kernel-memory.js';
import { PageTableMemory } from './page-table-memory.js';
import { type Vmcoreinfo, parseVmcoreinfo } from './vmcoreinfo.js';
import { X86PageTables, type X86PagingOptions } from './x86-64-paging.js';

const EM_X86_64 = 62;
const startKernelMap = 0xffffffff80000000n;
const u64Mask = (1n << 64n) - 1n;

export interface X86KernelMemoryOptions {
  /** VMCOREINFO already parsed from the dump; parsed from `dump.vmcoreinfo` when absent. */
  info?: Vmcoreinfo;
}

export function openX86_64KernelMemory(dump: CoreDump, options: X86KernelMemoryOptions = {}): KernelMemory {
  if (dump.machine !== EM_X86_64) throw new VmcoreError(dump.file, 'unsupported', `not an x86-64 dump (ELF machine ${dump.machine})`);
  const info = options.info ?? parseVmcoreinfo(dump.vmcoreinfo ?? '');
  // init_level4_pgt is the name before 4.13.
  const rootSymbol = info.symbol('init_top_pgt') ?? info.symbol('init_level4_pgt');
  if (rootSymbol !== undefined) {
    const physBase = info.number('phys_base') ?? 0n;
    const tables = new X86PageTables(dump, {
      root: (rootSymbol - startKernelMap + physBase) & u64Mask,
      levels: info.number('pgtable_l5_enabled') === 1n ? 5 : 4,
      smeMask: info.number('sme_mask') ?? 0n,
    });
    return x86Memory(dump, info, tables);
  }
  const qemu = qemuPaging(dump);
  if (qemu !== undefined) return x86Memory(dump, info, new X86PageTables(dump, qemu));
  const what = dump.vmcoreinfo === undefined ? 'no VMCOREINFO' : 'no SYMBOL(init_top_pgt) in its VMCOREINFO';
  throw new VmcoreError(dump.file, 'no-vmcoreinfo', `the dump carries ${what} and no qemu CPU state: its page tables cannot be found`);
}

function x86Memory(dump: CoreDump, info: Vmcoreinfo, tables: X86PageTables): KernelMemory {
  return new PageTableMemory(dump, info, info.kernelOffset ?? 0n, (address) => tables.walk(address)?.physical);
}

// QEMUCPUState (qemu target/i386/arch_dump.c): version, size, 18 u64 registers, 10 segments of 24 bytes,
// then cr[0..4]. Any CPU with paging on will do: every process's page tables map the kernel alike, and a
// CPU stopped by a crash runs kernel code, so with page-table isolation its CR3 is the kernel half.
const qemuCrOffset = 8 + 18 * 8 + 10 * 24;
const cr0Paging = 1n << 31n;
const cr4La57 = 1n << 12n;

/** A qemu dump without VMCOREINFO (no `-device vmcoreinfo`): the page tables a CPU was using. */
function qemuPaging(dump: CoreDump): X86PagingOptions | undefined {
  for (const note of dump.notes) {
    if (note.name !== 'QEMU' || note.desc.length < qemuCrOffset + 5 * 8) continue;
    const view = new DataView(note.desc.buffer, note.desc.byteOffset, note.desc.byteLength);
    const cr = (n: number) => view.getBigUint64(qemuCrOffset + 8 * n, true);
    if ((cr(0) & cr0Paging) === 0n) continue;
    return { root: cr(3) & ~0xfffn, levels: (cr(4) & cr4La57) !== 0n ? 5 : 4 };
  }
  return undefined;
}
