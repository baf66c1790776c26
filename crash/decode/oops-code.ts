// The number in `Oops: NNNN [#k]` / `<trap>: NNNN [#k]` is the error code die() was handed: page-fault bits
// only for page faults; for other traps it means what that trap's hardware error code means.
import { type DecodedValue, decodePageFaultCode } from './page-fault-code.js';

export function decodeOopsCode(code: number, trap: string | undefined): DecodedValue {
  const raw = code.toString(16).padStart(4, '0');
  switch (trap ?? 'oops') {
    case 'oops':
      return { ...decodePageFaultCode(code), raw };
    case 'general protection fault':
      return {
        raw,
        parts: [],
        text: code === 0
          ? 'general protection fault with no selector (non-canonical address, or a privileged instruction)'
          : `general protection fault on segment selector 0x${code.toString(16)}`,
      };
    case 'invalid opcode':
      return { raw, parts: [], text: 'invalid opcode (ud2): how BUG() and WARN() trap; the code is always 0' };
    case 'divide error':
      return { raw, parts: [], text: 'division by zero or quotient overflow (the code is always 0)' };
    case 'stack segment':
      return { raw, parts: [], text: 'stack-segment fault (usually a non-canonical stack address)' };
    case 'double fault':
      return { raw, parts: [], text: 'a fault while handling a fault (often a kernel stack overflow)' };
    default:
      return { raw, parts: [], text: `${trap} trap, error code ${raw}` };
  }
}

/** CS selector: its two low bits are the privilege level the CPU was running at. */
export function decodeCs(cs: string): DecodedValue {
  const cpl = Number.parseInt(cs, 16) & 3;
  return { raw: cs, parts: [`CPL${cpl}`], text: cpl === 0 ? 'kernel mode (CPL 0)' : cpl === 3 ? 'user mode (CPL 3)' : `privilege level ${cpl}` };
}

/** Addresses in the first page are NULL plus a small struct offset. */
export function describeFaultAddress(address: bigint): DecodedValue {
  const raw = '0x' + address.toString(16);
  if (address < 4096n) return { raw, parts: ['NULL'], text: `NULL pointer dereference (NULL + 0x${address.toString(16)}: a field of a NULL struct pointer)` };
  if (address >= 0xdead000000000000n && address < 0xdead000000001000n) return { raw, parts: ['POISON'], text: 'list/pointer poison value: use after list_del() or free' };
  if ((address >> 47n) !== 0n && (address >> 47n) !== 0x1ffffn) return { raw, parts: ['NON-CANONICAL'], text: 'non-canonical address: a corrupted or poisoned pointer' };
  if (address >= 0xffff800000000000n) return { raw, parts: ['KERNEL'], text: 'kernel address' };
  return { raw, parts: ['USER'], text: 'user-space address touched from the kernel' };
}
