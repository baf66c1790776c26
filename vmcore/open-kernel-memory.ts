// The kernel's virtual memory of a dump, read the way its architecture maps it.
import type { CoreDump } from './core-dump.js';
import { VmcoreError } from './errors.js';
import type { KernelMemory } from './kernel-memory.js';
import { openArm64KernelMemory } from './kernel-memory-arm64.js';
import { openX86_64KernelMemory } from './kernel-memory-x86-64.js';
import type { Vmcoreinfo } from './vmcoreinfo.js';

const EM_X86_64 = 62;
const EM_AARCH64 = 183;

export function openKernelMemory(dump: CoreDump, options: { info?: Vmcoreinfo } = {}): KernelMemory {
  if (dump.machine === EM_X86_64) return openX86_64KernelMemory(dump, options);
  if (dump.machine === EM_AARCH64) return openArm64KernelMemory(dump, options);
  throw new VmcoreError(dump.file, 'unsupported', `kernel memory of ELF machine ${dump.machine} is not read (x86-64 and arm64 only)`);
}
