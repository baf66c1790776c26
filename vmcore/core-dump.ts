// What every vmcore format gives the layers above it: the ELF notes (per-CPU registers, VMCOREINFO, qemu's
// CPU state), the page size, and physical pages read on demand. A page the dump does not hold — excluded
// by `makedumpfile -d`, past the end of a truncated file, never dumped — is `undefined`, never zeros, so a
// reader can say which address is missing instead of decoding garbage.

import type { ElfNote } from '../debuginfo/index.js';

export type { ElfNote };

export type DumpFormat = 'elf' | 'kdump' | 'flattened';

export interface CoreDump {
  /** The path as the user named it. */
  readonly file: string;
  readonly format: DumpFormat;
  /** ELF e_machine of the dumped system (EM_X86_64 = 62, EM_AARCH64 = 183). */
  readonly machine: number;
  readonly pageSize: number;
  /** Every note in file order: NT_PRSTATUS (type 1) once per CPU, VMCOREINFO, QEMU. */
  readonly notes: readonly ElfNote[];
  /** The VMCOREINFO text (`KEY=value` lines), when the dump carries it. */
  readonly vmcoreinfo: string | undefined;
  /**
   * The bytes of physical page `pfn` (`pageSize` long), or undefined when the dump does not hold it. Throws
   * VmcoreError `decompress-failed`, naming the page's physical address, when the dump holds the page but
   * it does not decode; the other pages still read.
   */
  readPage(pfn: number): Uint8Array | undefined;
  close(): void;
}
