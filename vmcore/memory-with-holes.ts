// Kernel memory read page by page, for arrays (the printk rings, log_buf) where a page the dump lacks
// should cost only the records on it: the page becomes a hole that readers ask about, never zeros.
import { VmcoreError } from './errors.js';
import type { KernelMemory } from './kernel-memory.js';

/** Bytes of kernel memory read page by page: a page the dump lacks is a hole, never zeros. */
export interface MemoryWithHoles {
  bytes: Uint8Array;
  /** Why [start, end) cannot be read (the first hole's error), or undefined when all of it was read. */
  hole(start: number, end: number): VmcoreError | undefined;
}

const holePage = 4096;

/**
 * Reads [address, address+length) keeping what the dump holds, so one missing page of a log costs the
 * records on it rather than the whole log. Its first and last bytes must be mapped: a length read from
 * corrupt memory fails before its buffer is allocated.
 */
export function readWithHoles(mem: KernelMemory, address: bigint, length: number): MemoryWithHoles {
  if (length > 0) {
    for (const at of [address, address + BigInt(length - 1)]) {
      if (mem.translate(at) === undefined) throw new VmcoreError(mem.dump.file, 'not-mapped', `not mapped by the kernel page tables (reading ${length} bytes at 0x${address.toString(16)})`, at);
    }
  }
  const bytes = new Uint8Array(length);
  const holes: { start: number; end: number; error: VmcoreError }[] = [];
  for (let off = 0; off < length; ) {
    const at = address + BigInt(off);
    const n = Math.min(length - off, holePage - Number(at % BigInt(holePage)));
    try {
      bytes.set(mem.read(at, n), off);
    } catch (err) {
      if (!(err instanceof VmcoreError) || (err.code !== 'page-absent' && err.code !== 'not-mapped')) throw err;
      const last = holes[holes.length - 1];
      if (last !== undefined && last.end === off) last.end = off + n;
      else holes.push({ start: off, end: off + n, error: err });
    }
    off += n;
  }
  if (holes.length === 1 && holes[0]!.start === 0 && holes[0]!.end === length) throw holes[0]!.error;
  return { bytes, hole: (start, end) => holes.find((h) => h.start < end && start < h.end)?.error };
}
