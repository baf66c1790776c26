// Small gcc-built stand-ins for a kernel's debug binaries: a "vmlinux" linked at the kernel's text
// address with a `linux_banner`, and a "module" (a relocatable object with `.modinfo`), each built
// into a directory the test chooses. Enough for the wrong-binary checks and the debug-root layouts.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The build string a stand-in's banner carries, as `uname -v` would show it. */
export function standInVersion(release: string): string {
  return `#1 SMP PREEMPT_DYNAMIC Debian ${release.split('-')[0]}-1 (2026-01-01)`;
}

export interface StandInOptions {
  /** The GNU build-id (hex) to link in, as `ld --build-id=0x...` does. */
  buildId?: string;
}

/**
 * Builds `out` as a vmlinux of `release`: text where the architecture's kernel links it (x86_64
 * 0xffffffff81000000, or 0xffff800008000000 with an aarch64 cross compiler), `linux_banner`, a
 * function `do_thing`.
 */
export function buildStandInVmlinux(out: string, release: string, compiler = 'gcc', options: StandInOptions = {}): string {
  const dir = path.dirname(out);
  mkdirSync(dir, { recursive: true });
  const src = path.join(dir, `stand-in-${path.basename(out)}.c`);
  writeFileSync(
    src,
    `const char linux_banner[] = "Linux version ${release} (builder@host) (gcc 12) ${standInVersion(release)}\\n";
volatile int sink;
__attribute__((noinline)) int do_thing(int x)
{
	sink = x;
	return x + 1;
}
void start_kernel(void)
{
	do_thing(3);
	for (;;);
}
`,
  );
  const placement = compiler.startsWith('aarch64') ? ['-Wl,-Ttext-segment=0xffff800008000000'] : ['-mcmodel=kernel', '-Wl,-Ttext-segment=0xffffffff81000000'];
  const buildId = options.buildId ? [`-Wl,--build-id=0x${options.buildId}`] : [];
  execFileSync(compiler, ['-g', '-O2', ...placement, ...buildId, '-fno-pie', '-no-pie', '-nostdlib', '-static', '-Wl,-e,start_kernel', '-o', out, src], { stdio: 'pipe' });
  return out;
}

/**
 * Builds `out` as a module built for `release`: `.modinfo` with vermagic and srcversion, a function
 * `mod_fault`; with a build-id, linked as kbuild links a `.ko` (`ld -r --build-id`).
 */
export function buildStandInModule(out: string, release: string, srcversion = 'A1B2C3D4E5F60718293A4B5', options: StandInOptions = {}): string {
  const dir = path.dirname(out);
  mkdirSync(dir, { recursive: true });
  const src = path.join(dir, `${path.basename(out).replace(/\..*$/, '')}.c`);
  writeFileSync(
    src,
    `static const char modinfo[] __attribute__((section(".modinfo"), used)) =
	"vermagic=${release} SMP preempt mod_unload modversions\\0srcversion=${srcversion}\\0name=${path.basename(out).replace(/\..*$/, '')}";
volatile int *target;
int mod_fault(int v)
{
	*target = v;
	return v + 2;
}
`,
  );
  if (!options.buildId) {
    execFileSync('gcc', ['-g', '-O2', '-c', '-o', out, src], { stdio: 'pipe', cwd: dir });
    return out;
  }
  const obj = `${src.replace(/\.c$/, '')}.o`;
  execFileSync('gcc', ['-g', '-O2', '-c', '-o', obj, src], { stdio: 'pipe', cwd: dir });
  execFileSync('ld', ['-r', `--build-id=0x${options.buildId}`, '-o', out, obj], { stdio: 'pipe', cwd: dir });
  return out;
}

/** An oops of a stand-in kernel of `release`: `do_thing` faulted, called from `start_kernel`. */
export function standInOops(release: string): string {
  return [
    'BUG: kernel NULL pointer dereference, address: 0000000000000000',
    'Oops: 0002 [#1] PREEMPT SMP NOPTI',
    `CPU: 0 PID: 1 Comm: init Not tainted ${release} ${standInVersion(release)}`,
    'RIP: 0010:do_thing+0x4/0x10',
    'Call Trace:',
    ' <TASK>',
    ' start_kernel+0x9/0x10',
    ' </TASK>',
    '',
  ].join('\n');
}

/**
 * An oops of a stand-in kernel of `release` whose stand-in module `module` faulted in `mod_fault`,
 * called from `do_thing`; the module frame carries `[module buildId]` when a build-id is given
 * (CONFIG_STACKTRACE_BUILD_ID).
 */
export function standInModuleOops(release: string, module: string, buildId?: string): string {
  return [
    'BUG: kernel NULL pointer dereference, address: 0000000000000000',
    'Oops: 0002 [#1] PREEMPT SMP NOPTI',
    `CPU: 0 PID: 1 Comm: init Tainted: G           O       ${release} ${standInVersion(release)}`,
    `RIP: 0010:mod_fault+0x4/0x10 [${module}${buildId ? ` ${buildId}` : ''}]`,
    'Call Trace:',
    ' <TASK>',
    ' do_thing+0x4/0x10',
    ' start_kernel+0x9/0x10',
    ' </TASK>',
    '',
  ].join('\n');
}
