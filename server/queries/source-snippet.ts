// A few source lines around a line, numbered, the line itself marked: the heart of a frame's hover.
import type { SourceFiles } from '../workspace/source-files.js';

export function renderSnippet(sources: SourceFiles, file: string, line: number, context = 3): string | undefined {
  const lines = sources.lines(file);
  if (!lines || line < 1 || line > lines.length) return undefined;
  const first = Math.max(1, line - context);
  const last = Math.min(lines.length, line + context);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    out.push(`${String(n).padStart(width)}${n === line ? ' > ' : '   '}${lines[n - 1]!.replace(/\t/g, '        ')}`);
  }
  return out.join('\n');
}
