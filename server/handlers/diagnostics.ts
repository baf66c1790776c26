// Diagnostics of a crash-report document: the decoded facts and the guilty frame as information, a frame whose
// symbol size differs from the binary's (likely not the kernel that crashed) as a warning, and what is missing
// (index, vmlinux) with how to provide it.
import { type Diagnostic, DiagnosticSeverity } from 'vscode-languageserver';
import { debugPackageOf } from '../../debuginfo/index.js';
import { spanToRange } from '../convert.js';
import { factMeaning } from '../queries/fact-meaning.js';
import { frameOf } from '../queries/report-position.js';
import type { ReportDocument } from '../reports/report-document.js';
import type { Snapshot } from '../snapshot.js';

/** Frames checked against the binary, and reports described, per document; the rest of a huge log is left alone. */
const maxCheckedFrames = 200;
const maxReports = 200;

function info(range: Diagnostic['range'], message: string, severity: DiagnosticSeverity = DiagnosticSeverity.Information): Diagnostic {
  return { range, message, severity, source: 'crashnav' };
}

function missingVmlinux(release: string | undefined, debugRoot: string): string {
  const where = release ? `${debugRoot}/boot/vmlinux-${release}` : `${debugRoot}/boot/vmlinux-<release>`;
  // A distribution's package only for a release it ships; a -next or local build's vmlinux is its builder's.
  const pkg = release === undefined ? undefined : debugPackageOf(release);
  const how = pkg
    ? `install the debug package (${pkg.distribution}: ${pkg.install}; its vmlinux is ${pkg.vmlinux}) or fetch it with debuginfod-find debuginfo <build-id>`
    : 'use the vmlinux of the build that crashed (configured with CONFIG_DEBUG_INFO), or fetch it with debuginfod-find debuginfo <build-id>';
  return `no vmlinux with debug info (looked for ${where}): kernel frames show the function's definition, not the line. Set crashnav.vmlinux, or ${how}`;
}

export async function computeReportDiagnostics(snapshot: Snapshot, analysis: ReportDocument): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  const firstHeadline = analysis.facts.find((f) => f.kind === 'headline');
  if (firstHeadline) {
    const report = analysis.reports[firstHeadline.report]!;
    const missing = [...snapshot.workspace.missing];
    if (!snapshot.workspace.resolver.vmlinuxFor(report)) missing.push(missingVmlinux(report.release, snapshot.settings.debugRoot));
    for (const text of missing) out.push(info(spanToRange(firstHeadline.span), text, DiagnosticSeverity.Warning));
  }
  // What is wrong for a whole report (a binary that is not the one that crashed, an unknown KASLR slide) sits on its header line.
  for (const headline of analysis.facts.filter((f) => f.kind === 'headline' && f.report < maxReports)) {
    const report = analysis.reports[headline.report]!;
    let warnings: { wrongBinary: string[]; other: string[] };
    try {
      warnings = await snapshot.workspace.resolver.reportWarnings(report);
    } catch (err) {
      warnings = { wrongBinary: [], other: [`could not open this report's debug info: ${err instanceof Error ? err.message : String(err)}`] };
    }
    for (const w of warnings.wrongBinary) out.push(info(spanToRange(headline.span), `WRONG BINARY: ${w}`, DiagnosticSeverity.Warning));
    for (const w of warnings.other) out.push(info(spanToRange(headline.span), w, DiagnosticSeverity.Warning));
  }
  for (const fact of analysis.facts) {
    if (fact.report >= maxReports) break;
    const meaning = factMeaning(analysis.reports[fact.report]!, fact.kind, fact.text);
    if (meaning) out.push(info(spanToRange(fact.span), `${meaning.label}: ${meaning.text}`));
  }
  analysis.reports.slice(0, maxReports).forEach((report, r) => {
    const site = analysis.guiltySite(r);
    if (site && report.guilty) out.push(info(spanToRange(site.symbolSpan), `guilty frame: ${report.guilty.reason}`));
  });
  for (const [i, site] of analysis.frames.slice(0, maxCheckedFrames).entries()) {
    // Frames resolve synchronously once their binary is open: let other requests in between batches.
    if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    const hit = frameOf(analysis, site);
    let warnings: string[];
    try {
      warnings = (await snapshot.workspace.resolveFrame(hit.report, hit.frame)).warnings;
    } catch (err) {
      warnings = [`could not resolve this frame: ${err instanceof Error ? err.message : String(err)}`];
    }
    for (const warning of warnings) out.push(info(spanToRange(site.span), warning, DiagnosticSeverity.Warning));
  }
  for (const problem of analysis.analysis.problems.slice(0, maxReports)) {
    if (problem.line < 1) continue;
    out.push(info({ start: { line: problem.line - 1, character: 0 }, end: { line: problem.line - 1, character: 0 } }, problem.message, DiagnosticSeverity.Hint));
  }
  return out;
}
