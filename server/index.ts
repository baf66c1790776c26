// server/: the LSP server (crash reports and kernel C as navigable documents). Other rooms use only this.
/** Runs the language server on a pair of streams (`crashnav lsp --stdio` passes stdin/stdout). */
export { startServer, type ServerStreams } from './main.js';
/** The settings keys, their defaults and validation, for clients that document or forward them. */
export { settingKeys, defaultSettings, type Settings } from './config.js';
