#!/usr/bin/env bash
# Idempotent bootstrap of maskops on Google Cloud: APIs, Artifact Registry, a GKE
# Autopilot cluster, the build-notification and dead-letter topics, least-privilege
# service accounts (deployer and build), the Kubernetes manifests, the deployer
# function and the build trigger.
# Every step checks before it creates, so running it again changes nothing: once
# the Deployment exists no build is submitted (unless --rebuild), the manifests are
# applied server-side without the fields the deployer owns, and the options of the
# first run (kept in the ConfigMap maskops-setup) hold unless a re-run changes them.
#
#   infra/gcp/setup.sh --project my-proj [--region us-central1] [--dry-run] ...
#
# --dry-run prints every command (one per line, prefixed "+ ") without running any;
# "? " lines are the existence checks that guard a create, "= " lines the values a
# real run would look up (a dry run sees a new install).
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: infra/gcp/setup.sh --project ID [options]
  --project ID          Google Cloud project (or env PROJECT)
  --region R            region for Artifact Registry, builds, the function and the cluster (us-central1)
  --location R          cluster region (default: --region); Autopilot clusters are regional, not zonal
  --cluster NAME        GKE cluster (maskops)
  --repo NAME           Artifact Registry repository (maskops)
  --namespace NS        Kubernetes namespace (maskops)
  --model-uri gs://...  model to bake into images ('' or default: the generated demo model)
  --model-bucket gs://B/PREFIX
                        model rollouts: a model pushed under PREFIX (maskops-model push) is rolled
                        out without a rebuild; the bucket gets Object Versioning, a lifecycle rule
                        and a notification, the pods read access to it (use a bucket of its own)
  --build-service-account EMAIL   service account builds run as (default: create maskops-build)
  build trigger, either (1st gen, console: Cloud Build > Triggers > Connect repository):
  --github-owner O --github-repo R
  or (2nd gen, console: Cloud Build > Repositories > 2nd gen):
  --repository projects/P/locations/R/connections/C/repositories/NAME
  --branch-pattern RE   branches the trigger builds ('^main$')
  --exposure internal   the Service on an internal passthrough load balancer, VPC only (default)
  --exposure public --domain NAME
                        a Gateway (global external Application Load Balancer), HTTPS only,
                        with a Certificate Manager certificate for NAME
  --exposure public-http
                        a public load balancer in plain HTTP (tokens cross the network in clear)
  --pod-monitoring | --no-pod-monitoring
                        Managed Service for Prometheus scrapes METRICS_PORT (or not)
  --canary | --no-canary
                        ROLLOUT_STRATEGY=canary (Cloud Tasks queue, metrics reader; needs pod
                        monitoring: the canary is judged on the pods' metrics) or rolling
  --token-file FILE     the API tokens (one a line) for the Secret, instead of a generated one
  --token-secret NAME   the same, from the latest version of a Secret Manager secret
  --rebuild             build the working tree again although the Deployment exists
  --allow-dirty         let --rebuild build uncommitted changes
  --skip-build          do not submit the first build
  --dry-run             print the commands, run nothing
Exposure, canary, pod monitoring, model URI and model bucket are kept in the cluster: a re-run
without them keeps them, and says what a re-run with them changes.
USAGE
}

fail() {
  echo "setup.sh: $*" >&2
  exit 2
}

PROJECT="${PROJECT:-}"
REGION=us-central1
LOCATION=""
CLUSTER=maskops
REPO=maskops
NAMESPACE=maskops
MODEL_URI=""
MODEL_URI_SET=0
MODEL_BUCKET=""
BUILD_SA=""
GITHUB_OWNER=""
GITHUB_REPO=""
REPOSITORY=""
BRANCH_PATTERN='^main$'
# Empty until an option or the stored options of the install say otherwise.
EXPOSURE=""
DOMAIN=""
POD_MONITORING=""
CANARY=""
TOKEN_FILE=""
TOKEN_SECRET=""
REBUILD=0
ALLOW_DIRTY=0
SKIP_BUILD=0
DRY_RUN=0

# choose VAR VALUE OPTION: set an option once; a second, different value conflicts.
# (No associative arrays: macOS still ships bash 3.2.)
choose() {
  local by="CHOSEN_BY_$1"
  if [ -n "${!1}" ] && [ "${!1}" != "$2" ]; then fail "conflicting options: ${!by} and $3"; fi
  printf -v "$1" '%s' "$2"
  printf -v "$by" '%s' "$3"
}

while [ $# -gt 0 ]; do
  option="$1"
  case "$option" in
    --project | --region | --location | --cluster | --repo | --namespace | --model-uri | \
      --build-service-account | --github-owner | --github-repo | --repository | \
      --branch-pattern | --exposure | --domain | --token-file | --token-secret | --model-bucket)
      [ $# -ge 2 ] || fail "$option needs a value"
      value="$2"
      shift 2
      if [ -z "$value" ] && [ "$option" != --model-uri ]; then fail "$option needs a value"; fi
      ;;
    *) shift ;;
  esac
  case "$option" in
    --project) PROJECT="$value" ;;
    --region) REGION="$value" ;;
    --location) LOCATION="$value" ;;
    --cluster) CLUSTER="$value" ;;
    --repo) REPO="$value" ;;
    --namespace) NAMESPACE="$value" ;;
    --model-uri) MODEL_URI="$value"; MODEL_URI_SET=1 ;;
    --model-bucket) MODEL_BUCKET="${value%/}" ;;
    --build-service-account) BUILD_SA="$value" ;;
    --github-owner) GITHUB_OWNER="$value" ;;
    --github-repo) GITHUB_REPO="$value" ;;
    --repository) REPOSITORY="$value" ;;
    --branch-pattern) BRANCH_PATTERN="$value" ;;
    --exposure) choose EXPOSURE "$value" "--exposure $value" ;;
    --internal-lb) choose EXPOSURE internal --internal-lb ;; # the older name of the default
    --domain) DOMAIN="$value" ;;
    --pod-monitoring) choose POD_MONITORING 1 --pod-monitoring ;;
    --no-pod-monitoring) choose POD_MONITORING 0 --no-pod-monitoring ;;
    --canary) choose CANARY 1 --canary ;;
    --no-canary) choose CANARY 0 --no-canary ;;
    --token-file) TOKEN_FILE="$value" ;;
    --token-secret) TOKEN_SECRET="$value" ;;
    --rebuild) REBUILD=1 ;;
    --allow-dirty) ALLOW_DIRTY=1 ;;
    --skip-build) SKIP_BUILD=1 ;;
    --dry-run) DRY_RUN=1 ;;
    -h | --help) usage; exit 0 ;;
    *) fail "unknown option $option (see --help)" ;;
  esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# The checks and steps that have grown past a few lines, as functions.
# shellcheck source-path=SCRIPTDIR source=setup-lib.sh
. "$ROOT/infra/gcp/setup-lib.sh"
# shellcheck source-path=SCRIPTDIR source=setup-model.sh
. "$ROOT/infra/gcp/setup-model.sh"

[ -n "$PROJECT" ] || fail "--project (or PROJECT) is required"
[[ "$PROJECT" =~ ^[a-z][a-z0-9-]{4,28}[a-z0-9]$ ]] || fail "--project \"$PROJECT\" is not a valid project id"
if [ -n "$MODEL_URI" ] && { ! [[ "$MODEL_URI" =~ ^gs://[a-z0-9._-]+(/[^[:space:]]*)?$ ]] ||
  [[ "$MODEL_URI" == *[\"\\]* ]]; }; then
  fail "--model-uri must be a gs:// URI"
fi
if [ -n "$BUILD_SA" ] && ! [[ "$BUILD_SA" =~ ^[a-z0-9-]+@[a-z0-9.-]+\.iam\.gserviceaccount\.com$ ]]; then
  fail "--build-service-account must be a service account email (NAME@PROJECT.iam.gserviceaccount.com)"
fi
LOCATION="${LOCATION:-$REGION}"
# Autopilot clusters are always regional: `create-auto` rejects a zone.
# https://cloud.google.com/kubernetes-engine/docs/concepts/autopilot-overview
for value in "$REGION" "$LOCATION"; do
  if [[ "$value" =~ ^[a-z]+-[a-z]+[0-9]+-[a-z]$ ]]; then
    fail "\"$value\" is a zone; Autopilot clusters, builds and functions need a region (e.g. ${value%-*})"
  fi
  [[ "$value" =~ ^[a-z]+-[a-z]+[0-9]+$ ]] || fail "\"$value\" is not a region such as us-central1"
done
check_serving_options
check_model_bucket
check_trigger_options
check_token_options
check_build_options

IMAGE="${REGION}-docker.pkg.dev/${PROJECT}/${REPO}/inference-api"
DEPLOYMENT=inference-api
CONTAINER=inference-api
# Cloud Build publishes every build's status to this topic, and only to it.
# https://cloud.google.com/build/docs/subscribe-build-notifications
TOPIC=cloud-builds
DEPLOYER_SA_NAME=maskops-deployer
DEPLOYER_SA="${DEPLOYER_SA_NAME}@${PROJECT}.iam.gserviceaccount.com"
BUILD_SA_NAME=maskops-build
CREATE_BUILD_SA=0
if [ -z "$BUILD_SA" ]; then
  BUILD_SA="${BUILD_SA_NAME}@${PROJECT}.iam.gserviceaccount.com"
  CREATE_BUILD_SA=1
fi
BUILD_SA_RESOURCE="projects/${PROJECT}/serviceAccounts/${BUILD_SA}"
FUNCTION=maskops-deployer
# Cloud Run functions runtime (nodejs20 was decommissioned 2026-10-30; nodejs24 is
# supported until 2028-10-31): https://cloud.google.com/functions/docs/runtime-support
FUNCTION_RUNTIME=nodejs24
# Function timeout (the maximum for event-driven functions) > ROLLOUT_TIMEOUT_SECONDS
# > the Deployment's progressDeadlineSeconds > its startup probe budget
# (test/infra/manifests.test.ts ties the numbers together).
FUNCTION_TIMEOUT_SECONDS=540
ROLLOUT_TIMEOUT_SECONDS=480
DEAD_LETTER_TOPIC="${FUNCTION}-dead-letter"
CANARY_QUEUE=maskops-canary
DEAD_LETTER_MAX_ATTEMPTS=15
# A build without a trigger has no SHORT_SHA: the first image (or a --rebuild) gets a
# tag of its own, which the first apply of the manifests uses.
FIRST_TAG="manual-$(date -u +%Y%m%d-%H%M%S)"
STAGE_DIR="${ROOT}/.build/deployer-fn"
OVERLAY_DIR="${ROOT}/.build/k8s"

step() { printf '\n# %s\n' "$*"; }

# run CMD...: run it, or print it in a dry run.
run() {
  if [ "$DRY_RUN" = 1 ]; then
    printf '+'
    printf ' %q' "$@"
    printf '\n'
  else
    "$@"
  fi
}

# exists CMD...: true when the describe command succeeds; a dry run assumes nothing exists.
exists() {
  if [ "$DRY_RUN" = 1 ]; then
    printf '? %s\n' "$*"
    return 1
  fi
  "$@" >/dev/null 2>&1
}

# lookup PLACEHOLDER CMD...: the command's output, or PLACEHOLDER in a dry run (which
# prints the command on fd 3, the script's stdout, since $(...) captures fd 1).
exec 3>&1
lookup() {
  local placeholder="$1"
  shift
  if [ "$DRY_RUN" = 1 ]; then
    printf '= %s\n' "$*" >&3
    printf '%s\n' "$placeholder"
  else
    "$@"
  fi
}

# probe PLACEHOLDER CMD...: like lookup, but empty when the command fails (for what
# an older install may lack).
probe() {
  if [ "$DRY_RUN" = 1 ]; then
    lookup "$@"
  else
    shift
    "$@" 2>/dev/null || true
  fi
}

if [ "$EXPOSURE" = public-http ]; then
  echo "setup.sh: WARNING: --exposure public-http serves plain HTTP on a public address: bearer tokens cross the network in clear" >&2
fi

step "tools"
if [ "$DRY_RUN" = 1 ]; then
  echo "# a real run first checks for gcloud, kubectl, gke-gcloud-auth-plugin, node, pnpm, npm and curl"
else
  missing=0
  for tool in gcloud kubectl gke-gcloud-auth-plugin node pnpm npm curl; do
    command -v "$tool" >/dev/null 2>&1 && continue
    missing=1
    echo "setup.sh: $tool is not on PATH" >&2
    if [ "$tool" = gke-gcloud-auth-plugin ]; then
      # kubectl authenticates to GKE only through this plugin.
      # https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin
      echo "  install it: gcloud components install gke-gcloud-auth-plugin" >&2
      echo "  (or, with gcloud from apt: sudo apt-get install google-cloud-cli-gke-gcloud-auth-plugin)" >&2
    fi
  done
  [ "$missing" = 0 ] || exit 1
fi

step "project and APIs"
run gcloud config set project "$PROJECT"
run gcloud services enable container.googleapis.com artifactregistry.googleapis.com \
  cloudbuild.googleapis.com pubsub.googleapis.com cloudfunctions.googleapis.com \
  run.googleapis.com eventarc.googleapis.com storage.googleapis.com iam.googleapis.com \
  --project "$PROJECT"
project_number="$(lookup PROJECT_NUMBER gcloud projects describe "$PROJECT" --format='value(projectNumber)')"
PUBSUB_AGENT="service-${project_number}@gcp-sa-pubsub.iam.gserviceaccount.com"
# The function's deterministic run.app URL, known before its first deploy. Canary
# steps are Cloud Tasks posting to it with an OIDC token for it (the audience): an
# internal-only function admits Cloud Tasks at its run.app URL only.
# https://cloud.google.com/run/docs/securing/ingress
# https://cloud.google.com/run/docs/triggering/https-request#deterministic
FUNCTION_URL="https://${FUNCTION}-${project_number}.${REGION}.run.app"
# Stop before building anything if the region does not offer the function's runtime.
offered="$(lookup "$FUNCTION_RUNTIME" gcloud functions runtimes list --region "$REGION" --project "$PROJECT" \
  --filter "name=$FUNCTION_RUNTIME" --format 'value(name)')"
[ "$offered" = "$FUNCTION_RUNTIME" ] ||
  fail "the $FUNCTION_RUNTIME runtime is not offered in $REGION (gcloud functions runtimes list --region $REGION); choose another --region"

step "Artifact Registry repository ${REPO}"
if ! exists gcloud artifacts repositories describe "$REPO" --location "$REGION" --project "$PROJECT"; then
  run gcloud artifacts repositories create "$REPO" --repository-format=docker \
    --location "$REGION" --project "$PROJECT" --description "maskops inference images"
fi

step "GKE Autopilot cluster ${CLUSTER} in ${LOCATION}"
if ! exists gcloud container clusters describe "$CLUSTER" --location "$LOCATION" --project "$PROJECT"; then
  run gcloud container clusters create-auto "$CLUSTER" --location "$LOCATION" --project "$PROJECT" \
    --release-channel regular
fi

step "this install: its Deployment and the options of earlier runs"
run gcloud container clusters get-credentials "$CLUSTER" --location "$LOCATION" --project "$PROJECT"
read_install_state
merge_options
report_option_changes

step "build notification topic ${TOPIC} and the deployer's dead-letter topic ${DEAD_LETTER_TOPIC}"
if ! exists gcloud pubsub topics describe "$TOPIC" --project "$PROJECT"; then
  run gcloud pubsub topics create "$TOPIC" --project "$PROJECT"
fi
if ! exists gcloud pubsub topics describe "$DEAD_LETTER_TOPIC" --project "$PROJECT"; then
  run gcloud pubsub topics create "$DEAD_LETTER_TOPIC" --project "$PROJECT"
fi
# A topic keeps nothing by itself: this subscription holds the dead letters for a week.
if ! exists gcloud pubsub subscriptions describe "$DEAD_LETTER_TOPIC" --project "$PROJECT"; then
  run gcloud pubsub subscriptions create "$DEAD_LETTER_TOPIC" --topic "$DEAD_LETTER_TOPIC" \
    --message-retention-duration 7d --expiration-period never --project "$PROJECT"
fi
run gcloud pubsub topics add-iam-policy-binding "$DEAD_LETTER_TOPIC" --project "$PROJECT" \
  --member "serviceAccount:${PUBSUB_AGENT}" --role roles/pubsub.publisher

step "deployer service account (reads the cluster endpoint; Kubernetes RBAC grants the patch)"
if ! exists gcloud iam service-accounts describe "$DEPLOYER_SA" --project "$PROJECT"; then
  run gcloud iam service-accounts create "$DEPLOYER_SA_NAME" --project "$PROJECT" \
    --display-name "maskops deployer function"
fi
# clusterViewer = container.clusters.get + getCredentials: the endpoint, the CA and
# authentication to the API server, nothing inside the cluster. Invoking the function
# is granted on the function alone, after it is deployed.
run gcloud projects add-iam-policy-binding "$PROJECT" --member "serviceAccount:${DEPLOYER_SA}" \
  --role roles/container.clusterViewer --condition=None --quiet

if [ "$CANARY" = 1 ]; then
  step "canary: Cloud Tasks queue ${CANARY_QUEUE}, metrics reader, OIDC tokens as the deployer"
  run gcloud services enable cloudtasks.googleapis.com monitoring.googleapis.com --project "$PROJECT"
  if ! exists gcloud tasks queues describe "$CANARY_QUEUE" --location "$REGION" --project "$PROJECT"; then
    run gcloud tasks queues create "$CANARY_QUEUE" --location "$REGION" --project "$PROJECT" \
      --max-attempts 20 --min-backoff 5s --max-backoff 60s
  fi
  # enqueuer on this queue only: create the step tasks; monitoring.viewer: query
  # Managed Service for Prometheus; serviceAccountUser on itself: Cloud Tasks mints
  # the tasks' OIDC tokens as the deployer, which needs actAs on that account.
  run gcloud tasks queues add-iam-policy-binding "$CANARY_QUEUE" --location "$REGION" --project "$PROJECT" \
    --member "serviceAccount:${DEPLOYER_SA}" --role roles/cloudtasks.enqueuer
  # An earlier setup.sh granted it on the whole project.
  if [ -n "$(lookup '' gcloud projects get-iam-policy "$PROJECT" --flatten='bindings[].members' \
    --filter="bindings.role=roles/cloudtasks.enqueuer AND bindings.members=serviceAccount:${DEPLOYER_SA}" \
    --format='value(bindings.role)')" ]; then
    run gcloud projects remove-iam-policy-binding "$PROJECT" --member "serviceAccount:${DEPLOYER_SA}" \
      --role roles/cloudtasks.enqueuer --condition=None --quiet
  fi
  run gcloud projects add-iam-policy-binding "$PROJECT" --member "serviceAccount:${DEPLOYER_SA}" \
    --role roles/monitoring.viewer --condition=None --quiet
  run gcloud iam service-accounts add-iam-policy-binding "$DEPLOYER_SA" --project "$PROJECT" \
    --member "serviceAccount:${DEPLOYER_SA}" --role roles/iam.serviceAccountUser
fi

step "build service account ${BUILD_SA}"
# New projects may run builds as the Compute Engine default service account, which
# may hold no roles; builds (ours and the function's) run as this account instead.
# https://cloud.google.com/build/docs/cloud-build-service-account-updates
# https://cloud.google.com/functions/docs/securing/build-custom-sa
if [ "$CREATE_BUILD_SA" = 1 ] &&
  ! exists gcloud iam service-accounts describe "$BUILD_SA" --project "$PROJECT"; then
  run gcloud iam service-accounts create "$BUILD_SA_NAME" --project "$PROJECT" \
    --display-name "maskops builds"
fi
for role in roles/cloudbuild.builds.builder roles/artifactregistry.writer roles/logging.logWriter; do
  run gcloud projects add-iam-policy-binding "$PROJECT" --member "serviceAccount:${BUILD_SA}" \
    --role "$role" --condition=None --quiet
done
if [ -n "$MODEL_URI" ]; then
  bucket="${MODEL_URI#gs://}"
  run gcloud storage buckets add-iam-policy-binding "gs://${bucket%%/*}" \
    --member "serviceAccount:${BUILD_SA}" --role roles/storage.objectViewer
fi

[ -z "$MODEL_BUCKET" ] || ensure_model_bucket

step "you may act as both service accounts (roles/iam.serviceAccountUser)"
# Submitting a build or deploying a function as a service account needs
# iam.serviceAccounts.actAs on it; owners have it project-wide.
for sa in "$BUILD_SA" "$DEPLOYER_SA"; do
  if [ "$DRY_RUN" = 1 ]; then
    printf '= iam.serviceAccounts.actAs on %s (serviceAccounts.testIamPermissions)\n' "$sa"
    continue
  fi
  # gcloud has no command for serviceAccounts.testIamPermissions: call it at the IAM
  # endpoint gcloud itself uses (api_endpoint_overrides/iam when set), with its token.
  iam_endpoint="$(gcloud config get api_endpoint_overrides/iam 2>/dev/null || true)"
  granted="$(curl -fsS -X POST -H "Authorization: Bearer $(gcloud auth print-access-token)" \
    -H 'content-type: application/json' -d '{"permissions":["iam.serviceAccounts.actAs"]}' \
    "${iam_endpoint:-https://iam.googleapis.com/}v1/projects/${PROJECT}/serviceAccounts/${sa}:testIamPermissions")"
  if [[ "$granted" != *iam.serviceAccounts.actAs* ]]; then
    echo "setup.sh: you ($(gcloud config get-value account 2>/dev/null)) need roles/iam.serviceAccountUser on ${sa}:" >&2
    echo "  gcloud iam service-accounts add-iam-policy-binding ${sa} --project ${PROJECT} \\" >&2
    echo "    --member user:YOU@EXAMPLE.COM --role roles/iam.serviceAccountUser" >&2
    exit 1
  fi
done

step "image"
# Once the Deployment exists its image is the deployer's: a re-run builds nothing
# unless asked (--rebuild, of a clean tree unless --allow-dirty); the function then
# deploys that build like any other, tests included.
if [ "$SKIP_BUILD" = 1 ]; then
  echo "# --skip-build: no build"
elif [ -z "$CURRENT_IMAGE" ]; then
  if [ "$DRY_RUN" = 0 ] && [ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null || true)" ]; then
    echo "setup.sh: WARNING: the first image includes uncommitted changes of the working tree" >&2
  fi
  run gcloud builds submit "$ROOT" --project "$PROJECT" --region "$REGION" --config "$ROOT/cloudbuild.yaml" \
    --service-account "$BUILD_SA_RESOURCE" \
    --substitutions "_IMAGE=${IMAGE},_IMAGE_TAG=${FIRST_TAG},_MODEL_URI=${MODEL_URI},_RUN_TESTS=false"
elif [ "$REBUILD" = 1 ]; then
  run gcloud builds submit "$ROOT" --project "$PROJECT" --region "$REGION" --config "$ROOT/cloudbuild.yaml" \
    --service-account "$BUILD_SA_RESOURCE" \
    --substitutions "_IMAGE=${IMAGE},_IMAGE_TAG=${FIRST_TAG},_MODEL_URI=${MODEL_URI}"
else
  echo "# the Deployment exists (${CURRENT_IMAGE}): no build (--rebuild builds the working tree)"
fi

if [ "$EXPOSURE" = public ]; then
  step "public exposure: a Certificate Manager certificate for ${DOMAIN}"
  ensure_certificate
fi

step "Kubernetes manifests (server-side apply, field manager ${FIELD_MANAGER})"
ensure_token_secret
# The stable selector gained maskops.dev/track, and a selector is immutable. An
# older install's Deployment is deleted with --cascade=orphan: its ReplicaSet and
# pods keep serving behind the Service (which selects the name label only) until
# the new Deployment's pods are ready; only then are the orphans deleted.
migrate=0
if [ "$DRY_RUN" = 1 ]; then
  echo "= kubectl -n ${NAMESPACE} get deployment ${DEPLOYMENT} -o jsonpath={.spec.selector.matchLabels.maskops\\.dev/track}   # empty on an older install: migrate"
  printf '+ kubectl -n %s delete deployment %s --cascade=orphan   # only when migrating: its pods keep serving\n' "$NAMESPACE" "$DEPLOYMENT"
elif [ -n "$CURRENT_IMAGE" ] &&
  [ -z "$(kubectl -n "$NAMESPACE" get deployment "$DEPLOYMENT" -o jsonpath='{.spec.selector.matchLabels.maskops\.dev/track}')" ]; then
  migrate=1
fi
# An install made by client-side apply becomes setup.sh's (once), the deployer's
# fields first handed to the deployer's field manager.
if [ -n "$CURRENT_IMAGE" ] || [ "$DRY_RUN" = 1 ]; then
  migrate_client_side_apply
  if [ "$MIGRATED_CSA" = 1 ] || [ "$DRY_RUN" = 1 ]; then hand_off_deployer_fields replicas; fi
fi
if [ "$migrate" = 1 ]; then
  kubectl -n "$NAMESPACE" delete deployment "$DEPLOYMENT" --cascade=orphan
fi
FIRST_APPLY=0
if [ -z "$CURRENT_IMAGE" ] || [ "$migrate" = 1 ]; then FIRST_APPLY=1; fi
manifest_components
# With --model-bucket, MODEL_PATH is the deployer's too: handed off before a re-run's
# apply omits it, after the first apply sets it.
[ -z "$MODEL_BUCKET" ] || [ "$FIRST_APPLY" = 1 ] || hand_off_model_path
apply_manifests
# Only the first apply sets the image (and the canary's replicas): from then on they
# are the deployer's, and setup.sh's later applies omit them.
[ "$FIRST_APPLY" = 0 ] || hand_off_deployer_fields
[ -z "$MODEL_BUCKET" ] || [ "$FIRST_APPLY" = 0 ] || hand_off_model_path
drop_unchosen_components
write_options
if [ "$DRY_RUN" = 1 ]; then
  printf '+ kubectl -n %s rollout status deployment/%s --timeout %ss   # only when migrating\n' "$NAMESPACE" "$DEPLOYMENT" "$ROLLOUT_TIMEOUT_SECONDS"
  printf '+ kubectl -n %s delete replicaset -l app.kubernetes.io/name=%s,!maskops.dev/track   # only when migrating: the orphaned pods drain\n' "$NAMESPACE" "$DEPLOYMENT"
elif [ "$migrate" = 1 ]; then
  kubectl -n "$NAMESPACE" rollout status "deployment/${DEPLOYMENT}" --timeout "${ROLLOUT_TIMEOUT_SECONDS}s"
  kubectl -n "$NAMESPACE" delete replicaset -l "app.kubernetes.io/name=${DEPLOYMENT},!maskops.dev/track"
fi

step "deployer function ${FUNCTION} (2nd gen, Pub/Sub trigger on ${TOPIC}, retried on failure)"
FUNCTION_ENV="PROJECT=${PROJECT},ZONE=${LOCATION},CLUSTER=${CLUSTER},NAMESPACE=${NAMESPACE},DEPLOYMENT=${DEPLOYMENT},CONTAINER=${CONTAINER},IMAGE=${IMAGE},ROLLOUT_TIMEOUT_SECONDS=${ROLLOUT_TIMEOUT_SECONDS},ROLLBACK_ON_FAILURE=true"
# The prefix model rollouts watch: a manifest's OBJECT_FINALIZE under it.
[ -z "$MODEL_BUCKET" ] || FUNCTION_ENV+=",MODEL_BUCKET=${MODEL_BUCKET}"
if [ "$CANARY" = 1 ]; then
  FUNCTION_ENV+=",ROLLOUT_STRATEGY=canary,PROMETHEUS_QUERY_URL=https://monitoring.googleapis.com/v1/projects/${PROJECT}/location/global/prometheus,CANARY_TASKS_QUEUE=projects/${PROJECT}/locations/${REGION}/queues/${CANARY_QUEUE},FUNCTION_URL=${FUNCTION_URL},CANARY_TASKS_SERVICE_ACCOUNT=${DEPLOYER_SA}"
fi
run node "$ROOT/infra/gcp/stage-function.mjs" "$STAGE_DIR"
# internal-only: Eventarc's Pub/Sub push from this project counts as internal traffic.
# https://cloud.google.com/functions/docs/networking/network-settings#ingress_settings
run gcloud functions deploy "$FUNCTION" --gen2 --runtime "$FUNCTION_RUNTIME" --region "$REGION" --project "$PROJECT" \
  --source "$STAGE_DIR" --entry-point onNewImage --trigger-topic "$TOPIC" --retry \
  --service-account "$DEPLOYER_SA" --trigger-service-account "$DEPLOYER_SA" \
  --build-service-account "$BUILD_SA_RESOURCE" --ingress-settings internal-only \
  --memory 256Mi --timeout "${FUNCTION_TIMEOUT_SECONDS}s" --max-instances 1 \
  --set-env-vars "$FUNCTION_ENV"
# The trigger's identity may invoke this function's Cloud Run service, nothing else.
run gcloud functions add-invoker-policy-binding "$FUNCTION" --region "$REGION" --project "$PROJECT" \
  --member "serviceAccount:${DEPLOYER_SA}"
[ "$CANARY" = 0 ] || check_function_url
[ -z "$MODEL_BUCKET" ] || ensure_model_trigger

step "dead-lettering on the trigger's subscription (a redeploy may recreate it, so after every deploy)"
# With --max-instances 1, a message that arrives while a rollout is watched is refused
# (429) and redelivered with backoff (10 s .. 600 s); Eventarc keeps it 24 h. After
# DEAD_LETTER_MAX_ATTEMPTS (about 1.5 h of backoff) it goes to the dead-letter topic.
# https://cloud.google.com/eventarc/docs/retry-events
# https://cloud.google.com/pubsub/docs/handling-failures#dead_letter_topic
trigger="$(lookup TRIGGER gcloud functions describe "$FUNCTION" --gen2 --region "$REGION" --project "$PROJECT" \
  --format='value(eventTrigger.trigger)')"
triggers=("$trigger")
# The model trigger's subscription too (--model-bucket).
[ -z "$MODEL_BUCKET" ] || triggers+=("$MODEL_TRIGGER")
for trigger in "${triggers[@]}"; do
  subscription="$(lookup SUBSCRIPTION gcloud eventarc triggers describe "$trigger" --location "$REGION" --project "$PROJECT" \
    --format='value(transport.pubsub.subscription)')"
  run gcloud pubsub subscriptions update "$subscription" --project "$PROJECT" \
    --dead-letter-topic "projects/${PROJECT}/topics/${DEAD_LETTER_TOPIC}" \
    --max-delivery-attempts "$DEAD_LETTER_MAX_ATTEMPTS"
  run gcloud pubsub subscriptions add-iam-policy-binding "$subscription" --project "$PROJECT" \
    --member "serviceAccount:${PUBSUB_AGENT}" --role roles/pubsub.subscriber
done

step "build trigger"
if [ -n "$GITHUB_OWNER$REPOSITORY" ]; then
  if [ -n "$REPOSITORY" ]; then
    trigger_source=(--repository "$REPOSITORY") # 2nd gen connection
  else
    trigger_source=(--repo-owner "$GITHUB_OWNER" --repo-name "$GITHUB_REPO") # 1st gen
  fi
  if ! exists gcloud builds triggers describe maskops --region "$REGION" --project "$PROJECT"; then
    run gcloud builds triggers create github --name maskops --region "$REGION" --project "$PROJECT" \
      "${trigger_source[@]}" --branch-pattern "$BRANCH_PATTERN" \
      --build-config cloudbuild.yaml --service-account "$BUILD_SA_RESOURCE" \
      --substitutions "_IMAGE=${IMAGE},_MODEL_URI=${MODEL_URI}"
  fi
else
  echo "# no --repository or --github-owner/--github-repo: connect the repository and create the trigger later"
fi

step "done"
echo "# image repository: ${IMAGE}"
case "$EXPOSURE" in
  internal) echo "# service (inside the VPC): kubectl -n ${NAMESPACE} get service ${DEPLOYMENT}" ;;
  public-http)
    echo "# service: kubectl -n ${NAMESPACE} get service ${DEPLOYMENT}"
    echo "setup.sh: WARNING: plain HTTP on a public address: bearer tokens cross the network in clear" >&2
    ;;
  public)
    echo "# service: https://${DOMAIN}/ once DNS is set:"
    echo "#   ${DOMAIN} A record -> kubectl -n ${NAMESPACE} get gateway ${DEPLOYMENT} -o jsonpath='{.status.addresses[0].value}'"
    echo "#   DNS authorization record (for the certificate): ${DNS_AUTH_RECORD}"
    ;;
esac
if [ "$TOKEN_CREATED" = 1 ]; then
  echo "# API token (this run wrote the Secret; later runs keep it):"
  echo "#   kubectl -n ${NAMESPACE} get secret ${TOKEN_SECRET_NAME} -o jsonpath='{.data.tokens}' | base64 -d"
fi
echo "# dead letters: gcloud pubsub subscriptions pull ${DEAD_LETTER_TOPIC} --project ${PROJECT} --limit 10"
