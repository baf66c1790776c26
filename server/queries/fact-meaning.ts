// The decoded meaning of a fact of a report (crash/'s decoders), as hover paragraphs and one-line
// diagnostic messages. Everything comes from the parsed report: the trap an Oops names and the kernel's CS
// are crash/'s reading (`header.trap`, `header.cs`), never the server's.
import {
  type CrashReport,
  decodeCs,
  decodeEsr,
  decodeOopsCode,
  decodePageFaultCode,
  decodeTaint,
  describeFaultAddress,
} from '../../crash/index.js';
import type { FactKind } from '../reports/report-analysis.js';

interface Meaning {
  /** Short label: `Oops 0002`, `#PF error code 0x0002`, `CS 0010`. */
  label: string;
  text: string;
  parts: string[];
}

/** `_printed` (the fact's text) is accepted for the callers' convenience and not read. */
export function factMeaning(report: CrashReport, kind: FactKind, _printed?: string): Meaning | undefined {
  switch (kind) {
    case 'oops': {
      if (report.oopsCode === undefined) return undefined;
      const trap = report.header.trap === 'oops' ? undefined : report.header.trap;
      const d = decodeOopsCode(report.oopsCode, trap);
      return { label: `${trap ?? 'Oops'} ${d.raw}`, text: d.text, parts: d.parts };
    }
    case 'page-fault': {
      if (report.pageFaultCode === undefined) return undefined;
      const d = decodePageFaultCode(report.pageFaultCode);
      const address = report.faultAddress !== undefined ? describeFaultAddress(report.faultAddress) : undefined;
      return { label: `#PF error code ${d.raw}`, text: address ? `${d.text}; address ${address.raw}: ${address.text}` : d.text, parts: d.parts };
    }
    case 'cs': {
      const cs = report.header.cs;
      if (!cs) return undefined;
      const d = decodeCs(cs);
      return { label: `CS ${cs}`, text: d.text, parts: d.parts };
    }
    case 'taint': {
      const d = decodeTaint(report.taint ?? '');
      return { label: `taint ${d.raw}`, text: d.text, parts: d.parts };
    }
    case 'esr': {
      if (report.esr === undefined) return undefined;
      const d = decodeEsr(report.esr);
      return { label: `ESR ${d.raw}`, text: d.text, parts: d.parts };
    }
    case 'headline': {
      const guilty = report.guilty ? report.stacks[report.guilty.stack]?.frames[report.guilty.frame] : undefined;
      const text = [
        `${report.title} (${report.kind})`,
        guilty?.symbol ? `guilty frame: ${guilty.symbol} (${report.guilty!.reason})` : undefined,
        report.faultAddress !== undefined ? `fault address ${describeFaultAddress(report.faultAddress).text}` : undefined,
      ].filter(Boolean).join('; ');
      return { label: 'report', text, parts: [] };
    }
  }
}

/** Hover paragraphs for a fact: the label with the raw value, the meaning, the named bits. */
export function describeFact(report: CrashReport, kind: FactKind, _printed?: string): string[] {
  const meaning = factMeaning(report, kind);
  if (!meaning) return [];
  const out = [`**${meaning.label}**`, meaning.text];
  if (meaning.parts.length > 0) out.push(`set: \`${meaning.parts.join(' | ')}\``);
  return out;
}
