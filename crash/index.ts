// crash/: crash text of every kind into one model, decoded facts, titles, signatures, and frame → source.
export type * from './model.js';
export { parseCrashReport, type ParseOptions } from './parse-crash-report.js';
export { stripLinePrefix } from './line-prefix.js';
export { parseFrameLine } from './parse-frame-line.js';
export { baseFunctionName } from './frame-name.js';
export { findGuiltyFrame, frameFile } from './guilty-frame.js';
export { titleRules, sanitizeTitle } from './title-rules.js';
