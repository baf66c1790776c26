// One source root's index for the server: the indexer's KernelIndex (read side) and build/re-index calls
// (write side) behind the CodeIndex port, paths made absolute. The database may not exist until the first
// build commits, so the read side opens lazily and reopens once indexing has written something.
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  buildIndex,
  createNativeCParser,
  type CParser,
  type IncludeEdge,
  indexDbPath,
  indexFileFromDisk,
  indexWriteRefusal,
  KernelIndex,
  type CallSite as IndexCallSite,
  type SymbolDef as IndexSymbolDef,
} from '../../indexer/index.js';
import type { CallSite, CodeIndex, IncludeRef, IndexProgress, SymbolDef, SymbolRef } from './ports.js';
import type { SourceFiles } from './source-files.js';

const callCacheSize = 256;

export interface KernelCodeIndexOptions {
  root: string;
  /** Database path; default `indexDbPath(root)` (in the tree, or in the user's cache). */
  database?: string;
  arch?: string;
  sources: SourceFiles;
  log: (message: string) => void;
}

export class KernelCodeIndex implements CodeIndex {
  readonly root: string;
  readonly database: string;
  /** Why this index is only read (another user's, or not writable), or undefined when it is kept up to date. */
  readonly readOnly: string | undefined;
  private reader: KernelIndex | undefined;
  private parser: CParser | undefined;
  private building = false;
  /**
   * Caller and callee lists by name. A popular function's callers take the index a second to gather (`panic`:
   * 22,155 call sites through the macros that expand to it) and editors ask again and again (lenses, hovers,
   * references); any write to the index clears them.
   */
  private readonly callCache = new Map<string, CallSite[]>();
  /** Editor buffers that changed while a build held the write lock, applied when it ends. */
  private readonly deferred = new Map<string, string>();

  constructor(private readonly options: KernelCodeIndexOptions) {
    this.root = path.resolve(options.root);
    this.database = options.database ?? indexDbPath(this.root);
    this.readOnly = indexWriteRefusal(this.database);
  }

  private get index(): KernelIndex | undefined {
    if (!this.reader && existsSync(this.database)) {
      try {
        this.reader = KernelIndex.open(this.database, { root: this.root, writable: this.readOnly === undefined });
      } catch (err) {
        this.options.log(`cannot open the index ${this.database}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return this.reader;
  }

  /** The indexer's query object, for crash/'s pipeline (which asks it for definitions and callers). */
  kernelIndex(): KernelIndex | undefined {
    return this.index;
  }

  private abs(file: string): string {
    return path.resolve(this.root, file);
  }

  private rel(file: string): string {
    return path.relative(this.root, file).split(path.sep).join('/');
  }

  private toDef(def: IndexSymbolDef): SymbolDef {
    const out: SymbolDef = {
      name: def.name,
      kind: def.kind === 'extern' ? 'prototype' : def.kind,
      file: this.abs(def.file),
      line: def.line,
      column: def.column,
      endLine: def.endLine,
      isStatic: def.isStatic,
    };
    if (def.signature) out.signature = def.signature;
    if (def.via) out.viaMacro = def.via;
    const doc = this.reader?.docComment(def);
    if (doc) out.doc = doc;
    return out;
  }

  private toCall(call: IndexCallSite): CallSite {
    const out: CallSite = { caller: call.caller.name, callee: call.callee, file: this.abs(call.file), line: call.line, column: call.column };
    if (call.via) out.viaMacro = call.via;
    return out;
  }

  fileCount(): number {
    return this.index?.fileCount() ?? 0;
  }

  definitions(name: string, arch: string): SymbolDef[] {
    const ranked = this.index?.findDefinitions(name, { arch, limit: 20 }) ?? [];
    const bodies = ranked.filter((d) => d.kind !== 'prototype' && d.kind !== 'extern');
    // A name only declared here (an extern, a prototype) still gets somewhere to go.
    return (bodies.length > 0 ? bodies : ranked).map((d) => this.toDef(d));
  }

  declarations(name: string): SymbolDef[] {
    return (this.index?.findDeclarations(name) ?? []).map((d) => this.toDef(d));
  }

  private cachedCalls(key: string, find: (index: KernelIndex) => IndexCallSite[]): CallSite[] {
    const cached = this.callCache.get(key);
    if (cached) return cached;
    const index = this.index;
    if (!index) return [];
    const calls = find(index).map((c) => this.toCall(c));
    // Only a complete index is worth remembering: answers during a build go stale as it commits.
    if (!this.building) {
      if (this.callCache.size >= callCacheSize) this.callCache.delete(this.callCache.keys().next().value!);
      this.callCache.set(key, calls);
    }
    return calls;
  }

  callers(name: string): CallSite[] {
    return this.cachedCalls(`<${name}`, (index) => index.findCallers(name));
  }

  callees(name: string): CallSite[] {
    return this.cachedCalls(`>${name}`, (index) => index.findCallees(name));
  }

  references(name: string): SymbolRef[] {
    return (this.index?.findReferences(name) ?? []).map((r) => {
      const out: SymbolRef = { name: r.name, file: this.abs(r.file), line: r.line, column: r.column, role: r.role };
      if (r.function) out.function = r.function;
      return out;
    });
  }

  searchSymbols(query: string, limit: number): SymbolDef[] {
    const options: { limit: number; arch?: string } = { limit };
    if (this.options.arch) options.arch = this.options.arch;
    return (this.index?.searchSymbols(query, options) ?? []).map((d) => this.toDef(d));
  }

  fileSymbols(file: string): SymbolDef[] {
    return (this.index?.definitionsInFile(this.rel(file)) ?? []).map((d) => this.toDef(d));
  }

  includes(file: string): IncludeRef[] {
    const lines = this.options.sources.lines(file);
    return (this.index?.includesOf(this.rel(file)) ?? []).map((edge: IncludeEdge) => {
      const text = lines?.[edge.line - 1] ?? '';
      const at = text.indexOf(edge.written);
      const out: IncludeRef = {
        line: edge.line,
        startColumn: at >= 0 ? at + 1 : 1,
        endColumn: at >= 0 ? at + edge.written.length + 1 : text.length + 1,
        spelled: edge.written,
      };
      if (edge.resolved) out.target = this.abs(edge.resolved);
      return out;
    });
  }

  private cParser(): CParser {
    this.parser ??= createNativeCParser();
    return this.parser;
  }

  openFile(file: string, text: string): void {
    this.index?.openFileText(this.rel(file), text);
  }

  updateFile(file: string, text: string): void {
    if (this.readOnly) return;
    // A build holds the database's write lock; a synchronous wait for it would stall every request.
    if (this.building) {
      this.deferred.set(file, text);
      return;
    }
    this.callCache.clear();
    this.index?.updateFileText(this.rel(file), text);
  }

  async refreshFiles(files: string[]): Promise<void> {
    const index = this.index;
    if (this.building || !index || this.readOnly) return;
    this.callCache.clear();
    for (const file of files) await indexFileFromDisk(index.store, this.root, this.rel(file), this.cParser());
  }

  async update(onProgress: (p: IndexProgress) => void, signal: AbortSignal): Promise<void> {
    if (this.readOnly) {
      this.options.log(`${this.database}: ${this.readOnly}; answering from it as it is, without updating it`);
      return;
    }
    this.building = true;
    try {
      const options: Parameters<typeof buildIndex>[0] = {
        root: this.root,
        dbPath: this.database,
        signal,
        onProgress: (p) => onProgress({ done: p.done, total: p.total }),
      };
      if (this.options.arch) options.arch = this.options.arch;
      await buildIndex(options);
    } finally {
      this.building = false;
      this.callCache.clear();
      // A rebuild for a new extractor is made aside and renamed over the database: reopen to see it.
      this.close();
    }
    for (const [file, text] of this.deferred) this.updateFile(file, text);
    this.deferred.clear();
  }

  close(): void {
    this.reader?.close();
    this.reader = undefined;
  }
}
