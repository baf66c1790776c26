// Source lines around a line of interest, read from disk once per file and highlighted.
import { readFileSync } from 'node:fs';
import type { CHighlighter } from './highlight-c.js';
import type { SourceExcerpt } from './report-view.js';

/** Reads files once per report; a missing or unreadable file is remembered as such. */
export class SourceFiles {
  private readonly cache = new Map<string, string | undefined>();

  read(absPath: string): string | undefined {
    if (!this.cache.has(absPath)) {
      let text: string | undefined;
      try {
        text = readFileSync(absPath, 'utf8');
      } catch {
        text = undefined;
      }
      this.cache.set(absPath, text);
    }
    return this.cache.get(absPath);
  }
}

export interface ExcerptOptions {
  files: SourceFiles;
  highlighter: CHighlighter;
  /** Lines shown before and after the focus line. */
  context: number;
}

export function readSourceExcerpt(absPath: string, displayFile: string, line: number, options: ExcerptOptions): SourceExcerpt | undefined {
  const text = options.files.read(absPath);
  if (text === undefined) return undefined;
  const total = text.split('\n').length;
  if (line < 1 || line > total) return undefined;
  const first = Math.max(1, line - options.context);
  const last = Math.min(total, line + options.context);
  return { file: displayFile, firstLine: first, focusLine: line, lines: options.highlighter.highlightLines(text, first, last) };
}
