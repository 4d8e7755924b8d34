#!/usr/bin/env bash
# Builds local stand-ins for the Cloud Build step images that cloudbuild.yaml names
# besides Node's, with the same names, for machines that reach no container registry
# but do reach Debian's packages:
#   - gcr.io/cloud-builders/docker: Debian and Debian's docker CLI (the client only,
#     taken from the docker.io package), entrypoint `docker`. A step talks to the engine
#     through /var/run/docker.sock, which the local Cloud Build mounts into every step,
#     as Cloud Build does.
#   - gcr.io/google.com/cloudsdktool/cloud-sdk:slim: Debian, python3 and bash, with
#     gcloud where the real image has it (/usr/lib/google-cloud-sdk, /usr/bin/gcloud)
#     but not in the image: the local Cloud Build mounts this machine's own Cloud SDK
#     there, read-only, with every API endpoint overridden to localcloud (the image's
#     label org.maskops.cloud-sdk-mount tells it where).
# Both start from the Debian root that `pnpm images:base` debootstraps (the first layer
# of node:24-bookworm-slim), so that runs first (it returns at once when up to date).
#
# Cached by content: each image carries a label hashed from this script and the Debian
# root's id; a re-run with both up to date returns at once.
#
#   bash scripts/images-steps.sh      (pnpm images:steps; needs docker, root for images:base)
set -euo pipefail

DOCKER_IMAGE=gcr.io/cloud-builders/docker
SDK_IMAGE=gcr.io/google.com/cloudsdktool/cloud-sdk:slim
SDK_DIR=/usr/lib/google-cloud-sdk
LABEL=org.maskops.steps-key
MOUNT_LABEL=org.maskops.cloud-sdk-mount

say() { printf 'images:steps: %s\n' "$*"; }
die() {
  printf 'images:steps: %s\n' "$*" >&2
  exit 1
}

command -v docker >/dev/null || die "needs docker (Debian: apt-get install docker.io)"
docker info >/dev/null 2>&1 || die "no Docker Engine answers (start dockerd)"

here=$(cd "$(dirname "$0")" && pwd)
bash "$here/images-base.sh"

# The Debian root is the bottom layer of node:24-bookworm-slim, kept under its own name
# (maskops-base-rootfs:KEY) by images-base.sh.
root_id=$(docker history --quiet --no-trunc node:24-bookworm-slim | tail -1)
rootfs=$(docker image ls --format '{{.Repository}}:{{.Tag}} {{.ID}}' --no-trunc maskops-base-rootfs |
  awk -v id="$root_id" '$2 == id { print $1; exit }')
[ -n "$rootfs" ] || die "the Debian root of node:24-bookworm-slim is gone: remove that image and run pnpm images:base"

key=$( (
  cat "$0"
  echo "$root_id"
) | sha256sum | cut -c1-16)
label_of() { docker image inspect --format "{{ index .Config.Labels \"$LABEL\" }}" "$1" 2>/dev/null || true; }
if [ "$(label_of "$DOCKER_IMAGE")" = "$key" ] && [ "$(label_of "$SDK_IMAGE")" = "$key" ]; then
  say "$DOCKER_IMAGE and $SDK_IMAGE are up to date ($key, on $rootfs)"
  exit 0
fi

work=$(mktemp -d /var/tmp/maskops-steps.XXXXXX)
trap 'rm -rf "${work:?}"' EXIT
old_ids=$(docker image inspect --format '{{.Id}}' "$DOCKER_IMAGE" "$SDK_IMAGE" 2>/dev/null || true)

# Legacy builder and host networking: no registry, no bridge network here.
build() { DOCKER_BUILDKIT=0 docker build --quiet --network host --force-rm "$@" >/dev/null; }
# Debian's lists, fetched in the RUN that uses them and dropped in it.
APT_CLEAN='rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/apt/archives/*.deb /var/log/apt /var/log/dpkg.log'

# The engine here has no bridge network (the daemon runs with --bridge=none), where
# Cloud Build's gives a step's `docker build` and `docker run` the network: so a
# `build`, `run` or `create` that names no network gets the host's. Everything else,
# and every argument, goes to Debian's docker CLI as given.
mkdir -p "$work/docker"
cat >"$work/docker/docker-entrypoint" <<'EOF'
#!/bin/sh
case "$1" in
  build | run | create)
    for arg in "$@"; do
      case "$arg" in --network | --network=* | --net | --net=*) exec /usr/bin/docker "$@" ;; esac
    done
    cmd=$1
    shift
    exec /usr/bin/docker "$cmd" --network=host "$@"
    ;;
esac
exec /usr/bin/docker "$@"
EOF
chmod 755 "$work/docker/docker-entrypoint"

say "$DOCKER_IMAGE (Debian's docker CLI)"
build --tag "$DOCKER_IMAGE" --file - "$work/docker" <<EOF
FROM $rootfs
RUN set -eu; export DEBIAN_FRONTEND=noninteractive; cd /tmp; \
    apt-get update -qq; \
    apt-get download docker.io >/dev/null; \
    dpkg-deb --fsys-tarfile docker.io_*.deb | tar -x -C / ./usr/bin/docker; \
    rm docker.io_*.deb; $APT_CLEAN; \
    docker --version
COPY docker-entrypoint /usr/local/bin/docker-entrypoint
LABEL $LABEL=$key
ENTRYPOINT ["/usr/local/bin/docker-entrypoint"]
EOF

say "$SDK_IMAGE (python3; gcloud mounted at run time from $SDK_DIR)"
build --tag "$SDK_IMAGE" --file - "$work" <<EOF
FROM $rootfs
RUN set -eu; export DEBIAN_FRONTEND=noninteractive; \
    apt-get update -qq; \
    apt-get install -y -qq --no-install-recommends python3 >/dev/null; \
    $APT_CLEAN; \
    mkdir -p $SDK_DIR; \
    for tool in gcloud gsutil bq; do ln -s ../lib/google-cloud-sdk/bin/\$tool /usr/bin/\$tool; done
ENV CLOUDSDK_PYTHON=/usr/bin/python3
LABEL $LABEL=$key $MOUNT_LABEL=$SDK_DIR
EOF

# The images these names had before, unless a cached build gave one the same id.
new_ids=$(docker image inspect --format '{{.Id}}' "$DOCKER_IMAGE" "$SDK_IMAGE")
for id in $old_ids; do
  grep -qx "$id" <<<"$new_ids" || docker image rm "$id" >/dev/null 2>&1 || true
done
say "built $DOCKER_IMAGE and $SDK_IMAGE ($key)"
docker image ls --format '  {{.Repository}}:{{.Tag}} {{.Size}}' |
  grep -E '^  gcr\.io/(cloud-builders/docker|google\.com/cloudsdktool/cloud-sdk):' || true
