// Function names as frames print them vs the function in the source: compiler clones and split parts
// (`.isra.0`, `.constprop.0`, `.part.0`, `.cold`, `.llvm.123`) all belong to the base function, and ppc64's
// `.name` descriptors name the function `name`.

export function baseFunctionName(symbol: string): string {
  const name = symbol.replace(/^\.+/, '');
  const dot = name.indexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}
