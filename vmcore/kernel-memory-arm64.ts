// KernelMemory for an arm64 dump: every kernel virtual address goes through the kernel's own TTBR1 page
// tables, rooted at `swapper_pg_dir`, a kernel-image symbol. The image is mapped linearly at
// kimage_voffset (arch/arm64/include/asm/memory.h, __kimg_to_phys: physical = virtual - kimage_voffset),
// and VMCOREINFO gives both with the KASLR slide included (arch/arm64/kernel/crash_core.c prints
// kimage_voffset, PHYS_OFFSET, TCR_EL1_T1SZ and KERNELPACMASK as hex). The VA size the MMU uses is
// 64 - TCR_EL1.T1SZ; a 52-bit-VA kernel on 48-bit hardware says VA_BITS=52 but T1SZ=16.
import type { CoreDump } from './core-dump.js';
import { VmcoreError } from './errors.js';
import type { KernelMemory } from './kernel-memory.js';
import { Arm64PageTables } from './arm64-paging.js';
import { PageTableMemory } from './page-table-memory.js';
import { type Vmcoreinfo, parseVmcoreinfo } from './vmcoreinfo.js';

const EM_AARCH64 = 183;
const u64Mask = (1n << 64n) - 1n;

export interface Arm64KernelMemoryOptions {
  /** VMCOREINFO already parsed from the dump; parsed from `dump.vmcoreinfo` when absent. */
  info?: Vmcoreinfo;
}

export function openArm64KernelMemory(dump: CoreDump, options: Arm64KernelMemoryOptions = {}): KernelMemory {
  if (dump.machine !== EM_AARCH64) throw new VmcoreError(dump.file, 'unsupported', `not an arm64 dump (ELF machine ${dump.machine})`);
  const info = options.info ?? parseVmcoreinfo(dump.vmcoreinfo ?? '');
  const root = info.symbol('swapper_pg_dir');
  const voffset = info.number('kimage_voffset');
  if (root === undefined || voffset === undefined) {
    const what = dump.vmcoreinfo === undefined ? 'no VMCOREINFO' : 'no SYMBOL(swapper_pg_dir) and NUMBER(kimage_voffset) in its VMCOREINFO';
    throw new VmcoreError(dump.file, 'no-vmcoreinfo', `the dump carries ${what}: its page tables cannot be found`);
  }
  const t1sz = info.number('TCR_EL1_T1SZ');
  const vaBits = t1sz !== undefined ? 64 - Number(t1sz) : Number(info.number('VA_BITS') ?? 48n);
  const pageSize = info.pageSize ?? dump.pageSize;
  const pageShift = Math.log2(pageSize);
  if (pageShift !== 12 && pageShift !== 14 && pageShift !== 16) {
    throw new VmcoreError(dump.file, 'unsupported', `arm64 pages of ${pageSize} bytes (PAGESIZE) are not read`);
  }
  const tables = new Arm64PageTables(dump, { root: (root - voffset) & u64Mask, vaBits, pageShift });
  return new PageTableMemory(dump, info, info.kernelOffset ?? 0n, (address) => tables.walk(address)?.physical);
}

