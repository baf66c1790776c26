// A report analysis with the lookups handlers need made cheap: frames by report and by line, the guilty
// frame's site. Built on the main thread from the (possibly worker-made) analysis in one pass, so a log
// with thousands of reports never costs reports × frames per request.
import type { FrameSite, ReportAnalysis } from './report-analysis.js';

export class ReportDocument {
  private readonly byReport: FrameSite[][];
  private readonly byLine = new Map<number, FrameSite[]>();

  constructor(readonly analysis: ReportAnalysis) {
    this.byReport = analysis.reports.map(() => []);
    for (const site of analysis.frames) {
      this.byReport[site.report]!.push(site);
      const onLine = this.byLine.get(site.span.line);
      if (onLine) onLine.push(site);
      else this.byLine.set(site.span.line, [site]);
    }
  }

  get reports(): ReportAnalysis['reports'] {
    return this.analysis.reports;
  }

  get frames(): FrameSite[] {
    return this.analysis.frames;
  }

  get facts(): ReportAnalysis['facts'] {
    return this.analysis.facts;
  }

  get folds(): ReportAnalysis['folds'] {
    return this.analysis.folds;
  }

  framesOfReport(report: number): FrameSite[] {
    return this.byReport[report] ?? [];
  }

  /** 1-based line. */
  framesOnLine(line: number): FrameSite[] {
    return this.byLine.get(line) ?? [];
  }

  guiltySite(report: number): FrameSite | undefined {
    const guilty = this.analysis.reports[report]?.guilty;
    if (!guilty) return undefined;
    return this.framesOfReport(report).find((s) => s.stack === guilty.stack && s.frame === guilty.frame);
  }
}
