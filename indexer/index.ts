// The kernel source index: tree-sitter extraction of C (and a scanner for .S) into SQLite, and the queries
// the CLI, the LSP server and the crash pipeline ask of it. Imports nothing else of crashnav.
export { buildIndex, extractorVersion, indexFileText, indexFileFromDisk } from './build-index.js';
export type { BuildIndexOptions, BuildIndexSummary, IndexProgress } from './build-index.js';
export { KernelIndex, rankDefinition } from './kernel-index.js';
export type { CallQuery, CallSite, DefinitionQuery, IncludeEdge, Reference, ReferenceRole, SymbolDef, TextHit } from './kernel-index.js';
export { IndexStore, IndexDatabaseError, defaultDbPath, schemaVersion } from './index-store.js';
export { cacheDbPath, hasIndex, indexDbPath, indexWriteRefusal } from './index-location.js';
export { cscopeQueryNumbers, compressLine, isCscopeQueryNumber, renderCscopeJson, renderCscopeLine, runCscopeQuery } from './cscope-query.js';
export type { CscopeHit, CscopeQueryNumber, CscopeQueryOptions } from './cscope-query.js';
export { stripCompilerSuffix } from './compiler-suffix.js';
export { normalizeArch, archOfPath } from './arch.js';
export { loadCParser, createNativeCParser, createWasmCParser } from './c-parser.js';
export type { CParser } from './c-parser.js';
export { extractC } from './extract-c.js';
export { scanAsm } from './scan-asm.js';
export { listSourceFiles } from './list-source-files.js';
export type { CallFact, DefFact, DefKind, FileFacts, IncludeFact } from './file-facts.js';
