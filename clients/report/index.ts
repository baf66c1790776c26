// The annotated crash report: a view model built from the crash pipeline's resolved report, rendered as one
// self-contained HTML file, Markdown for an issue tracker, or 80-column text for a mailing list.
export { CHighlighter, type HighlightToken, type HighlightedLine } from './highlight-c.js';
export { instructionRegisters } from './instruction-registers.js';
export { makeLinker, upstreamVersion, type LinkTarget } from './link-template.js';
export { startProgress, type Progress } from './progress.js';
export { renderHtml } from './render-html.js';
export { renderMarkdown } from './render-markdown.js';
export { renderText } from './render-text.js';
export type * from './report-view.js';
export { SourceFiles, readSourceExcerpt, type ExcerptOptions } from './source-excerpt.js';
export { buildReportView, type ViewOptions } from './build-report-view.js';
export { generateReport, resolveReports, type GenerateOptions, type GenerateResult, type ResolveResult } from './generate-report.js';
export { renderReport, reportFormats, type ReportFormat } from './render-report.js';
export type * from './report-input.js';
