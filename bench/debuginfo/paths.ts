// Where the Debian 6.1.187-1 debug package is unpacked by scripts/fetch-debian.sh dbg.
import { homedir } from 'node:os';
import path from 'node:path';

export const release = '6.1.0-53-cloud-amd64';
export const dbgRoot = path.join(homedir(), '.cache/crashnav/pkg/dbg/usr/lib/debug');
export const vmlinuxPath = path.join(dbgRoot, 'boot', `vmlinux-${release}`);
export const modulesPath = path.join(dbgRoot, 'lib/modules', release);
