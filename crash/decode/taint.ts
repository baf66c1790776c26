// Taint letters of Linux 6.x (Documentation/admin-guide/tainted-kernels.rst, kernel/panic.c taint_flags).
import type { DecodedValue } from './page-fault-code.js';

const letters: Record<string, string> = {
  P: 'a proprietary module was loaded',
  F: 'a module was force-loaded',
  S: 'running on an out-of-spec system (SMP on unsupported CPUs, or kernel-lockdown override)',
  R: 'a module was force-unloaded',
  M: 'a machine-check exception happened (hardware error)',
  B: 'a bad page was referenced, or some unexpected page flags seen',
  U: 'tainted on request of a user-space program',
  D: 'the kernel died recently (an earlier OOPS or BUG)',
  A: 'an ACPI table was overridden by the user',
  W: 'a warning was issued earlier',
  C: 'a staging driver was loaded',
  I: 'working around a severe firmware bug',
  O: 'an out-of-tree module was loaded',
  E: 'an unsigned module was loaded',
  L: 'a soft lockup occurred earlier',
  K: 'the kernel was live-patched',
  X: 'an auxiliary taint (distribution-defined)',
  T: 'built with the struct randomization plugin',
  N: 'an in-kernel test (such as KUnit) was run',
  J: 'userspace used a mutating debug operation in fwctl',
};

export function decodeTaint(taint: string): DecodedValue {
  const flags = [...taint.replace(/[\sG]/g, '')];
  if (flags.length === 0) return { raw: taint || 'Not tainted', parts: [], text: 'not tainted' };
  const parts = flags.filter((f) => f in letters);
  const text = flags.map((f) => `${f}: ${letters[f] ?? 'unknown taint letter'}`).join('; ');
  return { raw: taint, parts, text };
}

/** Per-module flags in `Modules linked in:` (`mod(OE+)`): taint letters plus `+` loading, `-` unloading. */
export function decodeModuleFlags(flags: string): string {
  return [...flags]
    .map((f) => (f === '+' ? 'being loaded' : f === '-' ? 'being unloaded' : f === 'O' ? 'out-of-tree' : f === 'E' ? 'unsigned' : f === 'P' ? 'proprietary' : f === 'C' ? 'staging' : (letters[f] ?? f)))
    .join(', ');
}
