// Where scripts/fetch-debian.sh unpacks the Debian debug package and source tree of the kernel the
// benches run on: CRASHNAV_KERNEL, as for the script (6.1.187-1 by default, or 6.12 for 6.12.118-1~deb12u1).
import { homedir } from 'node:os';
import path from 'node:path';

const kernels = {
  '6.1': { release: '6.1.0-53-cloud-amd64', version: '6.1.187-1', pkg: 'pkg' },
  '6.12': { release: '6.12.118+deb12-cloud-amd64', version: '6.12.118-1~deb12u1', pkg: 'pkg-6.12' },
} as const;
const name = process.env.CRASHNAV_KERNEL || '6.1';
if (!(name in kernels)) throw new Error(`CRASHNAV_KERNEL=${name}: the benches know ${Object.keys(kernels).join(', ')}`);
const kernel = kernels[name as keyof typeof kernels];

export const release = kernel.release;
const cacheRoot = process.env.CRASHNAV_CACHE ?? path.join(homedir(), '.cache/crashnav');
export const dbgRoot = path.join(cacheRoot, kernel.pkg, 'dbg/usr/lib/debug');
/** The matching source tree (scripts/fetch-debian.sh source). */
export const sourceTreePath = path.join(cacheRoot, `linux-source-${kernel.version}`);
export const vmlinuxPath = path.join(dbgRoot, 'boot', `vmlinux-${release}`);
export const modulesPath = path.join(dbgRoot, 'lib/modules', release);
/** The command that fetches the debug package, for the benches' "missing" errors. */
export const fetchDbgCommand = `scripts/fetch-debian.sh${name === '6.1' ? '' : ` --kernel ${name}`} dbg`;
