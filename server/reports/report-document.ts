// A report analysis with the lookups handlers need made cheap: frames by report and by line, the guilty
// frame's site. Frames come in report order, so each report's frames are one range of the array (found in
// one pass); the by-line map is built on the first position lookup. A log with thousands of reports never
// costs reports × frames per request.
import type { FrameSite, ReportAnalysis } from './report-analysis.js';

export class ReportDocument {
  /** `frames` index of each report's first frame; one extra entry closes the last range. */
  private readonly reportStart: number[];
  private byLine: Map<number, FrameSite[]> | undefined;

  constructor(readonly analysis: ReportAnalysis) {
    const { frames, reports } = analysis;
    this.reportStart = new Array<number>(reports.length + 1);
    let at = 0;
    for (let r = 0; r <= reports.length; r++) {
      while (at < frames.length && frames[at]!.report < r) at++;
      this.reportStart[r] = at;
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
    if (report < 0 || report >= this.analysis.reports.length) return [];
    return this.analysis.frames.slice(this.reportStart[report], this.reportStart[report + 1]);
  }

  /** 1-based line. */
  framesOnLine(line: number): FrameSite[] {
    if (!this.byLine) {
      this.byLine = new Map();
      for (const site of this.analysis.frames) {
        const onLine = this.byLine.get(site.span.line);
        if (onLine) onLine.push(site);
        else this.byLine.set(site.span.line, [site]);
      }
    }
    return this.byLine.get(line) ?? [];
  }

  guiltySite(report: number): FrameSite | undefined {
    const guilty = this.analysis.reports[report]?.guilty;
    if (!guilty) return undefined;
    return this.framesOfReport(report).find((s) => s.stack === guilty.stack && s.frame === guilty.frame);
  }
}
