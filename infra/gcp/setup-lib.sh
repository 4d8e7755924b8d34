# shellcheck shell=bash
# The longer checks and steps of infra/gcp/setup.sh, which sources this file and
# defines what they use (the options, run, lookup, probe, exists, fail).

# Kubernetes objects setup.sh writes besides the manifests.
OPTIONS_CONFIGMAP=maskops-setup
TOKEN_SECRET_NAME=inference-api-tokens
# Server-side apply: setup.sh's own field manager; the deployer's, which owns the
# containers' image and the canary's replicas (its patches, and the hand-off below).
FIELD_MANAGER=maskops-setup
DEPLOYER_FIELD_MANAGER=maskops-deployer

# ---------------------------------------------------------------- checks (run no command)

check_serving_options() {
  case "$EXPOSURE" in
    '' | internal | public | public-http) ;;
    *) fail "--exposure must be internal, public or public-http, not \"$EXPOSURE\"" ;;
  esac
  if [ "$EXPOSURE" = public ] && [ -z "$DOMAIN" ]; then
    fail "--exposure public needs --domain NAME (the hostname its certificate is for)"
  fi
  if [ -n "$DOMAIN" ]; then
    [ "$EXPOSURE" = public ] || fail "--domain goes with --exposure public"
    check_domain
  fi
  if [ "$CANARY" = 1 ] && [ "$POD_MONITORING" = 0 ]; then
    fail "conflicting options: --canary is judged on the pods' metrics, so it needs pod monitoring (drop --no-pod-monitoring)"
  fi
}

# check_domain: DOMAIN is a hostname (lower-cased), and names the Certificate Manager
# objects (CERT_NAME: letters, digits and hyphens, at most 63).
check_domain() {
  DOMAIN="$(printf '%s' "$DOMAIN" | tr '[:upper:]' '[:lower:]')"
  local label='[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?'
  if [ "${#DOMAIN}" -gt 253 ] || ! [[ "$DOMAIN" =~ ^(${label}\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$ ]]; then
    fail "--domain \"$DOMAIN\" is not a hostname such as api.example.com"
  fi
  CERT_NAME="maskops-${DOMAIN//./-}"
  [ "${#CERT_NAME}" -le 63 ] ||
    fail "--domain \"$DOMAIN\" is too long to name its Certificate Manager objects (at most 55 characters)"
}

check_trigger_options() {
  if [ -n "$GITHUB_OWNER$GITHUB_REPO" ] && { [ -z "$GITHUB_OWNER" ] || [ -z "$GITHUB_REPO" ]; }; then
    fail "--github-owner and --github-repo go together (a 1st gen repository)"
  fi
  [ -n "$REPOSITORY" ] || return 0
  [ -z "$GITHUB_OWNER" ] ||
    fail "conflicting options: --repository (2nd gen) and --github-owner/--github-repo (1st gen)"
  [[ "$REPOSITORY" =~ ^projects/[a-z0-9-]+/locations/([a-z0-9-]+)/connections/[A-Za-z0-9_-]+/repositories/[A-Za-z0-9._-]+$ ]] ||
    fail "--repository must be projects/P/locations/R/connections/C/repositories/NAME"
  # A 2nd gen trigger lives in its connection's region.
  [ "${BASH_REMATCH[1]}" = "$REGION" ] ||
    fail "--repository is in ${BASH_REMATCH[1]}, and its trigger must be too: pass --region ${BASH_REMATCH[1]}"
}

check_token_options() {
  [ -z "$TOKEN_FILE" ] || [ -z "$TOKEN_SECRET" ] || fail "conflicting options: --token-file and --token-secret"
  if [ -n "$TOKEN_FILE" ]; then
    [ -f "$TOKEN_FILE" ] && [ -r "$TOKEN_FILE" ] || fail "--token-file $TOKEN_FILE is not a readable file"
    check_tokens "$TOKEN_FILE" "--token-file $TOKEN_FILE"
  fi
  if [ -n "$TOKEN_SECRET" ] && ! [[ "$TOKEN_SECRET" =~ ^[A-Za-z0-9_-]{1,255}$ ]]; then
    fail "--token-secret must be the name of a Secret Manager secret of this project"
  fi
}

# check_tokens FILE LABEL: FILE is what inference-api's API_TOKENS_FILE accepts (one
# token a line, # comments and blank lines ignored, each 16 to 4096 visible ASCII
# characters) and what a Secret holds (1 MiB). Says where, never what.
check_tokens() {
  local LC_ALL=C line n=0 count=0
  [ "$(wc -c <"$1")" -le 1048576 ] || fail "$2 is larger than a Kubernetes Secret holds (1 MiB)"
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line%"${line##*[![:space:]]}"}"
    [ -n "$line" ] && [ "${line:0:1}" != '#' ] || continue
    # (The length apart: some regex libraries stop counting repetitions at 255.)
    [ "${#line}" -ge 16 ] && [ "${#line}" -le 4096 ] && [[ "$line" =~ ^[!-~]+$ ]] ||
      fail "$2: line $n is not a token (16 to 4096 visible ASCII characters without spaces)"
    count=$((count + 1))
  done <"$1"
  [ "$count" -gt 0 ] || fail "$2 holds no token"
}

check_build_options() {
  [ "$REBUILD" = 0 ] || [ "$SKIP_BUILD" = 0 ] || fail "conflicting options: --rebuild and --skip-build"
  [ "$REBUILD" = 1 ] && [ "$ALLOW_DIRTY" = 0 ] || return 0
  local status
  status="$(git -C "$ROOT" status --porcelain 2>/dev/null)" ||
    fail "--rebuild: cannot tell whether ${ROOT} has uncommitted changes (not a git work tree); add --allow-dirty to build it anyway"
  [ -z "$status" ] ||
    fail "--rebuild: the working tree has uncommitted changes; commit them, or add --allow-dirty to build them too"
}

# ---------------------------------------------------------------- this install's state

# read_install_state: CURRENT_IMAGE (empty: a new install) and the STORED_* options
# of an earlier run; for an install from before they were stored, what its Service
# and function show.
read_install_state() {
  CURRENT_IMAGE="$(lookup '' kubectl -n "$NAMESPACE" get deployment "$DEPLOYMENT" --ignore-not-found \
    -o "jsonpath={.spec.template.spec.containers[?(@.name==\"${CONTAINER}\")].image}")"
  local stored
  stored="$(lookup '' kubectl -n "$NAMESPACE" get configmap "$OPTIONS_CONFIGMAP" --ignore-not-found \
    -o 'jsonpath={.data.exposure}{"\n"}{.data.domain}{"\n"}{.data.canary}{"\n"}{.data.podMonitoring}{"\n"}{.data.modelUri}{"\n"}{.data.modelBucket}')"
  local canary pod_monitoring
  {
    IFS= read -r STORED_EXPOSURE || true
    IFS= read -r STORED_DOMAIN || true
    IFS= read -r canary || true
    IFS= read -r pod_monitoring || true
    IFS= read -r STORED_MODEL_URI || true
    IFS= read -r STORED_MODEL_BUCKET || true
  } <<<"$stored"
  STORED_CANARY="$(from_bool "$canary")"
  STORED_POD_MONITORING="$(from_bool "$pod_monitoring")"
  STORED_RECORDED=0
  [ -z "$STORED_EXPOSURE" ] || STORED_RECORDED=1
  if [ -n "$CURRENT_IMAGE" ] && [ "$STORED_RECORDED" = 0 ]; then
    case "$(probe '' kubectl -n "$NAMESPACE" get service "$DEPLOYMENT" \
      -o 'jsonpath={.spec.type}/{.metadata.annotations.networking\.gke\.io/load-balancer-type}')" in
      LoadBalancer/Internal) STORED_EXPOSURE=internal ;;
      LoadBalancer/*) STORED_EXPOSURE=public-http ;;
    esac
    [ "$(probe '' gcloud functions describe "$FUNCTION" --gen2 --region "$REGION" --project "$PROJECT" \
      --format='value(serviceConfig.environmentVariables.ROLLOUT_STRATEGY)')" = canary ] &&
      STORED_CANARY=1
    [ -z "$(probe '' kubectl -n "$NAMESPACE" get podmonitoring "$DEPLOYMENT" -o name)" ] ||
      STORED_POD_MONITORING=1
  fi
}

from_bool() { case "$1" in true) echo 1 ;; false) echo 0 ;; esac }
to_bool() { if [ "$1" = 1 ]; then echo true; else echo false; fi }

# merge_options: an option given now wins, else the stored one, else the default.
merge_options() {
  if [ -z "$EXPOSURE" ]; then
    EXPOSURE="${STORED_EXPOSURE:-internal}"
    if [ "$EXPOSURE" = public ]; then
      DOMAIN="$STORED_DOMAIN"
      [ -n "$DOMAIN" ] || fail "this install's exposure is public but no domain is stored: pass --exposure public --domain NAME"
      check_domain
    fi
  fi
  CANARY="${CANARY:-${STORED_CANARY:-0}}"
  if [ -z "$POD_MONITORING" ]; then
    POD_MONITORING="${STORED_POD_MONITORING:-0}"
    [ "$CANARY" = 0 ] || POD_MONITORING=1
  fi
  [ "$CANARY" = 0 ] || [ "$POD_MONITORING" = 1 ] ||
    fail "--no-pod-monitoring: this install runs canaries, which are judged on the pods' metrics; add --no-canary"
  [ "$MODEL_URI_SET" = 1 ] || MODEL_URI="$STORED_MODEL_URI"
  if [ -z "$MODEL_BUCKET" ] && [ -n "$STORED_MODEL_BUCKET" ]; then
    MODEL_BUCKET="$STORED_MODEL_BUCKET"
    check_model_bucket
  fi
}

# report_option_changes: the options in force, and on a re-run what changes.
report_option_changes() {
  local now
  now="exposure ${EXPOSURE}${DOMAIN:+ (${DOMAIN})}, canary $(on_off "$CANARY"), pod monitoring $(on_off "$POD_MONITORING"), model ${MODEL_URI:-the demo model}${MODEL_BUCKET:+, model rollouts from ${MODEL_BUCKET}}"
  if [ -z "$CURRENT_IMAGE" ]; then
    echo "# a new install: ${now}"
    return
  fi
  [ "$STORED_RECORDED" = 1 ] ||
    echo "# this install's options were not recorded (an older setup.sh); read from its Service and function"
  local changed=0 old_exposure="${STORED_EXPOSURE:-unknown}${STORED_DOMAIN:+ (${STORED_DOMAIN})}"
  if [ "$old_exposure" != "${EXPOSURE}${DOMAIN:+ (${DOMAIN})}" ]; then
    changed=1
    printf '# change: exposure %s -> %s' "$old_exposure" "${EXPOSURE}${DOMAIN:+ (${DOMAIN})}"
    case "$EXPOSURE" in
      internal) echo ': the Service gets a new address, inside the VPC only' ;;
      public) echo ": the Service becomes ClusterIP behind a Gateway; point ${DOMAIN} at the Gateway's address" ;;
      public-http) echo ': the Service gets a new, public address in plain HTTP' ;;
    esac
  fi
  if [ "${STORED_CANARY:-0}" != "$CANARY" ]; then
    changed=1
    echo "# change: canary $(on_off "${STORED_CANARY:-0}") -> $(on_off "$CANARY") (ROLLOUT_STRATEGY=$([ "$CANARY" = 1 ] && echo canary || echo rolling))"
  fi
  if [ "${STORED_POD_MONITORING:-0}" != "$POD_MONITORING" ]; then
    changed=1
    echo "# change: pod monitoring $(on_off "${STORED_POD_MONITORING:-0}") -> $(on_off "$POD_MONITORING")"
  fi
  if [ "$STORED_RECORDED" = 1 ] && [ "$STORED_MODEL_URI" != "$MODEL_URI" ]; then
    changed=1
    echo "# change: model ${STORED_MODEL_URI:-the demo model} -> ${MODEL_URI:-the demo model} (for the builds from now on)"
  fi
  if [ "${STORED_MODEL_BUCKET:-}" != "$MODEL_BUCKET" ]; then
    changed=1
    echo "# change: model rollouts ${STORED_MODEL_BUCKET:-off} -> ${MODEL_BUCKET} (a second trigger; the pods may read gs://${MODEL_BUCKET_NAME})"
  fi
  [ "$changed" = 1 ] || echo "# options unchanged: ${now}"
}

on_off() { if [ "$1" = 1 ]; then echo on; else echo off; fi }

# ---------------------------------------------------------------- public exposure

# ensure_certificate: the Gateway API on the cluster, and a Google-managed certificate
# for DOMAIN in a certificate map (DNS authorization, so it is issued before the
# Gateway has an address).
# https://cloud.google.com/certificate-manager/docs/deploy-google-managed-dns-auth
ensure_certificate() {
  run gcloud services enable certificatemanager.googleapis.com --project "$PROJECT"
  local channel
  channel="$(lookup '' gcloud container clusters describe "$CLUSTER" --location "$LOCATION" --project "$PROJECT" \
    --format='value(networkConfig.gatewayApiConfig.channel)')"
  if [ "$channel" != CHANNEL_STANDARD ]; then
    run gcloud container clusters update "$CLUSTER" --location "$LOCATION" --project "$PROJECT" --gateway-api=standard
  fi
  if ! exists gcloud certificate-manager dns-authorizations describe "$CERT_NAME" --project "$PROJECT"; then
    run gcloud certificate-manager dns-authorizations create "$CERT_NAME" --domain "$DOMAIN" --project "$PROJECT"
  fi
  if ! exists gcloud certificate-manager certificates describe "$CERT_NAME" --project "$PROJECT"; then
    run gcloud certificate-manager certificates create "$CERT_NAME" --domains "$DOMAIN" \
      --dns-authorizations "$CERT_NAME" --project "$PROJECT"
  fi
  if ! exists gcloud certificate-manager maps describe "$CERT_NAME" --project "$PROJECT"; then
    run gcloud certificate-manager maps create "$CERT_NAME" --project "$PROJECT"
  fi
  if ! exists gcloud certificate-manager maps entries describe "$CERT_NAME" --map "$CERT_NAME" --project "$PROJECT"; then
    run gcloud certificate-manager maps entries create "$CERT_NAME" --map "$CERT_NAME" \
      --certificates "$CERT_NAME" --hostname "$DOMAIN" --project "$PROJECT"
  fi
  DNS_AUTH_RECORD="$(lookup 'NAME CNAME DATA' gcloud certificate-manager dns-authorizations describe "$CERT_NAME" \
    --project "$PROJECT" --format='value(dnsResourceRecord.name,dnsResourceRecord.type,dnsResourceRecord.data)')"
}

# ---------------------------------------------------------------- Kubernetes

# ensure_token_secret: the Secret of API tokens the pods mount. Kept as it is on a
# re-run, replaced by --token-file or --token-secret, generated when missing.
# TOKEN_CREATED=1 when this run wrote it (the end of the run says how to read it).
ensure_token_secret() {
  TOKEN_CREATED=0
  local exists_now verb=create file="$TOKEN_FILE" what
  exists_now="$(lookup '' kubectl -n "$NAMESPACE" get secret "$TOKEN_SECRET_NAME" --ignore-not-found -o name)"
  [ -z "$exists_now" ] || verb=replace
  if [ -z "$TOKEN_FILE$TOKEN_SECRET" ] && [ -n "$exists_now" ]; then
    echo "# ${TOKEN_SECRET_NAME} exists: its tokens are kept"
    return
  fi
  if [ -z "$(lookup '' kubectl get namespace "$NAMESPACE" --ignore-not-found -o name)" ]; then
    run kubectl create namespace "$NAMESPACE"
  fi
  if [ "$DRY_RUN" = 1 ]; then
    what="${TOKEN_FILE:-${TOKEN_SECRET:+the latest version of Secret Manager secret ${TOKEN_SECRET}}}"
    printf '+ kubectl -n %s create secret generic %s --from-file=tokens=FILE --dry-run=client -o yaml | kubectl -n %s %s -f -   # FILE: %s\n' \
      "$NAMESPACE" "$TOKEN_SECRET_NAME" "$NAMESPACE" "$verb" "${what:-a generated token, 32 random bytes in hex (node:crypto)}"
    TOKEN_CREATED=1
    return
  fi
  local dir
  dir="$(umask 077 && mktemp -d)"
  # shellcheck disable=SC2064 # expand now: dir is local
  trap "rm -rf '$dir'" EXIT
  if [ -n "$TOKEN_SECRET" ]; then
    file="$dir/tokens"
    gcloud secrets versions access latest --secret "$TOKEN_SECRET" --project "$PROJECT" >"$file"
    check_tokens "$file" "--token-secret $TOKEN_SECRET"
  elif [ -z "$file" ]; then
    file="$dir/tokens"
    node -e "process.stdout.write(require('node:crypto').randomBytes(32).toString('hex') + '\n')" >"$file"
  fi
  # The token travels in a file and a pipe, never on a command line.
  kubectl -n "$NAMESPACE" create secret generic "$TOKEN_SECRET_NAME" --from-file=tokens="$file" \
    --dry-run=client -o yaml | kubectl -n "$NAMESPACE" "$verb" -f -
  rm -rf "$dir"
  trap - EXIT
  TOKEN_CREATED=1
}

# manifest_components: the kustomize components of the options in force; "reapply"
# (the manifests without the deployer's fields) once the Deployment exists.
manifest_components() {
  COMPONENTS=("../../infra/k8s/components/exposure-${EXPOSURE}")
  [ "$POD_MONITORING" = 1 ] && COMPONENTS+=("../../infra/k8s/components/pod-monitoring")
  [ -z "$MODEL_BUCKET" ] || COMPONENTS+=("../../infra/k8s/components/model-bucket")
  [ -z "$MODEL_BUCKET" ] || [ "$FIRST_APPLY" = 1 ] || COMPONENTS+=("../../infra/k8s/components/model-bucket-reapply")
  [ "$FIRST_APPLY" = 1 ] || COMPONENTS+=("../../infra/k8s/components/reapply")
}

# apply_manifests: infra/k8s with the chosen components, applied server-side as
# setup.sh's field manager. A conflict stops it (it never forces one): a field
# another manager changed stays theirs.
apply_manifests() {
  local image="${CURRENT_IMAGE:-${IMAGE}:${FIRST_TAG}}"
  local substitutions=(-e "s#IMAGE_PLACEHOLDER#${image}#"
    -e "s#DEPLOYER_SA_PLACEHOLDER#${DEPLOYER_SA}#"
    -e "s#DOMAIN_PLACEHOLDER#${DOMAIN}#"
    -e "s#CERTMAP_PLACEHOLDER#${CERT_NAME:-}#"
    -e "s#namespace: maskops#namespace: ${NAMESPACE}#"
    -e "s#^  name: maskops\$#  name: ${NAMESPACE}#")
  if [ "$DRY_RUN" = 1 ]; then
    printf '+ kubectl kustomize %q (components: %s) | sed (IMAGE_PLACEHOLDER=%s, DEPLOYER_SA_PLACEHOLDER=%s, namespace %s%s) | kubectl apply --server-side --field-manager=%s -f -\n' \
      "$OVERLAY_DIR" "${COMPONENTS[*]}" "$image" "$DEPLOYER_SA" "$NAMESPACE" \
      "${DOMAIN:+, DOMAIN_PLACEHOLDER=${DOMAIN}, CERTMAP_PLACEHOLDER=${CERT_NAME}}" "$FIELD_MANAGER"
    return
  fi
  rm -rf "$OVERLAY_DIR"
  mkdir -p "$OVERLAY_DIR"
  {
    printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../infra/k8s\ncomponents:\n'
    printf '  - %s\n' "${COMPONENTS[@]}"
  } >"$OVERLAY_DIR/kustomization.yaml"
  kubectl kustomize "$OVERLAY_DIR" | sed "${substitutions[@]}" |
    kubectl apply --server-side --field-manager="$FIELD_MANAGER" -f -
}

# hand_off_deployer_fields [replicas]: the deployer's field manager applies the
# current image of both Deployments and the canary's replicas (with "replicas", the
# stable Deployment's too, for an install migrated from client-side apply, whose
# replicas are the HPA's). Co-owned, they stay when setup.sh's next apply omits them.
# https://kubernetes.io/docs/reference/using-api/server-side-apply/#transferring-ownership
hand_off_deployer_fields() {
  if [ "$DRY_RUN" = 1 ]; then
    printf '+ kubectl apply --server-side --field-manager=%s -f -   # the current image of %s and %s-canary and the canary replicas%s, as they are\n' \
      "$DEPLOYER_FIELD_MANAGER" "$DEPLOYMENT" "$DEPLOYMENT" "${1:+ and the stable replicas (only after that migration)}"
    return
  fi
  local name state replicas image
  for name in "$DEPLOYMENT" "${DEPLOYMENT}-canary"; do
    # (An install older than the canary track has no canary Deployment yet.)
    state="$(kubectl -n "$NAMESPACE" get deployment "$name" --ignore-not-found \
      -o "jsonpath={.spec.replicas} {.spec.template.spec.containers[?(@.name==\"${CONTAINER}\")].image}")"
    [ -n "$state" ] || continue
    replicas="${state%% *}"
    image="${state#* }"
    printf -- '---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n' "$name" "$NAMESPACE"
    if [ "$name" != "$DEPLOYMENT" ] || [ -n "${1:-}" ]; then printf '  replicas: %s\n' "$replicas"; fi
    printf '  template:\n    spec:\n      containers:\n        - name: %s\n          image: %s\n' "$CONTAINER" "$image"
  done | kubectl apply --server-side --field-manager="$DEPLOYER_FIELD_MANAGER" -f -
}

# migrate_client_side_apply: an install made by client-side `kubectl apply` becomes
# setup.sh's: each object's kubectl-client-side-apply entry in managedFields is renamed
# to setup.sh's apply entry, as `kubectl apply --server-side` migrates its own. Once:
# afterwards no such entry is left. MIGRATED_CSA=1 when the stable Deployment had one.
migrate_client_side_apply() {
  MIGRATED_CSA=0
  if [ "$DRY_RUN" = 1 ]; then
    printf '+ kubectl -n %s patch KIND NAME --type=json   # each object with a kubectl-client-side-apply/Update entry in managedFields: renamed %s/Apply (once, on an install made by client-side apply)\n' \
      "$NAMESPACE" "$FIELD_MANAGER"
    return
  fi
  local object managers i patch
  for object in namespace/"$NAMESPACE" serviceaccount/"$DEPLOYMENT" deployment/"$DEPLOYMENT" \
    deployment/"${DEPLOYMENT}-canary" service/"$DEPLOYMENT" poddisruptionbudget/"$DEPLOYMENT" \
    horizontalpodautoscaler/"$DEPLOYMENT" role/maskops-deployer rolebinding/maskops-deployer \
    podmonitoring/"$DEPLOYMENT"; do
    # (Empty for an object, or a kind, the cluster does not have: PodMonitoring needs
    # managed collection.)
    managers="$(kubectl -n "$NAMESPACE" get "$object" --ignore-not-found --show-managed-fields \
      -o 'jsonpath={range .metadata.managedFields[*]}{.manager}/{.operation}/{.subresource}{"\n"}{end}' 2>/dev/null || true)"
    i=0
    patch=""
    while IFS= read -r entry; do
      if [ "$entry" = kubectl-client-side-apply/Update/ ]; then
        patch+="${patch:+,}{\"op\":\"replace\",\"path\":\"/metadata/managedFields/${i}/manager\",\"value\":\"${FIELD_MANAGER}\"}"
        patch+=",{\"op\":\"replace\",\"path\":\"/metadata/managedFields/${i}/operation\",\"value\":\"Apply\"}"
      fi
      i=$((i + 1))
    done <<<"$managers"
    [ -n "$patch" ] || continue
    echo "# ${object}: client-side apply's fields become ${FIELD_MANAGER}'s (one-time migration)"
    kubectl -n "$NAMESPACE" patch "$object" --type=json -p "[${patch}]"
    [ "$object" != deployment/"$DEPLOYMENT" ] || MIGRATED_CSA=1
  done
}

# drop_unchosen_components: objects of a component an earlier run chose and this one
# does not (server-side apply adds and updates, it deletes nothing).
drop_unchosen_components() {
  if [ "$STORED_EXPOSURE" = public ] && [ "$EXPOSURE" != public ]; then
    run kubectl -n "$NAMESPACE" delete gateway,httproute,healthcheckpolicy "$DEPLOYMENT" --ignore-not-found
    echo "# the certificate ${STORED_DOMAIN:+for ${STORED_DOMAIN} }stays in Certificate Manager: gcloud certificate-manager certificates list"
  fi
  if [ "${STORED_POD_MONITORING:-0}" = 1 ] && [ "$POD_MONITORING" = 0 ]; then
    run kubectl -n "$NAMESPACE" delete podmonitoring "$DEPLOYMENT" --ignore-not-found
  fi
}

# write_options: the options in force, for the next run.
write_options() {
  local manifest
  manifest="$(printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: %s\n  labels:\n    app.kubernetes.io/part-of: maskops\ndata:\n  exposure: %s\n  domain: "%s"\n  canary: "%s"\n  podMonitoring: "%s"\n  modelUri: "%s"\n  modelBucket: "%s"\n' \
    "$OPTIONS_CONFIGMAP" "$NAMESPACE" "$EXPOSURE" "$DOMAIN" "$(to_bool "$CANARY")" "$(to_bool "$POD_MONITORING")" "$MODEL_URI" "$MODEL_BUCKET")"
  if [ "$DRY_RUN" = 1 ]; then
    printf '+ kubectl apply --server-side --field-manager=%s -f -   # ConfigMap %s: exposure=%s domain=%s canary=%s podMonitoring=%s modelUri=%s%s\n' \
      "$FIELD_MANAGER" "$OPTIONS_CONFIGMAP" "$EXPOSURE" "$DOMAIN" "$(to_bool "$CANARY")" "$(to_bool "$POD_MONITORING")" "$MODEL_URI" "${MODEL_BUCKET:+ modelBucket=${MODEL_BUCKET}}"
    return
  fi
  printf '%s\n' "$manifest" | kubectl apply --server-side --field-manager="$FIELD_MANAGER" -f -
}

# check_function_url: Cloud Tasks reaches an internal-only function only at its
# run.app URL, which setup.sh computed before the first deploy; the function must
# answer there.
# https://cloud.google.com/run/docs/securing/ingress#internal-services
check_function_url() {
  local uri
  uri="$(lookup "$FUNCTION_URL" gcloud functions describe "$FUNCTION" --gen2 --region "$REGION" --project "$PROJECT" \
    --format='value(serviceConfig.uri)')"
  [ "$uri" != "$FUNCTION_URL" ] || return 0
  # The function may report its hash-based URL; its Cloud Run service shows the
  # deterministic one first, when it has one.
  # https://cloud.google.com/run/docs/triggering/https-request#deterministic
  [ "$(lookup "$FUNCTION_URL" gcloud run services describe "$FUNCTION" --region "$REGION" --project "$PROJECT" \
    --format='value(status.url)')" = "$FUNCTION_URL" ] ||
    { echo "setup.sh: the function answers at ${uri}, not at ${FUNCTION_URL}, where its canary steps are sent" >&2; exit 1; }
}
