// Reading and skipping attribute values of every DWARF 2–5 form (DWARF 5 §7.5.6), plus the GNU
// extension forms GCC emits with -gsplit-dwarf or dwz. Values that need another section (strx, addrx,
// rnglistx) come back as indices for the unit to resolve.
import type { ByteReader } from '../byte-reader.js';
import * as F from './dwarf-constants.js';

export interface UnitFormat {
  version: number;
  addressSize: number;
  offsetSize: 4 | 8;
}

export type AttributeValue =
  | { kind: 'constant'; value: number | bigint }
  | { kind: 'address'; value: bigint }
  | { kind: 'address-index'; index: number }
  | { kind: 'string'; value: string }
  | { kind: 'strp'; offset: number }
  | { kind: 'line-strp'; offset: number }
  | { kind: 'string-index'; index: number }
  | { kind: 'reference'; offset: number }
  | { kind: 'section-offset'; offset: number }
  | { kind: 'rnglist-index'; index: number }
  | { kind: 'loclist-index'; index: number }
  | { kind: 'block'; bytes: Uint8Array }
  | { kind: 'flag'; value: boolean }
  | { kind: 'signature'; value: bigint }
  | { kind: 'unsupported'; form: number };

const maxIndirection = 4;

/**
 * Reads one value. References come back as section offsets (unit-relative forms are rebased on
 * `unitOffset`).
 */
export function readAttributeValue(r: ByteReader, form: number, fmt: UnitFormat, unitOffset: number, implicit = 0, depth = 0): AttributeValue {
  switch (form) {
    case F.DW_FORM_addr:
      return { kind: 'address', value: r.address(fmt.addressSize) };
    case F.DW_FORM_data1:
      return { kind: 'constant', value: r.u8() };
    case F.DW_FORM_data2:
      return { kind: 'constant', value: r.u16() };
    case F.DW_FORM_data4:
      return { kind: 'constant', value: r.u32() };
    case F.DW_FORM_data8:
      return { kind: 'constant', value: r.u64() };
    case F.DW_FORM_sdata:
      return { kind: 'constant', value: r.sleb() };
    case F.DW_FORM_udata:
      return { kind: 'constant', value: r.uleb() };
    case F.DW_FORM_implicit_const:
      return { kind: 'constant', value: implicit };
    case F.DW_FORM_data16:
      return { kind: 'block', bytes: r.take(16) };
    case F.DW_FORM_string:
      return { kind: 'string', value: r.cstring() };
    case F.DW_FORM_strp:
      return { kind: 'strp', offset: r.offset(fmt.offsetSize) };
    case F.DW_FORM_line_strp:
      return { kind: 'line-strp', offset: r.offset(fmt.offsetSize) };
    case F.DW_FORM_strx:
    case F.DW_FORM_GNU_str_index:
      return { kind: 'string-index', index: r.uleb() };
    case F.DW_FORM_strx1:
      return { kind: 'string-index', index: r.u8() };
    case F.DW_FORM_strx2:
      return { kind: 'string-index', index: r.u16() };
    case F.DW_FORM_strx3:
      return { kind: 'string-index', index: r.u16() | (r.u8() << 16) };
    case F.DW_FORM_strx4:
      return { kind: 'string-index', index: r.u32() };
    case F.DW_FORM_addrx:
    case F.DW_FORM_GNU_addr_index:
      return { kind: 'address-index', index: r.uleb() };
    case F.DW_FORM_addrx1:
      return { kind: 'address-index', index: r.u8() };
    case F.DW_FORM_addrx2:
      return { kind: 'address-index', index: r.u16() };
    case F.DW_FORM_addrx3:
      return { kind: 'address-index', index: r.u16() | (r.u8() << 16) };
    case F.DW_FORM_addrx4:
      return { kind: 'address-index', index: r.u32() };
    case F.DW_FORM_ref1:
      return { kind: 'reference', offset: unitOffset + r.u8() };
    case F.DW_FORM_ref2:
      return { kind: 'reference', offset: unitOffset + r.u16() };
    case F.DW_FORM_ref4:
      return { kind: 'reference', offset: unitOffset + r.u32() };
    case F.DW_FORM_ref8:
      return { kind: 'reference', offset: unitOffset + r.u64Number() };
    case F.DW_FORM_ref_udata:
      return { kind: 'reference', offset: unitOffset + r.uleb() };
    case F.DW_FORM_ref_addr:
      return { kind: 'reference', offset: fmt.version <= 2 ? Number(r.address(fmt.addressSize)) : r.offset(fmt.offsetSize) };
    case F.DW_FORM_sec_offset:
      return { kind: 'section-offset', offset: r.offset(fmt.offsetSize) };
    case F.DW_FORM_rnglistx:
      return { kind: 'rnglist-index', index: r.uleb() };
    case F.DW_FORM_loclistx:
      return { kind: 'loclist-index', index: r.uleb() };
    case F.DW_FORM_block1:
      return { kind: 'block', bytes: r.take(r.u8()) };
    case F.DW_FORM_block2:
      return { kind: 'block', bytes: r.take(r.u16()) };
    case F.DW_FORM_block4:
      return { kind: 'block', bytes: r.take(r.u32()) };
    case F.DW_FORM_block:
    case F.DW_FORM_exprloc:
      return { kind: 'block', bytes: r.take(r.uleb()) };
    case F.DW_FORM_flag:
      return { kind: 'flag', value: r.u8() !== 0 };
    case F.DW_FORM_flag_present:
      return { kind: 'flag', value: true };
    case F.DW_FORM_ref_sig8:
      return { kind: 'signature', value: r.u64() };
    case F.DW_FORM_ref_sup4:
      r.u32();
      return { kind: 'unsupported', form };
    case F.DW_FORM_ref_sup8:
      r.u64();
      return { kind: 'unsupported', form };
    case F.DW_FORM_strp_sup:
    case F.DW_FORM_GNU_ref_alt:
    case F.DW_FORM_GNU_strp_alt:
      r.offset(fmt.offsetSize);
      return { kind: 'unsupported', form };
    case F.DW_FORM_indirect: {
      const actual = r.uleb();
      if (depth >= maxIndirection || actual === F.DW_FORM_implicit_const) r.fail('bad-indirect-form', `DW_FORM_indirect to form 0x${actual.toString(16)}`);
      return readAttributeValue(r, actual, fmt, unitOffset, 0, depth + 1);
    }
    default:
      return r.fail('unknown-form', `unknown attribute form 0x${form.toString(16)}`);
  }
}

/** Advances past one value without decoding it (the hot path of a DIE walk). */
export function skipAttributeValue(r: ByteReader, form: number, fmt: UnitFormat, depth = 0): void {
  switch (form) {
    case F.DW_FORM_flag_present:
    case F.DW_FORM_implicit_const:
      return;
    case F.DW_FORM_data1:
    case F.DW_FORM_ref1:
    case F.DW_FORM_flag:
    case F.DW_FORM_strx1:
    case F.DW_FORM_addrx1:
      r.skip(1);
      return;
    case F.DW_FORM_data2:
    case F.DW_FORM_ref2:
    case F.DW_FORM_strx2:
    case F.DW_FORM_addrx2:
      r.skip(2);
      return;
    case F.DW_FORM_strx3:
    case F.DW_FORM_addrx3:
      r.skip(3);
      return;
    case F.DW_FORM_data4:
    case F.DW_FORM_ref4:
    case F.DW_FORM_ref_sup4:
    case F.DW_FORM_strx4:
    case F.DW_FORM_addrx4:
      r.skip(4);
      return;
    case F.DW_FORM_data8:
    case F.DW_FORM_ref8:
    case F.DW_FORM_ref_sig8:
    case F.DW_FORM_ref_sup8:
      r.skip(8);
      return;
    case F.DW_FORM_data16:
      r.skip(16);
      return;
    case F.DW_FORM_addr:
      r.skip(fmt.addressSize);
      return;
    case F.DW_FORM_strp:
    case F.DW_FORM_line_strp:
    case F.DW_FORM_sec_offset:
    case F.DW_FORM_strp_sup:
    case F.DW_FORM_GNU_ref_alt:
    case F.DW_FORM_GNU_strp_alt:
      r.skip(fmt.offsetSize);
      return;
    case F.DW_FORM_ref_addr:
      r.skip(fmt.version <= 2 ? fmt.addressSize : fmt.offsetSize);
      return;
    case F.DW_FORM_sdata:
    case F.DW_FORM_udata:
    case F.DW_FORM_ref_udata:
    case F.DW_FORM_strx:
    case F.DW_FORM_addrx:
    case F.DW_FORM_loclistx:
    case F.DW_FORM_rnglistx:
    case F.DW_FORM_GNU_addr_index:
    case F.DW_FORM_GNU_str_index:
      r.uleb();
      return;
    case F.DW_FORM_string:
      r.skipCstring();
      return;
    case F.DW_FORM_block1:
      r.skip(r.u8());
      return;
    case F.DW_FORM_block2:
      r.skip(r.u16());
      return;
    case F.DW_FORM_block4:
      r.skip(r.u32());
      return;
    case F.DW_FORM_block:
    case F.DW_FORM_exprloc:
      r.skip(r.uleb());
      return;
    case F.DW_FORM_indirect: {
      const actual = r.uleb();
      if (depth >= maxIndirection || actual === F.DW_FORM_implicit_const) r.fail('bad-indirect-form', `DW_FORM_indirect to form 0x${actual.toString(16)}`);
      skipAttributeValue(r, actual, fmt, depth + 1);
      return;
    }
    default:
      r.fail('unknown-form', `unknown attribute form 0x${form.toString(16)}`);
  }
}
