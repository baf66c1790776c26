// Function names as frames print them vs the function in the source: compiler clones and split parts
// (`.isra.0`, `.constprop.0`, `.part.0`, `.cold`, `.llvm.123`) all belong to the base function, and ppc64's
// `.name` descriptors name the function `name`.

export function baseFunctionName(symbol: string): string {
  const name = symbol.replace(/^\.+/, '');
  const dot = name.indexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/**
 * The `crash` utility's names for a module's text when the module's own symbols are not loaded (no
 * `mod -s`): `_MODULE_START_name` is the start of its core region, `_MODULE_INIT_START_name` of its init
 * region, so `_MODULE_INIT_START_null_pointer+31` is 31 bytes into the module's init text.
 */
export function moduleRegionSymbol(symbol: string): { module: string; region: 'core' | 'init' } | undefined {
  const m = /^_MODULE_(INIT_)?START_(\w+)$/.exec(symbol);
  return m ? { module: m[2]!, region: m[1] ? 'init' : 'core' } : undefined;
}
