// Plain-language facts about a report: what kind of crash, where, the decoded numbers beside their raw
// values, the guilty frame and what to look at first.
import { decodeEsr } from './decode/arm64-esr.js';
import { decodeCs, decodeOopsCode, describeFaultAddress } from './decode/oops-code.js';
import { decodePageFaultCode } from './decode/page-fault-code.js';
import { decodeModuleFlags, decodeTaint } from './decode/taint.js';
import { frameFile } from './guilty-frame.js';
import type { CrashFrame, CrashReport } from './model.js';

export interface Fact {
  label: string;
  raw?: string;
  text: string;
}

export function renderFrameRef(frame: CrashFrame): string {
  const off = frame.offset === undefined ? '' : `+0x${frame.offset.toString(16)}`;
  const size = frame.size === undefined ? '' : `/0x${frame.size.toString(16)}`;
  const mod = frame.module ? ` [${frame.module}]` : '';
  const name = frame.symbol ? `${frame.symbol}${off}${size}` : `0x${frame.address?.toString(16) ?? '?'}`;
  const file = frameFile(frame);
  return `${name}${mod}${file ? ` (${file}:${frame.sources![0].line})` : ''}`;
}

export function explainReport(report: CrashReport): Fact[] {
  const facts: Fact[] = [{ label: 'title', text: report.title }, { label: 'kind', text: report.kind }];
  if (report.comm !== undefined || report.pid !== undefined) {
    facts.push({ label: 'task', text: `${report.comm ?? '?'} (PID ${report.pid ?? '?'})${report.cpu === undefined ? '' : ` on CPU ${report.cpu}`}` });
  }
  if (report.release) facts.push({ label: 'kernel', text: report.release + (report.arch ? ` (${report.arch})` : '') });
  if (report.hardware) facts.push({ label: 'hardware', text: report.hardware });
  if (report.taint !== undefined) facts.push({ label: 'taint', raw: report.taint || 'Not tainted', text: decodeTaint(report.taint).text });
  if (report.oopsCode !== undefined) {
    const d = decodeOopsCode(report.oopsCode, report.header.trap);
    facts.push({ label: 'oops code', raw: d.raw, text: `${d.text}${report.oopsCount ? `; oops #${report.oopsCount} since boot` : ''}` });
  }
  if (report.pageFaultCode !== undefined) {
    const d = decodePageFaultCode(report.pageFaultCode);
    facts.push({ label: 'page-fault error code', raw: d.raw, text: d.text });
  }
  if (report.esr !== undefined) {
    const d = decodeEsr(report.esr);
    facts.push({ label: 'ESR', raw: d.raw, text: d.text });
  }
  if (report.faultAddress !== undefined) {
    const d = describeFaultAddress(report.faultAddress);
    facts.push({ label: 'fault address', raw: d.raw, text: d.text });
  }
  if (report.header.cs) {
    const d = decodeCs(report.header.cs);
    facts.push({ label: 'CS', raw: d.raw, text: d.text });
  }
  if (report.bugAt) facts.push({ label: 'assertion', text: `${report.bugAt.file}:${report.bugAt.line}` });
  const tainting = report.modules?.filter((m) => m.flags) ?? [];
  if (tainting.length) facts.push({ label: 'modules', text: tainting.map((m) => `${m.name}(${m.flags}): ${decodeModuleFlags(m.flags)}`).join('; ') });
  if (report.kaslrOffset !== undefined) facts.push({ label: 'KASLR offset', raw: '0x' + report.kaslrOffset.toString(16), text: report.kaslrOffset === 0n ? 'KASLR disabled: runtime addresses equal vmlinux addresses' : 'subtract it from runtime addresses to look them up in vmlinux' });
  if (report.code?.unavailableAt !== undefined) facts.push({ label: 'code', text: `the kernel could not read the code bytes at 0x${report.code.unavailableAt.toString(16)} (unmapped or freed code, e.g. a module's init section or a jump to a bad address)` });
  if (report.tasks?.length) {
    const active = report.tasks.filter((t) => t.active).map((t) => `${t.comm} (PID ${t.pid}) on CPU ${t.cpu}`);
    facts.push({ label: 'tasks', text: `${report.tasks.length} in the ps list${active.length ? `; running when the dump was taken: ${active.join(', ')}` : ''}` });
  }
  for (const listing of report.disassembly ?? []) {
    const marked = listing.instructions.find((i) => i.isFault);
    const at = marked ? `; the faulting instruction is ${listing.function}+${marked.offset}: ${marked.text}${marked.source ? ` (${marked.source.file}:${marked.source.line})` : ''}` : '';
    facts.push({ label: 'disassembly', text: `${listing.function}: ${listing.instructions.length} instructions${at}` });
  }
  const fault = report.stacks.flatMap((s) => s.frames).find((f) => f.isFault && f.symbol);
  if (fault) facts.push({ label: 'faulting function', text: renderFrameRef(fault) });
  const g = report.guilty;
  if (g) {
    const frame = report.stacks[g.stack].frames[g.frame];
    facts.push({ label: 'guilty frame', text: `${renderFrameRef(frame)}: ${g.reason}` });
  }
  facts.push({ label: 'look first at', text: lookFirst(report) });
  return facts;
}

function lookFirst(report: CrashReport): string {
  const g = report.guilty;
  const where = g ? renderFrameRef(report.stacks[g.stack].frames[g.frame]) : 'the first frames of the trace';
  if (report.faultAddress !== undefined && report.faultAddress < 4096n) return `the pointer dereferenced in ${where}: which struct pointer can be NULL there (offset 0x${report.faultAddress.toString(16)} is the field)`;
  if (report.kind === 'kasan' || report.kind === 'kfence') return `the access in ${where}, then the Allocated/Freed stacks for who freed the object`;
  if (report.bugAt) return `the condition asserted at ${report.bugAt.file}:${report.bugAt.line}, reached from ${where}`;
  if (report.kind === 'stall' || report.kind === 'hang') return `the loop or wait in ${where}; an RCU stall or hung task names its victim, not always the culprit`;
  if (report.kind === 'lockdep') return `the lock order in the report's lock chains, starting at ${where}`;
  return where;
}
