#!/bin/sh
# Installs code-server (VS Code in the browser) from npm for scripts/vscode/e2e.ts, on a machine that reaches
# the npm registry but not GitHub. code-server's own postinstall fails there twice: kerberos needs the Kerberos
# headers (Debian libkrb5-dev) and @vscode/ripgrep downloads rg from GitHub releases. So the packages are
# installed without scripts, rg is Debian's (ripgrep), and the postinstall's steps are run here.
#
#   scripts/vscode/install-code-server.sh [PREFIX]    (default ~/.cache/crashnav/code-server)
#
# 4.100.3 is the last 4.x release whose engines accept Node 20 (4.104 wants 22, the latest 24).
set -eu

version=4.100.3
prefix=${1:-$HOME/.cache/crashnav/code-server}
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" = 20 ] || { echo "install-code-server: code-server $version needs Node 20, this is Node $node_major" >&2; exit 1; }
for need in /usr/include/gssapi/gssapi.h:libkrb5-dev /usr/bin/rg:ripgrep; do
  [ -e "${need%%:*}" ] || { echo "install-code-server: ${need%%:*} is missing (apt-get install ${need#*:})" >&2; exit 1; }
done

mkdir -p "$prefix"
npm install --prefix "$prefix" --ignore-scripts "code-server@$version"
(cd "$prefix" && npm rebuild argon2)

vscode=$prefix/node_modules/code-server/lib/vscode
cd "$vscode"
npm install --omit=dev --ignore-scripts
# @vscode/ripgrep's postinstall skips the download when bin/ exists.
mkdir -p node_modules/@vscode/ripgrep/bin
ln -sf /usr/bin/rg node_modules/@vscode/ripgrep/bin/rg
# node-pty's post-install runs `npx node-gyp`, which asks before fetching node-gyp.
npm_config_yes=true npm rebuild
# The rest of code-server's postinstall.sh (vscode_install).
rm -rf node_modules.asar && ln -s node_modules node_modules.asar
(cd bin/remote-cli && rm -f code-server && ln -s code-linux.sh code-server)
(cd bin/helpers && rm -f browser.sh && ln -s browser-linux.sh browser.sh)
(cd extensions && npm install --omit=dev)

"$prefix/node_modules/.bin/code-server" --version
