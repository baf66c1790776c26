// The structured kernel log of 3.5-5.9 (kernel/printk/printk.c before the lockless ring): `log_buf` points
// at a byte ring of variable-length `struct printk_log` records (3.5-3.10: `struct log`), each a header
// followed by its text; `log_first_idx` is the oldest record, `log_next_idx` where the next one would go,
// and a record whose `len` is 0 marks the end of the used part: the walk continues at the ring's start.
// The text follows the header directly (the dictionary after it is not read).
import { VmcoreError } from './errors.js';
import type { KernelMemory } from './kernel-memory.js';
import { type KernelLog, type LogRecord, requiredLayout } from './log-record.js';
import { readWithHoles } from './memory-with-holes.js';

export function readLogBuf(mem: KernelMemory): KernelLog {
  const { dump, info } = mem;
  const layout = requiredLayout(dump, info);
  // The struct was renamed from `log` to `printk_log` in 3.11.
  const struct = info.size('printk_log') !== undefined ? 'printk_log' : 'log';
  const headerSize = layout.size(struct);
  const lenAt = layout.offset(`${struct}.len`);
  const textLenAt = layout.offset(`${struct}.text_len`);
  const tsAt = layout.offset(`${struct}.ts_nsec`);
  const callerAt = info.offset(`${struct}.caller_id`);
  // struct printk_log { u64 ts_nsec; u16 len; u16 text_len; u16 dict_len; u8 facility; u8 flags:5, level:3; }
  const facilityAt = textLenAt + 4;
  const levelAt = textLenAt + 5;
  const inHeader = (at: number, bytes: number) => at >= 0 && at + bytes <= headerSize;
  if (!inHeader(tsAt, 8) || !inHeader(lenAt, 2) || !inHeader(textLenAt, 6) || (callerAt !== undefined && !inHeader(callerAt, 4))) {
    throw new VmcoreError(dump.file, 'bad-header', `VMCOREINFO's ${struct} offsets lie outside its size (${headerSize})`);
  }

  const bufAddress = mem.u64(layout.symbol('log_buf'));
  const bufLen = mem.u32(layout.symbol('log_buf_len'));
  const first = mem.u32(layout.symbol('log_first_idx'));
  const next = mem.u32(layout.symbol('log_next_idx'));
  if (bufLen === 0 || bufLen > 2 ** 31 || first >= bufLen || next >= bufLen) {
    throw new VmcoreError(dump.file, 'bad-header', `implausible log_buf (length ${bufLen}, first ${first}, next ${next})`, bufAddress);
  }
  const memory = readWithHoles(mem, bufAddress, bufLen);
  const buf = memory.bytes;
  const bytes = new DataView(buf.buffer, buf.byteOffset, buf.length);
  const fits = (at: number) => at + headerSize <= bufLen;
  const lenOf = (at: number) => (fits(at) ? bytes.getUint16(at + lenAt, true) : 0);

  const records: LogRecord[] = [];
  const warnings: string[] = [];
  // Every record is at least a header long, so more steps than this mean the chain has a cycle.
  const maxSteps = Math.ceil(bufLen / headerSize) + 1;
  const headerHole = (at: number) => {
    const hole = memory.hole(at, at + headerSize);
    if (hole !== undefined) warnings.push(`the log_buf record at index ${at} is not in the dump, nor the records after it: ${hole.message}`);
    return hole !== undefined;
  };
  let at = first;
  for (let steps = 0; at !== next; steps++) {
    if (steps >= maxSteps) {
      warnings.push(`the log_buf records do not lead from log_first_idx ${first} to log_next_idx ${next}: stopped`);
      break;
    }
    if (headerHole(at)) break;
    let len = lenOf(at);
    if (len === 0) {
      at = 0; // the end-of-buffer marker: this record is the one at the start
      if (headerHole(at)) break;
      len = lenOf(0);
    }
    if (!fits(at) || len < headerSize || at + len > bufLen) {
      warnings.push(`a broken log_buf record at index ${at} (length ${len}): stopped`);
      break;
    }
    const textLen = bytes.getUint16(at + textLenAt, true);
    const textStart = at + headerSize;
    const textEnd = Math.min(bufLen, textStart + textLen);
    const textHole = memory.hole(textStart, textEnd);
    if (textHole !== undefined) {
      warnings.push(`the text of the log_buf record at index ${at} is not in the dump: ${textHole.message}`);
    } else {
      records.push({
        seq: undefined,
        tsNsec: bytes.getBigUint64(at + tsAt, true),
        callerId: callerAt === undefined ? undefined : bytes.getUint32(at + callerAt, true),
        level: bytes.getUint8(at + levelAt) >> 5,
        facility: bytes.getUint8(at + facilityAt),
        text: buf.slice(textStart, textEnd),
      });
    }
    at += len;
  }
  return { source: 'log_buf', records, warnings };
}
