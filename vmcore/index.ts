// A plain list of re-exports (several engineers add lines here).

export { type CoreDump, type DumpFormat, type ElfNote } from './core-dump.js';

export { VmcoreError, type VmcoreErrorCode } from './errors.js';

export { parseVmcoreinfo, type Vmcoreinfo } from './vmcoreinfo.js';

export { type KernelMemory } from './kernel-memory.js';
