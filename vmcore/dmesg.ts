// The kernel log of a dump, found in whichever buffer the kernel kept it, and rendered two ways: exactly as
// `makedumpfile --dump-dmesg` writes it (Debian's makedumpfile 1.7.2, printk.c dump_record), so the two can
// be compared byte for byte, and as the kernel's console prints it (a prefix on every line, caller ids), the
// form crashnav's console-log parser reads.
import type { KernelMemory } from './kernel-memory.js';
import { readLogBuf } from './log-buf.js';
import { type KernelLog, type LogRecord, renderCallerId } from './log-record.js';
import { readPrintkRingbuffer } from './printk-ringbuffer.js';

/** The lockless ring when the kernel has one (`SYMBOL(prb)`, 5.10+), else the structured log_buf. */
export function readKernelLog(mem: KernelMemory): KernelLog {
  return mem.info.symbol('prb') !== undefined ? readPrintkRingbuffer(mem) : readLogBuf(mem);
}

/** `[%5llu.%06lu]`: seconds padded to five columns, microseconds (truncated) to six digits. */
function renderTimestamp(tsNsec: bigint): string {
  const seconds = (tsNsec / 1_000_000_000n).toString().padStart(5, ' ');
  const micros = ((tsNsec % 1_000_000_000n) / 1000n).toString().padStart(6, '0');
  return `[${seconds}.${micros}]`;
}

const newline = 0x0a;
const hex = (b: number) => b.toString(16).padStart(2, '0');

/**
 * makedumpfile's rendering: `[seconds.micros] ` then the text; a newline inside a record continues on a
 * line indented by the prefix's width; bytes C's isprint/isspace reject (in the C locale) become `\xNN`,
 * and since x86's `char` is signed, a byte above 0x7f is printed sign-extended (`\xffffffc3`). No caller
 * id and no level: 1.7.2 prints neither.
 */
export function renderMakedumpfileDmesg(records: readonly LogRecord[]): Buffer {
  const parts: Buffer[] = [];
  for (const record of records) {
    const prefix = `${renderTimestamp(record.tsNsec)} `;
    const indent = '\n' + ' '.repeat(prefix.length);
    let out = prefix;
    let run = 0; // start of the current run of bytes copied as they are
    const text = record.text;
    const flush = (end: number) => {
      if (end > run) out += Buffer.from(text.buffer, text.byteOffset + run, end - run).toString('latin1');
    };
    for (let i = 0; i < text.length; i++) {
      const b = text[i]!;
      const copied = (b >= 0x20 && b <= 0x7e) || (b >= 0x09 && b <= 0x0d && b !== newline);
      if (copied) continue;
      flush(i);
      run = i + 1;
      out += b === newline ? indent : b < 0x80 ? `\\x${hex(b)}` : `\\xffffff${hex(b)}`;
    }
    flush(text.length);
    parts.push(Buffer.from(out + '\n', 'latin1'));
  }
  return Buffer.concat(parts);
}

/**
 * The console's rendering (kernel/printk/printk.c, info_print_prefix and record_print_text): every line of
 * a record gets `[seconds.micros] `, or `[seconds.micros][  T123] ` with caller ids; the text is UTF-8.
 */
export function renderConsoleLog(records: readonly LogRecord[], options: { callerIds?: boolean } = {}): string {
  const lines: string[] = [];
  for (const record of records) {
    const caller = options.callerIds && record.callerId !== undefined ? `[${renderCallerId(record.callerId).padStart(6, ' ')}]` : '';
    const prefix = `${renderTimestamp(record.tsNsec)}${caller} `;
    for (const line of Buffer.from(record.text).toString('utf8').split('\n')) lines.push(prefix + line);
  }
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}
