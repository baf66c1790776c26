// The faulting instruction of a report, decoded from its `Code:` bytes by debuginfo/ (as the kernel's
// scripts/decodecode does), for `explain`: what the CPU was executing when it faulted.
import { decodeCode } from '../debuginfo/index.js';
import type { Fact } from './explain-report.js';
import type { CrashReport } from './model.js';

const archOf = (report: CrashReport): 'x86_64' | 'arm64' | undefined =>
  report.arch === 'x86_64' ? 'x86_64' : report.arch === 'arm64' ? 'arm64' : undefined;

export async function explainFaultingInstruction(report: CrashReport): Promise<Fact | undefined> {
  const code = report.code;
  if (!code?.bytes || code.markerOffset === undefined || !code.unitSize) return undefined;
  const arch = archOf(report) ?? (code.unitSize === 1 ? 'x86_64' : code.unitSize === 4 ? 'arm64' : undefined);
  if (!arch) return undefined;
  const pc = report.registers.RIP ?? report.stacks.flatMap((s) => s.frames).find((f) => f.isFault)?.address;
  const decoded = await decodeCode({ bytes: code.bytes, unitSize: code.unitSize, markerOffset: code.markerOffset }, { arch, pc });
  const insn = decoded.fromMarker?.[0];
  if (!insn || insn.invalid) return undefined;
  const bytes = [...insn.bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return { label: 'faulting instruction (Code:)', raw: bytes, text: `${insn.mnemonic}${insn.operands ? ' ' + insn.operands : ''}` };
}
