// crash/: crash text of every kind into one model, decoded facts, titles, signatures, and frame → source.
export type * from './model.js';
export { parseCrashReport, type ParseOptions } from './parse-crash-report.js';
export { stripLinePrefix, type StrippedLine } from './line-prefix.js';
export { parseFrameLine } from './parse-frame-line.js';
export { baseFunctionName } from './frame-name.js';
export { findGuiltyFrame, frameFile } from './guilty-frame.js';
export { titleRules, sanitizeTitle } from './title-rules.js';
export { explainReport, renderFrameRef, type Fact } from './explain-report.js';
export { reportSignature } from './signature.js';
export { groupReports, type Grouping, type ReportCluster } from './group-reports.js';
export { readCrashInput, describeReadError, statNamedFile, CrashInputError, type ReadCrashInputOptions } from './read-crash-input.js';
export { readVmcoreInput, unwindVmcore, type VmcoreInput, type VmcoreInputOptions } from './vmcore-input.js';
export { decodePageFaultCode, type DecodedValue } from './decode/page-fault-code.js';
export { decodeOopsCode, decodeCs, describeFaultAddress } from './decode/oops-code.js';
export { decodeTaint, decodeModuleFlags } from './decode/taint.js';
export { decodeEsr } from './decode/arm64-esr.js';
export {
  ResolutionSession,
  isWrongBinaryWarning,
  type ResolutionOptions,
  type ResolvedFrame,
  type ResolvedReport,
  type ResolvedLocation,
  type ResolutionWarning,
  type ResolutionWarningCode,
  type DefinitionPlace,
  type CallerRef,
  type KernelPlacement,
  type Provenance,
} from './resolution-session.js';
export { resolvedReportToJson, renderResolvedText, type ResolvedFrameJson } from './render-resolved.js';
export { explainFaultingInstruction } from './explain-code.js';
export {
  inferKernelSlide,
  inferModuleBase,
  kernelPlacedFrames,
  modulePlacedFrames,
  kernelSlideOf,
  moduleBaseOf,
  moduleRegionBases,
  kernelSlideAlignment,
  moduleTextAlignment,
  type PlacedFrame,
  type SymbolRange,
  type SymbolRangeLookup,
  type PlacementOptions,
  type SlideInference,
  type ModuleBaseInference,
  type KernelSlide,
  type ModuleBase,
} from './infer-slide.js';
export { moduleBases } from './session-records.js';
