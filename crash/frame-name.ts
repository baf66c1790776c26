// Function names as frames print them vs the function in the source: compiler clones and split parts
// (`.isra.0`, `.constprop.0`, `.part.0`, `.cold`, `.llvm.123`) all belong to the base function.

export function baseFunctionName(symbol: string): string {
  const dot = symbol.indexOf('.');
  return dot > 0 ? symbol.slice(0, dot) : symbol;
}
