// One entry for the three output formats, so commands choose a format by name.
import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-markdown.js';
import { renderText } from './render-text.js';
import type { ReportView } from './report-view.js';

export const reportFormats = ['html', 'md', 'text'] as const;
export type ReportFormat = (typeof reportFormats)[number];

export function renderReport(view: ReportView, format: ReportFormat): string {
  return format === 'html' ? renderHtml(view) : format === 'md' ? renderMarkdown(view) : renderText(view);
}
