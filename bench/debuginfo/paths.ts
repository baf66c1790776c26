// Where scripts/fetch-debian.sh unpacks the Debian 6.1.187-1 debug package and source tree.
import { homedir } from 'node:os';
import path from 'node:path';

export const release = '6.1.0-53-cloud-amd64';
const cacheRoot = path.join(homedir(), '.cache/crashnav');
export const dbgRoot = path.join(cacheRoot, 'pkg/dbg/usr/lib/debug');
/** The matching source tree (scripts/fetch-debian.sh source). */
export const sourceTreePath = path.join(cacheRoot, 'linux-source-6.1.187-1');
export const vmlinuxPath = path.join(dbgRoot, 'boot', `vmlinux-${release}`);
export const modulesPath = path.join(dbgRoot, 'lib/modules', release);
