// Which distribution built a kernel, read from its release string, and how to get that kernel's debug
// package. Only a release in a distribution's own scheme (Debian's `6.1.0-28-amd64`, Fedora's
// `6.8.5-301.fc40.x86_64`, ...) names one; anything else (a -next or -rc tree, a `+` or -dirty tree, a plain
// `6.12.0`, syzkaller's builds) was built by someone who has its vmlinux, and gets no package.

/** A distribution's debug package for a kernel release: how to install it and where its vmlinux lands. */
export interface DebugPackage {
  distribution: string;
  install: string;
  vmlinux: string;
}

interface ReleaseScheme {
  pattern: RegExp;
  package: (release: string, m: RegExpExecArray) => DebugPackage;
}

const upstream = String.raw`\d+\.\d+(?:\.\d+)?`;
const debianFlavour = String.raw`(?:(?:rt|cloud)-)?(?:amd64|arm64|686(?:-pae)?|armmp(?:-lpae)?|armel|marvell|rpi|powerpc64le(?:-64k)?|ppc64el|s390x|loong64|riscv64|mips64r2el|octeon|loongson-3|[45]kc-malta)`;
const ubuntuFlavour = String.raw`(?:generic|lowlatency|aws|azure|gcp|gke|gkeop|oracle|kvm|raspi|ibm|nvidia|oem|intel|realtime|bluefield|xilinx)(?:-[a-z0-9]+)*`;
const redHatArch = String.raw`(?:x86_64|aarch64|ppc64le|ppc64|s390x|armv7hl|i686)`;

/** Release schemes, each anchored at both ends: a local `+` or `-dirty` tree on a distribution's config does not match. */
const schemes: ReleaseScheme[] = [
  {
    // 6.1.0-28-amd64, 6.1.0-0.deb11.17-amd64 (backports), 6.12.41+deb13-amd64, 6.12.9+bpo-amd64.
    pattern: new RegExp(String.raw`^${upstream}(?:-\d+|-0\.deb\d+\.\d+|\+deb\d+|\+bpo)-${debianFlavour}$`),
    package: (r) => ({ distribution: 'Debian', install: `apt install linux-image-${r}-dbg`, vmlinux: `/usr/lib/debug/boot/vmlinux-${r}` }),
  },
  {
    // 5.15.0-91-generic, 6.8.0-1015-aws; mainline builds (6.8.0-060800-generic) have no debug package.
    pattern: new RegExp(String.raw`^${upstream}-(?!0\d{5})\d+-${ubuntuFlavour}$`),
    package: (r) => ({
      distribution: 'Ubuntu',
      install: `add the ddebs.ubuntu.com repository, apt install linux-image-${r}-dbgsym`,
      vmlinux: `/usr/lib/debug/boot/vmlinux-${r}`,
    }),
  },
  {
    // 6.8.5-301.fc40.x86_64, 6.9.0-0.rc2.20240403git.1.fc41.x86_64 (rawhide), 4.0.5-300.fc22.x86_64+debug.
    pattern: new RegExp(String.raw`^${upstream}-[\w.]+\.fc\d+\.${redHatArch}(\+debug)?$`),
    package: (r, m) => ({ distribution: 'Fedora', install: `dnf debuginfo-install ${redHatPackage(r, m[1])}`, vmlinux: `/usr/lib/debug/lib/modules/${r}/vmlinux` }),
  },
  {
    // 5.14.0-362.8.1.el9_3.x86_64, 3.10.0-1160.el7.x86_64, 5.15.0-200.131.27.el9uek.x86_64 (Oracle's UEK).
    pattern: new RegExp(String.raw`^${upstream}-[\w.]+\.el(\d+)(?:_\d+)?(uek)?\.${redHatArch}(\+debug|\+rt)?$`),
    package: (r, m) => ({
      distribution: 'RHEL and rebuilds',
      install: `${Number(m[1]) <= 7 ? 'debuginfo-install' : 'dnf debuginfo-install'} ${redHatPackage(r, m[3], m[2])} (with the debug repository enabled)`,
      vmlinux: `/usr/lib/debug/lib/modules/${r}/vmlinux`,
    }),
  },
  {
    // 5.14.21-150500.55.39-default, 6.4.0-150600.23.7-default, 6.8.0-1-default (Tumbleweed).
    pattern: new RegExp(String.raw`^${upstream}-\d+(?:\.\d+)*-(default|azure|rt|64kb|kvmsmall)$`),
    package: (r, m) => ({ distribution: 'SUSE', install: `zypper install kernel-${m[1]}-debuginfo (the version of ${r})`, vmlinux: `/usr/lib/debug/boot/vmlinux-${r}.debug` }),
  },
];

/** Red Hat names a debug or UEK kernel's package by its variant: kernel-debug-6.8.5-301.fc40.x86_64. */
function redHatPackage(release: string, variant: string | undefined, uek?: string): string {
  const base = variant ? release.slice(0, -variant.length) : release;
  return `kernel-${uek ? 'uek-' : ''}${variant ? `${variant.slice(1)}-` : ''}${base}`;
}

/** The distribution debug package of a kernel release, or undefined when no distribution ships that release. */
export function debugPackageOf(release: string): DebugPackage | undefined {
  for (const s of schemes) {
    const m = s.pattern.exec(release);
    if (m) return s.package(release, m);
  }
  return undefined;
}
