// The SQLite index of one source tree: schema, the single writer, and the lookups queries are built on.
// Identifiers that are defined, called, exported or aliased are interned (`names`). References are
// stored per file as the sorted 32-bit hashes of the names it mentions (`referenceHashes`, computed in
// the parse workers: one blob a file, no row per name or occurrence, no interning in the writer), and
// the exact occurrences are recovered by re-lexing the files whose blob holds the name's hash (cscope's
// queries 0 and 9). A row per occurrence would be ~50 million rows for the kernel (cscope's 2.2 GB).
// A generated register header's object-like macros are kept the same way, by name hash (`macro_tables`:
// per file, its entries in 4096 buckets of the hash), and a query reads the name back from the source.
// Each file's rows change in one transaction together with its hash, so a run killed at any point leaves
// every file either fully old or fully new.
import Database from 'better-sqlite3';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DefFact } from './file-facts.js';
import { AliasField, CallField, DefField, DefFlag, IncludeField, InvocationField, MacroTableField, type FactsLayout, type PackedFacts, defCodes, defKinds, layoutOf } from './packed-facts.js';
import { nameHash } from './name-hash.js';

export const schemaVersion = 7;


/** The database is missing, unreadable, from another schema version, or not a crashnav index. */
export class IndexDatabaseError extends Error {
  override name = 'IndexDatabaseError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

export interface FileRecord {
  id: number;
  path: string;
  size: number;
  mtimeMs: number;
  hash: string;
}

export interface DefRow {
  id: number;
  name: string;
  path: string;
  /** Index into `defKinds`. */
  kind: number;
  line: number;
  column: number;
  endLine: number;
  flags: number;
  via: string | null;
  docLine: number | null;
  signature: string | null;
  params: string | null;
  exported: number;
}

const schema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, size INTEGER NOT NULL,
  mtime INTEGER NOT NULL, hash TEXT NOT NULL, language TEXT NOT NULL, names BLOB);
CREATE TABLE IF NOT EXISTS names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS defs (id INTEGER PRIMARY KEY, name_id INTEGER NOT NULL, file_id INTEGER NOT NULL,
  kind INTEGER NOT NULL, line INTEGER NOT NULL, col INTEGER NOT NULL, end_line INTEGER NOT NULL,
  flags INTEGER NOT NULL, via_id INTEGER, doc_line INTEGER, signature TEXT, params TEXT, body TEXT);
CREATE INDEX IF NOT EXISTS defs_name ON defs(name_id);
CREATE INDEX IF NOT EXISTS defs_file ON defs(file_id, line);
CREATE TABLE IF NOT EXISTS calls (callee_id INTEGER NOT NULL, caller_id INTEGER NOT NULL, line INTEGER NOT NULL,
  col INTEGER NOT NULL, flags INTEGER NOT NULL, PRIMARY KEY (callee_id, caller_id, line, col)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS calls_caller ON calls(caller_id);
CREATE TABLE IF NOT EXISTS invocations (file_id INTEGER NOT NULL, macro_id INTEGER NOT NULL, line INTEGER NOT NULL,
  col INTEGER NOT NULL, args TEXT NOT NULL, body_def INTEGER);
CREATE INDEX IF NOT EXISTS invocations_file ON invocations(file_id);
CREATE TABLE IF NOT EXISTS includes (file_id INTEGER NOT NULL, line INTEGER NOT NULL, path TEXT NOT NULL, system INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS includes_file ON includes(file_id);
CREATE TABLE IF NOT EXISTS exports (name_id INTEGER NOT NULL, file_id INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS exports_name ON exports(name_id);
CREATE INDEX IF NOT EXISTS exports_file ON exports(file_id);
CREATE TABLE IF NOT EXISTS aliases (alias_id INTEGER NOT NULL, target_id INTEGER NOT NULL, file_id INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS aliases_alias ON aliases(alias_id);
CREATE INDEX IF NOT EXISTS aliases_file ON aliases(file_id);
CREATE TABLE IF NOT EXISTS macro_tables (bucket INTEGER NOT NULL, file_id INTEGER NOT NULL, entries BLOB NOT NULL,
  PRIMARY KEY (bucket, file_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS macro_tables_file ON macro_tables(file_id);
`;

/** A macro table's bucket of a name hash: its top 12 bits. */
const bucketOf = (hash: number): number => hash >>> 20;

/** One macro table entry (`MacroTableField`) whose hash is the name's: the name still to be read back at `offset`. */
export interface MacroTableEntry {
  path: string;
  offset: number;
  line: number;
  column: number;
  endLine: number;
  docLine: number | null;
  flags: number;
}

export function defaultDbPath(root: string): string {
  return path.join(root, '.crashnav', 'index.db');
}

export interface OpenStoreOptions {
  /** Create (or rebuild, when unusable) the database; otherwise a missing or foreign one is an error. */
  create?: boolean;
  readonly?: boolean;
}

export class IndexStore {
  readonly db: Database.Database;
  /**
   * Name ids recently used, in two generations: when the young one fills, it becomes the old one, and a
   * hit in the old one moves back. Hot names (callees like `kfree`) stay cached; the kernel's ~4 million
   * names would not fit.
   */
  private youngNames = new Map<string, number>();
  private oldNames = new Map<string, number>();
  /** Multi-row inserts by statement head and row count. */
  private readonly multiRowInserts = new Map<string, Database.Statement>();
  private readonly stmts;

  private constructor(
    readonly file: string,
    db: Database.Database,
  ) {
    this.db = db;
    const s = (sql: string) => db.prepare(sql);
    this.stmts = {
      nameId: s('SELECT id FROM names WHERE name = ?').pluck(),
      insertName: s('INSERT OR IGNORE INTO names (name) VALUES (?)'),
      fileByPath: s('SELECT id, path, size, mtime AS mtimeMs, hash FROM files WHERE path = ?'),
      upsertFile: s(`INSERT INTO files (path, size, mtime, hash, language, names) VALUES (@path, @size, @mtime, @hash, @language, @names)
        ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime, hash = excluded.hash, language = excluded.language, names = excluded.names RETURNING id`).pluck(),
      touchFile: s('UPDATE files SET size = ?, mtime = ? WHERE id = ?'),
      deleteFileRow: s('DELETE FROM files WHERE id = ?'),
      deleteCalls: s('DELETE FROM calls WHERE caller_id IN (SELECT id FROM defs WHERE file_id = ?)'),
      deleteDefs: s('DELETE FROM defs WHERE file_id = ?'),
      deleteIncludes: s('DELETE FROM includes WHERE file_id = ?'),
      deleteInvocations: s('DELETE FROM invocations WHERE file_id = ?'),
      insertInvocation: s('INSERT INTO invocations (file_id, macro_id, line, col, args, body_def) VALUES (?, ?, ?, ?, ?, ?)'),
      deleteExports: s('DELETE FROM exports WHERE file_id = ?'),
      deleteAliases: s('DELETE FROM aliases WHERE file_id = ?'),
      deleteMacroTable: s('DELETE FROM macro_tables WHERE file_id = ?'),
      insertMacroBucket: s('INSERT INTO macro_tables (bucket, file_id, entries) VALUES (?, ?, ?)'),
      macroBucket: s('SELECT file_id AS fileId, entries FROM macro_tables WHERE bucket = ?'),
      pathOf: s('SELECT path FROM files WHERE id = ?').pluck(),
      macroTableOf: s('SELECT f.path, t.entries FROM macro_tables t JOIN files f ON f.id = t.file_id WHERE t.file_id = ? ORDER BY t.bucket'),
      insertDef: s(`INSERT INTO defs (${defColumns}, via_id, signature, params, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insertCall: s('INSERT OR IGNORE INTO calls (callee_id, caller_id, line, col, flags) VALUES (?, ?, ?, ?, ?)'),
      renameDef: s('UPDATE defs SET name_id = ?, flags = flags & ~? WHERE id = ?'),
      dropInvocationGuess: s(`DELETE FROM defs WHERE file_id = ? AND line = ? AND kind = ${defKinds.indexOf('variable')} AND (flags & ${DefFlag.expanded}) = 0
        AND via_id = (SELECT id FROM names WHERE name = ?)`),
      insertInclude: s('INSERT INTO includes (file_id, line, path, system) VALUES (?, ?, ?, ?)'),
      insertExport: s('INSERT INTO exports (name_id, file_id) VALUES (?, ?)'),
      insertAlias: s('INSERT INTO aliases (alias_id, target_id, file_id) VALUES (?, ?, ?)'),
      getMeta: s('SELECT value FROM meta WHERE key = ?').pluck(),
      setMeta: s('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
    };
  }

  static open(file: string, options: OpenStoreOptions = {}): IndexStore {
    // A directory made for the index holds nothing else: git is told to ignore all of it.
    if (options.create && mkdirSync(path.dirname(file), { recursive: true }) !== undefined) {
      writeFileSync(path.join(path.dirname(file), '.gitignore'), '*\n');
    }
    let db: Database.Database;
    try {
      db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: !options.create });
    } catch (err) {
      throw new IndexDatabaseError(file, `cannot open the index (${(err as Error).message}); run 'crashnav index' to build it`);
    }
    try {
      if (!options.readonly) {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
      }
      db.pragma('cache_size = -65536');
      const version = IndexStore.readVersion(db);
      if (version !== schemaVersion) {
        if (!options.create) {
          throw new IndexDatabaseError(file, version === undefined ? 'not a crashnav index' : `index schema ${version}, this crashnav reads ${schemaVersion}; run 'crashnav index' to rebuild it`);
        }
        db.close();
        IndexStore.remove(file);
        db = new Database(file);
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
      }
      if (!options.readonly) {
        db.exec(schema);
        db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)").run(String(schemaVersion));
      }
    } catch (err) {
      db.close();
      if (err instanceof IndexDatabaseError) throw err;
      if (options.create) {
        // A corrupt file: start again rather than fail the index run.
        IndexStore.remove(file);
        return IndexStore.open(file, options);
      }
      throw new IndexDatabaseError(file, `corrupt index (${(err as Error).message}); run 'crashnav index' to rebuild it`);
    }
    return new IndexStore(file, db);
  }

  private static readVersion(db: Database.Database): number | undefined {
    const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
    const hasAny = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' LIMIT 1").get();
    if (!hasAny) return schemaVersion;
    if (!hasMeta) return undefined;
    const v = db.prepare("SELECT value FROM meta WHERE key = 'schema'").pluck().get() as string | undefined;
    return v === undefined ? undefined : Number(v);
  }

  private static remove(file: string): void {
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  }

  /**
   * Left in WAL mode, the index could not be read by a user who may only read its directory (SQLite needs a
   * `-shm` file beside it, which only a running writer keeps): the last writer to close puts it back in
   * rollback mode, as a completed rebuild is. With other connections still open that fails at once: theirs.
   */
  close(): void {
    if (this.db.open && !this.db.readonly) {
      try {
        this.db.pragma('busy_timeout = 0');
        this.db.pragma('journal_mode = DELETE');
      } catch {
        // Busy: another connection has it open and the last to close switches.
      }
    }
    this.db.close();
  }

  getMeta(key: string): string | undefined {
    return this.stmts.getMeta.get(key) as string | undefined;
  }

  setMeta(key: string, value: string): void {
    this.stmts.setMeta.run(key, value);
  }

  nameId(name: string): number | undefined {
    const cached = this.cachedName(name);
    if (cached !== undefined) return cached;
    const id = this.stmts.nameId.get(name) as number | undefined;
    if (id !== undefined) this.cacheName(name, id);
    return id;
  }

  private cachedName(name: string): number | undefined {
    const young = this.youngNames.get(name);
    if (young !== undefined) return young;
    const old = this.oldNames.get(name);
    if (old !== undefined) this.cacheName(name, old);
    return old;
  }

  private cacheName(name: string, id: number): void {
    if (this.youngNames.size >= 150_000) {
      this.oldNames = this.youngNames;
      this.youngNames = new Map();
    }
    this.youngNames.set(name, id);
  }

  private internName(name: string): number {
    const cached = this.cachedName(name);
    if (cached !== undefined) return cached;
    // Most names are new on a first run: try the insert, and look up only when it was already there.
    const r = this.stmts.insertName.run(name);
    const id = r.changes > 0 ? Number(r.lastInsertRowid) : (this.stmts.nameId.get(name) as number);
    this.cacheName(name, id);
    return id;
  }

  /**
   * Paths of the files whose reference blob holds the name's hash (binary search in each file's sorted
   * hashes): every file that mentions the name, and rarely one that only shares its hash.
   */
  filesMentioning(name: string): string[] {
    const key = nameHash(name);
    const out: string[] = [];
    for (const row of this.db.prepare('SELECT path, names FROM files ORDER BY path').iterate() as Iterable<{ path: string; names: Buffer | null }>) {
      const blob = row.names;
      if (!blob || blob.byteLength === 0) continue;
      const hashes = new Uint32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
      let lo = 0;
      let hi = hashes.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const v = hashes[mid]!;
        if (v === key) {
          out.push(row.path);
          break;
        }
        if (v < key) lo = mid + 1;
        else hi = mid - 1;
      }
    }
    return out;
  }

  allFiles(): FileRecord[] {
    return this.db.prepare('SELECT id, path, size, mtime AS mtimeMs, hash FROM files').all() as FileRecord[];
  }

  findFile(relPath: string): FileRecord | undefined {
    return this.stmts.fileByPath.get(relPath) as FileRecord | undefined;
  }

  /** Runs `fn` in one transaction: the unit of atomicity for a batch of whole files. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /**
   * For a bulk load on this connection: a WAL checkpointed every 128 MB instead of every 4 MB (each
   * checkpoint copies every page the WAL holds into the database file, and a long run's commits rewrite
   * the same index pages over and over), and no fsync at checkpoints: the writer sat ~0.5 s in each
   * while the workers ran dry. A killed process still leaves every commit whole (the WAL is in the page
   * cache); only a crash of the machine during a checkpoint could tear the file, and an index that will
   * not open is rebuilt by the next run.
   * A larger page cache bought no CPU time, only resident memory.
   */
  tuneForBulkLoad(): void {
    this.db.pragma('wal_autocheckpoint = 32768');
    this.db.pragma('synchronous = OFF');
  }

  /**
   * An explicit transaction for a bulk load that writes files as they arrive and commits now and then
   * (`transaction` needs all of a batch in hand at once). `rollback` is a no-op after a `commit`.
   */
  begin(): void {
    this.db.exec('BEGIN');
  }

  commit(): void {
    this.db.exec('COMMIT');
  }

  rollback(): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
  }

  touchFile(id: number, size: number, mtimeMs: number): void {
    this.stmts.touchFile.run(size, Math.round(mtimeMs), id);
  }

  private deleteRows(fileId: number): void {
    const s = this.stmts;
    s.deleteCalls.run(fileId);
    s.deleteDefs.run(fileId);
    s.deleteIncludes.run(fileId);
    s.deleteInvocations.run(fileId);
    s.deleteExports.run(fileId);
    s.deleteAliases.run(fileId);
    s.deleteMacroTable.run(fileId);
  }

  deleteFile(id: number): void {
    this.deleteRows(id);
    this.stmts.deleteFileRow.run(id);
  }

  /**
   * Replaces everything known about `facts.path` (call inside `transaction`); returns the file id.
   * `refs`: `referenceHashes` of the names the file mentions.
   */
  writeFile(facts: PackedFacts, stat: { size: number; mtimeMs: number; hash: string }, refs: Uint32Array): number {
    const s = this.stmts;
    const existing = this.findFile(facts.path);
    if (existing) this.deleteRows(existing.id);
    const fileId = s.upsertFile.get({
      path: facts.path,
      size: stat.size,
      mtime: Math.round(stat.mtimeMs),
      hash: stat.hash,
      language: facts.language,
      names: Buffer.from(refs.buffer, refs.byteOffset, refs.byteLength),
    }) as number;
    const layout = layoutOf(facts);
    const { strings } = layout;
    const ints = facts.ints;
    // A file names `kfree` or a register prefix many times: each of its strings is interned once.
    const ids = new Array<number>(strings.length);
    const nameAt = (k: number): number => (ids[k] ??= this.internName(strings[k]!));
    const defIds = this.insertDefs(fileId, ints, layout, nameAt);
    for (let k = 0, at = layout.calls.at; k < layout.calls.count; k++, at += CallField.width) {
      const caller = defIds[ints[at + CallField.caller]!];
      if (caller === undefined) continue;
      s.insertCall.run(nameAt(ints[at + CallField.callee]!), caller, ints[at + CallField.line]!, ints[at + CallField.column]!, ints[at + CallField.flags]!);
    }
    for (let k = 0, at = layout.includes.at; k < layout.includes.count; k++, at += IncludeField.width) {
      s.insertInclude.run(fileId, ints[at + IncludeField.line]!, strings[ints[at + IncludeField.path]!]!, ints[at + IncludeField.system]!);
    }
    for (let k = 0, at = layout.exports.at; k < layout.exports.count; k++, at++) s.insertExport.run(nameAt(ints[at]!), fileId);
    for (let k = 0, at = layout.aliases.at; k < layout.aliases.count; k++, at += AliasField.width) {
      s.insertAlias.run(nameAt(ints[at + AliasField.alias]!), nameAt(ints[at + AliasField.target]!), fileId);
    }
    for (let k = 0, at = layout.invocations.at; k < layout.invocations.count; k++, at += InvocationField.width) {
      const body = ints[at + InvocationField.body]!;
      s.insertInvocation.run(fileId, nameAt(ints[at + InvocationField.macro]!), ints[at + InvocationField.line]!, ints[at + InvocationField.column]!, strings[ints[at + InvocationField.args]!]!, body >= 0 ? (defIds[body] ?? null) : null);
    }
    this.insertMacroTable(fileId, ints, layout.macroTable);
    return fileId;
  }

  /** A file's macro table entries, sorted by hash, one row per bucket they fall in. */
  private insertMacroTable(fileId: number, ints: Int32Array, part: { at: number; count: number }): void {
    const w = MacroTableField.width;
    const end = part.at + part.count * w;
    for (let from = part.at; from < end; ) {
      const bucket = bucketOf(ints[from + MacroTableField.hash]!);
      let to = from + w;
      while (to < end && bucketOf(ints[to + MacroTableField.hash]!) === bucket) to += w;
      const entries = ints.subarray(from, to);
      this.stmts.insertMacroBucket.run(bucket, fileId, Buffer.from(entries.buffer, entries.byteOffset, entries.byteLength));
      from = to;
    }
  }

  /** The macro table entries whose hash is `name`'s, in any file. */
  macroTableEntries(name: string): MacroTableEntry[] {
    const hash = nameHash(name) | 0;
    const out: MacroTableEntry[] = [];
    const stride = MacroTableField.width * 4;
    // Every table file has a row in most buckets: the hashes are compared in the blobs as they come.
    for (const row of this.stmts.macroBucket.iterate(bucketOf(hash)) as Iterable<{ fileId: number; entries: Buffer }>) {
      const blob = row.entries;
      for (let at = 0; at < blob.length; at += stride) {
        if (blob.readInt32LE(at + MacroTableField.hash * 4) === hash) {
          out.push(macroTableEntry(this.stmts.pathOf.get(row.fileId) as string, int32View(blob.subarray(at, at + stride)), 0));
        }
      }
    }
    return out;
  }

  /** Every macro table entry of one file. */
  macroTableOf(fileId: number): MacroTableEntry[] {
    const out: MacroTableEntry[] = [];
    for (const row of this.stmts.macroTableOf.all(fileId) as Array<{ path: string; entries: Buffer }>) {
      const ints = int32View(row.entries);
      for (let at = 0; at < ints.length; at += MacroTableField.width) out.push(macroTableEntry(row.path, ints, at));
    }
    return out;
  }

  /** Adds a definition a macro expansion produced (deleted with the invoking file's rows). */
  insertExpandedDef(fileId: number, d: DefFact): number {
    const { kind, flags, endLine } = defCodes(d);
    const row = [this.internName(d.name), fileId, kind, d.line, d.column, endLine, flags | DefFlag.expanded, d.docLine ?? null, d.via ? this.internName(d.via) : null, d.signature ?? null, d.params ? d.params.join(',') : null, d.body ?? null];
    return Number(this.stmts.insertDef.run(row).lastInsertRowid);
  }

  /** A call made inside the body a macro expansion generated, placed at the invocation. */
  insertExpandedCall(callerDefId: number, callee: string, line: number, column: number): void {
    this.stmts.insertCall.run(this.internName(callee), callerDefId, line, column, 0);
  }

  renameDef(defId: number, name: string): void {
    this.stmts.renameDef.run(this.internName(name), DefFlag.placeholder, defId);
  }

  /** Removes the variable the lexical pass guessed at a macro invocation that an expansion explained. */
  dropInvocationGuess(fileId: number, line: number, macro: string): void {
    this.stmts.dropInvocationGuess.run(fileId, line, macro);
  }

  /**
   * A file's definitions, their row ids in order. Runs of definitions without text fields (a register
   * header's 200,000 macros) go in multi-row inserts: a statement a row was a fifth of the writer's time.
   * The rows of one insert get consecutive ids (the table's largest rowid plus one, each), so the last
   * id gives them all.
   */
  private insertDefs(fileId: number, ints: Int32Array, layout: FactsLayout, nameAt: (k: number) => number): number[] {
    const { at: first, count } = layout.defs;
    const { strings } = layout;
    const ids = new Array<number>(count);
    const text = (at: number, field: number): string | null => (ints[at + field]! < 0 ? null : strings[ints[at + field]!]!);
    /** Appends the values of `defColumns`, the ones every definition fills, to `out`. */
    const columns = (at: number, out: Array<number | string | null>): void => {
      const doc = ints[at + DefField.docLine]!;
      out.push(nameAt(ints[at + DefField.name]!), fileId, ints[at + DefField.kind]!, ints[at + DefField.line]!, ints[at + DefField.column]!, ints[at + DefField.endLine]!, ints[at + DefField.flags]!, doc < 0 ? null : doc);
    };
    let run: number[] = [];
    const flush = (): void => {
      for (let i = 0; i < run.length; i += rowsPerInsert) {
        const part = run.slice(i, i + rowsPerInsert);
        const params: Array<number | string | null> = [];
        for (const k of part) columns(first + k * DefField.width, params);
        const last = Number(this.multiRowInsert(`INSERT INTO defs (${defColumns})`, 8, part.length).run(params).lastInsertRowid);
        part.forEach((k, j) => (ids[k] = last - part.length + 1 + j));
      }
      run = [];
    };
    for (let k = 0, at = first; k < count; k++, at += DefField.width) {
      const via = ints[at + DefField.via]!;
      if (via < 0 && ints[at + DefField.signature]! < 0 && ints[at + DefField.params]! < 0 && ints[at + DefField.body]! < 0) {
        run.push(k);
        continue;
      }
      flush();
      const row: Array<number | string | null> = [];
      columns(at, row);
      row.push(via < 0 ? null : nameAt(via), text(at, DefField.signature), text(at, DefField.params), text(at, DefField.body));
      ids[k] = Number(this.stmts.insertDef.run(row).lastInsertRowid);
    }
    flush();
    return ids;
  }

  /** `head VALUES (?, ...), ...` for `rows` rows of `columns` values, prepared once per shape. */
  private multiRowInsert(head: string, columns: number, rows: number): Database.Statement {
    const key = `${head}/${rows}`;
    let stmt = this.multiRowInserts.get(key);
    if (!stmt) {
      const row = `(${Array.from({ length: columns }, () => '?').join(', ')})`;
      stmt = this.db.prepare(`${head} VALUES ${Array.from({ length: rows }, () => row).join(', ')}`);
      this.multiRowInserts.set(key, stmt);
    }
    return stmt;
  }
}

/** A copy, so the ints are aligned whatever the blob's offset in its buffer. */
function int32View(blob: Buffer): Int32Array {
  return new Int32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
}

function macroTableEntry(path: string, ints: Int32Array, at: number): MacroTableEntry {
  const doc = ints[at + MacroTableField.docLine]!;
  return {
    path,
    offset: ints[at + MacroTableField.offset]!,
    line: ints[at + MacroTableField.line]!,
    column: ints[at + MacroTableField.column]!,
    endLine: ints[at + MacroTableField.endLine]!,
    docLine: doc < 0 ? null : doc,
    flags: ints[at + MacroTableField.flags]!,
  };
}

/** The columns every definition fills; `insertDef` adds the text ones after them. */
const defColumns = 'name_id, file_id, kind, line, col, end_line, flags, doc_line';

/** Rows of one multi-row insert: 8 parameters each, well under SQLite's 32,766. */
const rowsPerInsert = 128;
