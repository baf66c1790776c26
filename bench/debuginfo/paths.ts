// Where scripts/fetch-debian.sh unpacks the Debian debug package and source tree of the kernel the
// benches run on: CRASHNAV_KERNEL, as for the script (6.1.187-1 by default, or 6.12 for 6.12.118-1~deb12u1),
// and CRASHNAV_ARCH (amd64 by default, or arm64: the script's --arch arm64, unpacked beside the amd64 one).
import { homedir } from 'node:os';
import path from 'node:path';

const kernels = {
  '6.1': { abi: '6.1.0-53-cloud', version: '6.1.187-1', pkg: 'pkg' },
  '6.12': { abi: '6.12.118+deb12-cloud', version: '6.12.118-1~deb12u1', pkg: 'pkg-6.12' },
} as const;
const name = process.env.CRASHNAV_KERNEL || '6.1';
if (!(name in kernels)) throw new Error(`CRASHNAV_KERNEL=${name}: the benches know ${Object.keys(kernels).join(', ')}`);
const kernel = kernels[name as keyof typeof kernels];
const arch = process.env.CRASHNAV_ARCH || 'amd64';
if (arch !== 'amd64' && arch !== 'arm64') throw new Error(`CRASHNAV_ARCH=${arch}: the benches know amd64, arm64`);

export const release = `${kernel.abi}-${arch}`;
const cacheRoot = process.env.CRASHNAV_CACHE ?? path.join(homedir(), '.cache/crashnav');
export const dbgRoot = path.join(cacheRoot, arch === 'amd64' ? kernel.pkg : `${kernel.pkg}-${arch}`, 'dbg/usr/lib/debug');
/** The matching source tree (scripts/fetch-debian.sh source); one tree serves both architectures. */
export const sourceTreePath = path.join(cacheRoot, `linux-source-${kernel.version}`);
export const vmlinuxPath = path.join(dbgRoot, 'boot', `vmlinux-${release}`);
export const modulesPath = path.join(dbgRoot, 'lib/modules', release);
/** The command that fetches the debug package, for the benches' "missing" errors. */
export const fetchDbgCommand = `scripts/fetch-debian.sh${name === '6.1' ? '' : ` --kernel ${name}`}${arch === 'amd64' ? '' : ` --arch ${arch}`} dbg`;
