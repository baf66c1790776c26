// The kernel's virtual memory of a dump, read the way its architecture maps it.
import type { CoreDump } from './core-dump.js';
import { VmcoreError } from './errors.js';
import type { KernelMemory } from './kernel-memory.js';
import { openX86_64KernelMemory } from './kernel-memory-x86-64.js';
import type { Vmcoreinfo } from './vmcoreinfo.js';

const EM_X86_64 = 62;

export function openKernelMemory(dump: CoreDump, options: { info?: Vmcoreinfo } = {}): KernelMemory {
  if (dump.machine === EM_X86_64) return openX86_64KernelMemory(dump, options);
  throw new VmcoreError(dump.file, 'unsupported', `kernel memory of ELF machine ${dump.machine} is not read (x86-64 only)`);
}
