// The lockless printk ring buffer of kernels 5.10+ (kernel/printk/printk_ringbuffer.h), read through the
// offsets VMCOREINFO exports for it. `prb` points at a printk_ringbuffer: a descriptor ring (a state word
// and a text block position per record, plus a parallel printk_info array with seq, timestamp, length,
// caller) and a text data ring whose blocks start with the owning descriptor's id. Records are the ids from
// tail_id to head_id whose descriptor still holds that id in the committed or finalized state; a block
// whose end lies in the next wrap was written at the ring's start.
//
// The whole descriptor, info and data arrays are read at once (a few hundred KB for the default 128 KB
// log) rather than record by record: one page-table walk per page instead of three per record. A page
// of them the dump lacks costs the records on it, with a warning, not the log. Choices
// that decide the output follow makedumpfile's reader (printk.c), whose `--dump-dmesg` output this must
// equal: data-less records are skipped and a text longer than its block is cut to the block.
import { VmcoreError } from './errors.js';
import type { KernelMemory } from './kernel-memory.js';
import { type KernelLog, type LogRecord, requiredLayout } from './log-record.js';
import { readWithHoles } from './memory-with-holes.js';

/** A descriptor's state sits in the top two bits of its state word, its id in the rest (64-bit longs). */
const stateShift = 62n;
const idMask = (1n << stateShift) - 1n;
const stateCommitted = 1n;
const stateFinalized = 2n;
const stateReserved = 0n;
/** Each data block starts with the id of its descriptor (an unsigned long). */
const blockIdBytes = 8n;
/** Larger rings than 2^26 descriptors or 2^31 bytes of text are taken for corrupt VMCOREINFO or memory. */
const maxCountBits = 26;
const maxSizeBits = 31;

export function readPrintkRingbuffer(mem: KernelMemory): KernelLog {
  const { dump, info } = mem;
  const layout = requiredLayout(dump, info);
  const counter = layout.offset('atomic_long_t.counter');
  const prb = mem.u64(layout.symbol('prb'));
  const descRing = prb + BigInt(layout.offset('printk_ringbuffer.desc_ring'));
  const dataRing = prb + BigInt(layout.offset('printk_ringbuffer.text_data_ring'));

  const countBits = mem.u32(descRing + BigInt(layout.offset('prb_desc_ring.count_bits')));
  const sizeBits = mem.u32(dataRing + BigInt(layout.offset('prb_data_ring.size_bits')));
  if (countBits > maxCountBits || sizeBits > maxSizeBits) {
    throw new VmcoreError(dump.file, 'bad-header', `implausible printk ring sizes (count_bits ${countBits}, size_bits ${sizeBits})`, prb);
  }
  const count = 1n << BigInt(countBits);
  const size = 1n << BigInt(sizeBits);

  const descSize = layout.size('prb_desc');
  const infoSize = layout.size('printk_info');

  const stateAt = layout.offset('prb_desc.state_var') + counter;
  const lpos = layout.offset('prb_desc.text_blk_lpos');
  const beginAt = lpos + layout.offset('prb_data_blk_lpos.begin');
  const nextAt = lpos + layout.offset('prb_data_blk_lpos.next');
  const seqAt = layout.offset('printk_info.seq');
  const tsAt = layout.offset('printk_info.ts_nsec');
  const textLenAt = layout.offset('printk_info.text_len');
  const callerAt = info.offset('printk_info.caller_id');
  // struct printk_info { u64 seq; u64 ts_nsec; u16 text_len; u8 facility; u8 flags:5, level:3; ... }:
  // bitfields have no OFFSET() in VMCOREINFO, so facility and level are found from text_len.
  const facilityAt = textLenAt + 2;
  const levelAt = textLenAt + 3;
  const fits = (at: number, bytes: number, size: number) => at >= 0 && at + bytes <= size;
  const descFields = [stateAt, beginAt, nextAt].every((at) => fits(at, 8, descSize));
  const infoFields = fits(seqAt, 8, infoSize) && fits(tsAt, 8, infoSize) && fits(textLenAt, 4, infoSize) && (callerAt === undefined || fits(callerAt, 4, infoSize));
  if (!descFields || !infoFields) {
    throw new VmcoreError(dump.file, 'bad-header', `VMCOREINFO's printk_info/prb_desc offsets lie outside their sizes (${infoSize}, ${descSize})`);
  }

  const descMemory = readWithHoles(mem, mem.u64(descRing + BigInt(layout.offset('prb_desc_ring.descs'))), Number(count) * descSize);
  const infoMemory = readWithHoles(mem, mem.u64(descRing + BigInt(layout.offset('prb_desc_ring.infos'))), Number(count) * infoSize);
  const dataMemory = readWithHoles(mem, mem.u64(dataRing + BigInt(layout.offset('prb_data_ring.data'))), Number(size));
  const descs = view(descMemory.bytes);
  const infos = view(infoMemory.bytes);
  const data = dataMemory.bytes;
  // Ids never use the state bits; masking them keeps a corrupt head reachable from the tail.
  const headId = mem.u64(descRing + BigInt(layout.offset('prb_desc_ring.head_id')) + BigInt(counter)) & idMask;
  let tailId = mem.u64(descRing + BigInt(layout.offset('prb_desc_ring.tail_id')) + BigInt(counter)) & idMask;

  const warnings: string[] = [];
  if (((headId - tailId) & idMask) >= count) {
    warnings.push(`tail_id ${tailId} is more than a ring (${count}) behind head_id ${headId}: reading the last ${count} ids`);
    tailId = (headId - count + 1n) & idMask;
  }
  const records: LogRecord[] = [];
  /** The record of `id`, undefined when its slot holds another id (overwritten), another state, or no text. */
  const recordOf = (id: bigint): LogRecord | undefined => {
    const slot = Number(id % count);
    const desc = slot * descSize;
    const at = slot * infoSize;
    const descHole = descMemory.hole(desc, desc + descSize) ?? infoMemory.hole(at, at + infoSize);
    if (descHole !== undefined) return lost(id, descHole);
    const stateVar = descs.getBigUint64(desc + stateAt, true);
    const state = stateVar >> stateShift;
    if ((stateVar & idMask) !== id) return undefined;
    if (state === stateReserved) warnings.push(`record id ${id} was being written at the crash (reserved): left out`);
    if (state !== stateCommitted && state !== stateFinalized) return undefined;
    let begin = descs.getBigUint64(desc + beginAt, true) % size;
    const next = descs.getBigUint64(desc + nextAt, true) % size;
    if (begin === next) return undefined;
    if (begin > next) begin = 0n;
    begin += blockIdBytes;
    let textLen = BigInt(infos.getUint16(at + textLenAt, true));
    if (next >= begin && next - begin < textLen) textLen = next - begin;
    const start = Number(begin);
    const end = Math.min(data.length, start + Number(textLen));
    const textHole = dataMemory.hole(start, end);
    if (textHole !== undefined) return lost(id, textHole);
    return {
      seq: infos.getBigUint64(at + seqAt, true),
      tsNsec: infos.getBigUint64(at + tsAt, true),
      callerId: callerAt === undefined ? undefined : infos.getUint32(at + callerAt, true),
      level: infos.getUint8(at + levelAt) >> 5,
      facility: infos.getUint8(at + facilityAt),
      text: data.slice(start, end),
    };
  };
  let lostCount = 0;
  let firstLost: string | undefined;
  const lost = (id: bigint, error: VmcoreError): undefined => {
    lostCount++;
    firstLost ??= `record id ${id}: ${error.message}`;
    return undefined;
  };
  for (let id = tailId; ; id = (id + 1n) & idMask) {
    const record = recordOf(id);
    if (record !== undefined) records.push(record);
    if (id === headId) break;
  }
  if (lostCount > 0) warnings.push(`${lostCount} records left out: their memory is not in the dump (first: ${firstLost})`);
  return { source: 'printk_ringbuffer', records, warnings };
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
}
