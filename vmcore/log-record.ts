// One record of the kernel log as printk stored it, whichever buffer held it (the lockless ring of 5.10+,
// the structured log_buf of 3.5-5.9): what `dmesg` renderers and the console-log parser need.
import type { CoreDump } from './core-dump.js';
import { VmcoreError } from './errors.js';
import type { Vmcoreinfo } from './vmcoreinfo.js';

export interface LogRecord {
  /** The record's sequence number; undefined for log_buf kernels, which do not store it. */
  seq: bigint | undefined;
  /** Nanoseconds since boot (local_clock) when the record was stored. */
  tsNsec: bigint;
  /** printk's caller: a pid, or a CPU number with bit 31 set; undefined when the kernel records none. */
  callerId: number | undefined;
  /** The console log level 0-7 (KERN_EMERG..KERN_DEBUG). */
  level: number;
  facility: number;
  /** The text as stored: no trailing newline, continuation lines joined by '\n', raw bytes. */
  text: Uint8Array;
}

export interface KernelLog {
  source: 'printk_ringbuffer' | 'log_buf';
  records: LogRecord[];
  /** Records left out and why (a descriptor still being written at the crash, a broken chain). */
  warnings: string[];
}

/** `T<pid>` or `C<cpu>`, as the kernel prints a caller id (kernel/printk/printk.c, print_caller). */
export function renderCallerId(callerId: number): string {
  return callerId & 0x80000000 ? `C${callerId & 0x7fffffff}` : `T${callerId}`;
}

/** VMCOREINFO entries a log reader cannot do without: a missing one is a `no-vmcoreinfo` error naming it. */
export function requiredLayout(dump: CoreDump, info: Vmcoreinfo) {
  const missing = (key: string): never => {
    throw new VmcoreError(dump.file, 'no-vmcoreinfo', `VMCOREINFO lacks ${key}, needed to read the kernel log`);
  };
  return {
    symbol: (name: string): bigint => info.symbol(name) ?? missing(`SYMBOL(${name})`),
    offset: (member: string): number => info.offset(member) ?? missing(`OFFSET(${member})`),
    size: (type: string): number => info.size(type) ?? missing(`SIZE(${type})`),
  };
}
