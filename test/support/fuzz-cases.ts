// The loop every fuzz suite shares: each case bounded in time and memory, its outcome (`ok` or an error
// code) counted, the counts printed, and a run that never succeeded or never failed in several ways failing.
import { expect } from 'vitest';

export interface FuzzLimits {
  /** The most one case may take. */
  ms: number;
  /** The most one case may keep allocated (heap and array buffers). */
  bytes: number;
}

/** Runs `run(i)` for each case: it returns the case's outcome name, `ok` when the reader answered. */
export function runFuzzCases(label: string, cases: number, limits: FuzzLimits, run: (i: number) => string): Map<string, number> {
  const outcomes = new Map<string, number>();
  let slowest = 0;
  for (let i = 0; i < cases; i++) {
    const before = process.memoryUsage();
    const t0 = performance.now();
    const outcome = run(i);
    const ms = performance.now() - t0;
    const after = process.memoryUsage();
    slowest = Math.max(slowest, ms);
    expect(ms, `case ${i} took ${ms.toFixed(0)} ms`).toBeLessThan(limits.ms);
    expect(after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers), `case ${i} memory`).toBeLessThan(limits.bytes);
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
  const summary = [...outcomes].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
  console.log(`${label}: ${cases} cases, slowest ${slowest.toFixed(0)} ms; outcomes: ${summary}`);
  expect(outcomes.get('ok') ?? 0).toBeGreaterThan(0);
  expect(outcomes.size).toBeGreaterThan(3);
  return outcomes;
}
