// The kernel's virtual address space as the dump holds it: what the log reader, the module list and the
// unwinder read through, whatever the architecture and the dump format.
import type { CoreDump } from './core-dump.js';
import type { Vmcoreinfo } from './vmcoreinfo.js';

export interface KernelMemory {
  readonly dump: CoreDump;
  readonly info: Vmcoreinfo;
  /** The KASLR slide of the kernel image (0 when not randomized). */
  readonly kernelSlide: bigint;
  /**
   * Reads `length` bytes of kernel virtual memory at `address`. Throws VmcoreError naming the address:
   * `not-mapped` when the page tables do not map it, `page-absent` when the dump does not hold the page.
   */
  read(address: bigint, length: number): Uint8Array;
  /**
   * The physical address `address` maps to, or undefined when it is not mapped. Throws VmcoreError when the
   * walk itself cannot finish: `page-absent` for a page-table page the dump lacks, `page-table-loop`.
   */
  translate(address: bigint): bigint | undefined;
  u64(address: bigint): bigint;
  u32(address: bigint): number;
}
