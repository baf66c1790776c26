// callHierarchy/*: prepared from a crash frame (its function) or a C identifier; incoming calls are the
// index's callers grouped by calling function, outgoing calls its callees grouped by callee.
import type {
  CallHierarchyIncomingCall,
  CallHierarchyIncomingCallsParams,
  CallHierarchyItem,
  CallHierarchyOutgoingCall,
  CallHierarchyOutgoingCallsParams,
  CallHierarchyPrepareParams,
  CancellationToken,
  Range,
} from 'vscode-languageserver';
import { baseFunctionName } from '../../crash/index.js';
import { pointToRange } from '../convert.js';
import { checkpoint } from '../queries/cancellation.js';
import { identifierAt } from '../queries/identifier-at.js';
import { findFrameAt } from '../queries/report-position.js';
import { callItem, type CallItemData } from '../queries/symbol-items.js';
import type { Snapshot } from '../snapshot.js';
import type { CallSite } from '../workspace/ports.js';
import { frameTarget } from './definition.js';

function itemFor(snapshot: Snapshot, name: string, seenAt?: CallSite): CallHierarchyItem | undefined {
  const def = snapshot.workspace.definitions(name, snapshot.arch)[0];
  const where = def ?? seenAt;
  return where ? callItem(snapshot.workspace, name, where) : undefined;
}

export async function handlePrepareCallHierarchy(
  snapshot: Snapshot,
  params: CallHierarchyPrepareParams,
  _token: CancellationToken,
): Promise<CallHierarchyItem[] | null> {
  const uri = params.textDocument.uri;
  const analysis = await snapshot.reports.get(uri);
  if (analysis) {
    const hit = findFrameAt(analysis, params.position);
    if (!hit?.frame.symbol) return null;
    const name = baseFunctionName(hit.frame.symbol);
    const def = snapshot.workspace.definitions(name, snapshot.arch)[0];
    const where = def ?? (await frameTarget(snapshot, hit));
    return where ? [callItem(snapshot.workspace, name, where)] : null;
  }
  const document = snapshot.document(uri);
  const word = document ? identifierAt(document, params.position) : undefined;
  const item = word ? itemFor(snapshot, word.name) : undefined;
  return item ? [item] : null;
}

function groupBy(calls: CallSite[], key: (c: CallSite) => string): Map<string, CallSite[]> {
  const groups = new Map<string, CallSite[]>();
  for (const call of calls) groups.set(key(call), [...(groups.get(key(call)) ?? []), call]);
  return groups;
}

function nameOf(item: CallHierarchyItem): string {
  const data = item.data as CallItemData | undefined;
  return typeof data?.name === 'string' ? data.name : item.name;
}

function callRanges(calls: CallSite[], name: string): Range[] {
  return calls.map((c) => pointToRange(c, name.length));
}

export async function handleIncomingCalls(
  snapshot: Snapshot,
  params: CallHierarchyIncomingCallsParams,
  token: CancellationToken,
): Promise<CallHierarchyIncomingCall[] | null> {
  const name = nameOf(params.item);
  const groups = groupBy(snapshot.workspace.callers(name), (c) => c.caller);
  const out: CallHierarchyIncomingCall[] = [];
  for (const [caller, calls] of groups) {
    await checkpoint(token);
    const from = itemFor(snapshot, caller, calls[0]);
    if (from) out.push({ from, fromRanges: callRanges(calls, name) });
  }
  return out;
}

export async function handleOutgoingCalls(
  snapshot: Snapshot,
  params: CallHierarchyOutgoingCallsParams,
  token: CancellationToken,
): Promise<CallHierarchyOutgoingCall[] | null> {
  const groups = groupBy(snapshot.workspace.callees(nameOf(params.item)), (c) => c.callee);
  const out: CallHierarchyOutgoingCall[] = [];
  for (const [callee, calls] of groups) {
    await checkpoint(token);
    const to = itemFor(snapshot, callee, calls[0]);
    if (to) out.push({ to, fromRanges: callRanges(calls, callee) });
  }
  return out;
}
