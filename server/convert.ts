// Domain ↔ LSP: the only place where 1-based lines and columns become 0-based positions and paths become URIs.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Location, LocationLink, Position, Range } from 'vscode-languageserver';

/** A place in a source file as the domain names it: absolute path, 1-based line, 1-based column. */
export interface SourcePoint {
  file: string;
  line: number;
  column?: number;
}

/** A span on one line of a document, domain-style (1-based line, 1-based columns, end exclusive). */
export interface LineSpan {
  line: number;
  startColumn: number;
  endColumn: number;
}

export function pathToUri(file: string): string {
  return pathToFileURL(file).href;
}

/** The absolute path of a `file:` URI; undefined for other schemes (untitled, crashnav-disasm, ...). */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return path.normalize(fileURLToPath(uri));
  } catch {
    return undefined;
  }
}

export function toPosition(line: number, column = 1): Position {
  return { line: Math.max(0, line - 1), character: Math.max(0, column - 1) };
}

/** The 1-based line and column of an LSP position. */
export function fromPosition(position: Position): { line: number; column: number } {
  return { line: position.line + 1, column: position.character + 1 };
}

export function spanToRange(span: LineSpan): Range {
  return { start: toPosition(span.line, span.startColumn), end: toPosition(span.line, span.endColumn) };
}

/** A zero-width range at a point, or the whole identifier when its length is known. */
export function pointToRange(point: SourcePoint, length = 0): Range {
  const start = toPosition(point.line, point.column ?? 1);
  return { start, end: { line: start.line, character: start.character + length } };
}

export function pointToLocation(point: SourcePoint, length = 0): Location {
  return { uri: pathToUri(point.file), range: pointToRange(point, length) };
}

/** A whole-line range: what a crash frame resolves to when only the line is known. */
export function lineRange(line: number): Range {
  const start = toPosition(line, 1);
  return { start, end: { line: start.line, character: 0 } };
}

export function pointToLink(origin: LineSpan, target: SourcePoint, targetLength = 0): LocationLink {
  const range = pointToRange(target, targetLength);
  return { originSelectionRange: spanToRange(origin), targetUri: pathToUri(target.file), targetRange: range, targetSelectionRange: range };
}

export function containsPosition(span: LineSpan, position: Position): boolean {
  const { line, column } = fromPosition(position);
  return line === span.line && column >= span.startColumn && column <= span.endColumn;
}
