// A plain list of re-exports (several engineers add lines here).

export { type CoreDump, type DumpFormat, type ElfNote } from './core-dump.js';

export { VmcoreError, attemptRead, type VmcoreErrorCode } from './errors.js';

export { parseVmcoreinfo, type Vmcoreinfo } from './vmcoreinfo.js';

export { type KernelMemory } from './kernel-memory.js';

export { X86PageTables, type X86PagingOptions, type X86Mapping } from './x86-64-paging.js';

export { openX86_64KernelMemory, type X86KernelMemoryOptions } from './kernel-memory-x86-64.js';

export { Arm64PageTables, type Arm64PagingOptions, type Arm64Mapping } from './arm64-paging.js';

export { openArm64KernelMemory, type Arm64KernelMemoryOptions } from './kernel-memory-arm64.js';

/** Opens any dump format (ELF, kdump-compressed, flattened) by its magic, read lazily. */
export { openCoreDump, openCoreDumpSource, isCoreDumpFile } from './open-core-dump.js';

export { type LogRecord, type KernelLog, renderCallerId } from './log-record.js';

export { readKernelLog, renderMakedumpfileDmesg, renderConsoleLog } from './dmesg.js';

export { readPrintkRingbuffer } from './printk-ringbuffer.js';

export { readLogBuf } from './log-buf.js';

export { openKernelMemory } from './open-kernel-memory.js';

/** Each dumped CPU's stack unwound with ORC (its task, frames, exception registers), and crash's `bt`/`bt -a` text of it. */
export { readBacktraces, type BacktraceOptions, type KernelBacktraces, type CpuBacktrace, type BacktraceFrame, type TaskInfo } from './backtrace.js';

export { renderBacktraces, renderCpuBacktrace } from './render-bt.js';

export { readCpuRegisters, type CpuRegisters, type X86Registers } from './cpu-registers.js';

export { renderVmcoreSession, type VmcoreSession } from './session-transcript.js';

