#!/usr/bin/env bash
# Idempotent bootstrap of maskops on Google Cloud: APIs, Artifact Registry, a GKE
# Autopilot cluster, the build-notification topic, least-privilege service accounts,
# the Kubernetes manifests, the deployer function and the build trigger.
# Every step checks before it creates, so running it again changes nothing.
#
#   infra/gcp/setup.sh --project my-proj [--region us-central1] [--dry-run] ...
#
# --dry-run prints every command (one per line, prefixed "+ ") without running any.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: infra/gcp/setup.sh --project ID [options]
  --project ID          Google Cloud project (or env PROJECT)
  --region R            region for Artifact Registry, the function and the cluster (us-central1)
  --location L          cluster location, a region or a zone (default: --region)
  --cluster NAME        GKE cluster (maskops)
  --repo NAME           Artifact Registry repository (maskops)
  --topic NAME          build notification topic the function listens to (cloud-builds)
  --namespace NS        Kubernetes namespace (maskops)
  --model-uri gs://...  model to bake into images (default: the generated demo model)
  --github-owner O --github-repo R [--branch-pattern RE]   create the Cloud Build trigger
  --skip-build          do not submit the first build
  --dry-run             print the commands, run nothing
USAGE
}

PROJECT="${PROJECT:-}"
REGION=us-central1
LOCATION=""
CLUSTER=maskops
REPO=maskops
TOPIC=cloud-builds
NAMESPACE=maskops
MODEL_URI=""
GITHUB_OWNER=""
GITHUB_REPO=""
BRANCH_PATTERN='^main$'
SKIP_BUILD=0
DRY_RUN=0

while [ $# -gt 0 ]; do
  case "$1" in
    --project) PROJECT="$2"; shift 2 ;;
    --region) REGION="$2"; shift 2 ;;
    --location) LOCATION="$2"; shift 2 ;;
    --cluster) CLUSTER="$2"; shift 2 ;;
    --repo) REPO="$2"; shift 2 ;;
    --topic) TOPIC="$2"; shift 2 ;;
    --namespace) NAMESPACE="$2"; shift 2 ;;
    --model-uri) MODEL_URI="$2"; shift 2 ;;
    --github-owner) GITHUB_OWNER="$2"; shift 2 ;;
    --github-repo) GITHUB_REPO="$2"; shift 2 ;;
    --branch-pattern) BRANCH_PATTERN="$2"; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "setup.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

if [ -z "$PROJECT" ]; then
  echo "setup.sh: --project (or PROJECT) is required" >&2
  exit 2
fi
if ! [[ "$PROJECT" =~ ^[a-z][a-z0-9-]{4,28}[a-z0-9]$ ]]; then
  echo "setup.sh: --project \"$PROJECT\" is not a valid project id" >&2
  exit 2
fi
if [ -n "$MODEL_URI" ] && ! [[ "$MODEL_URI" =~ ^gs://[a-z0-9._-]+(/.*)?$ ]]; then
  echo "setup.sh: --model-uri must be a gs:// URI" >&2
  exit 2
fi
LOCATION="${LOCATION:-$REGION}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
IMAGE="${REGION}-docker.pkg.dev/${PROJECT}/${REPO}/inference-api"
DEPLOYMENT=inference-api
CONTAINER=inference-api
DEPLOYER_SA_NAME=maskops-deployer
DEPLOYER_SA="${DEPLOYER_SA_NAME}@${PROJECT}.iam.gserviceaccount.com"
FUNCTION=maskops-deployer
STAGE_DIR="${ROOT}/.build/deployer-fn"

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

step "project and APIs"
run gcloud config set project "$PROJECT"
run gcloud services enable container.googleapis.com artifactregistry.googleapis.com \
  cloudbuild.googleapis.com pubsub.googleapis.com cloudfunctions.googleapis.com \
  run.googleapis.com eventarc.googleapis.com storage.googleapis.com --project "$PROJECT"

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

step "build notification topic ${TOPIC}"
if ! exists gcloud pubsub topics describe "$TOPIC" --project "$PROJECT"; then
  run gcloud pubsub topics create "$TOPIC" --project "$PROJECT"
fi

step "deployer service account (reads the cluster endpoint; Kubernetes RBAC grants the patch)"
if ! exists gcloud iam service-accounts describe "$DEPLOYER_SA" --project "$PROJECT"; then
  run gcloud iam service-accounts create "$DEPLOYER_SA_NAME" --project "$PROJECT" \
    --display-name "maskops deployer function"
fi
# clusterViewer = container.clusters.get + getCredentials: the endpoint, the CA and
# authentication to the API server, nothing inside the cluster.
for role in roles/container.clusterViewer roles/eventarc.eventReceiver roles/run.invoker; do
  run gcloud projects add-iam-policy-binding "$PROJECT" --member "serviceAccount:${DEPLOYER_SA}" \
    --role "$role" --condition=None --quiet
done

step "Cloud Build may read the model bucket"
if [ -n "$MODEL_URI" ]; then
  bucket="${MODEL_URI#gs://}"
  bucket="gs://${bucket%%/*}"
  if [ "$DRY_RUN" = 1 ]; then
    printf '? gcloud projects describe %s\n' "$PROJECT"
    project_number=PROJECT_NUMBER
  else
    project_number="$(gcloud projects describe "$PROJECT" --format='value(projectNumber)')"
  fi
  # Projects created since 2024 may run builds as the Compute Engine default service
  # account instead; grant that one too if your builds use it.
  run gcloud storage buckets add-iam-policy-binding "$bucket" \
    --member "serviceAccount:${project_number}@cloudbuild.gserviceaccount.com" \
    --role roles/storage.objectViewer
fi

step "first image"
if [ "$SKIP_BUILD" = 0 ]; then
  run gcloud builds submit "$ROOT" --project "$PROJECT" --region "$REGION" --config "$ROOT/cloudbuild.yaml" \
    --substitutions "_IMAGE=${IMAGE},_IMAGE_TAG=bootstrap,_MODEL_URI=${MODEL_URI},_NOTIFY_TOPIC=${TOPIC},_RUN_TESTS=false"
fi

step "Kubernetes manifests"
run gcloud container clusters get-credentials "$CLUSTER" --location "$LOCATION" --project "$PROJECT"
if [ "$DRY_RUN" = 1 ]; then
  printf '+ kubectl kustomize %q | sed (IMAGE_PLACEHOLDER=%s:bootstrap, DEPLOYER_SA_PLACEHOLDER=%s, namespace %s) | kubectl apply -f -\n' \
    "$ROOT/infra/k8s" "$IMAGE" "$DEPLOYER_SA" "$NAMESPACE"
else
  # Only the first apply sets the image: afterwards the deployer owns it.
  current_image="$(kubectl -n "$NAMESPACE" get deployment "$DEPLOYMENT" \
    -o jsonpath="{.spec.template.spec.containers[?(@.name==\"${CONTAINER}\")].image}" 2>/dev/null || true)"
  kubectl kustomize "$ROOT/infra/k8s" |
    sed -e "s#IMAGE_PLACEHOLDER#${current_image:-${IMAGE}:bootstrap}#" \
      -e "s#DEPLOYER_SA_PLACEHOLDER#${DEPLOYER_SA}#" \
      -e "s#namespace: maskops#namespace: ${NAMESPACE}#" \
      -e "s#^  name: maskops\$#  name: ${NAMESPACE}#" |
    kubectl apply -f -
fi

step "deployer function ${FUNCTION} (2nd gen, Pub/Sub trigger on ${TOPIC}, retried on failure)"
run node "$ROOT/infra/gcp/stage-function.mjs" "$STAGE_DIR"
run gcloud functions deploy "$FUNCTION" --gen2 --runtime nodejs20 --region "$REGION" --project "$PROJECT" \
  --source "$STAGE_DIR" --entry-point onNewImage --trigger-topic "$TOPIC" --retry \
  --service-account "$DEPLOYER_SA" --trigger-service-account "$DEPLOYER_SA" \
  --memory 256Mi --timeout 540s --max-instances 1 \
  --set-env-vars "PROJECT=${PROJECT},ZONE=${LOCATION},CLUSTER=${CLUSTER},NAMESPACE=${NAMESPACE},DEPLOYMENT=${DEPLOYMENT},CONTAINER=${CONTAINER},IMAGE=${IMAGE},ROLLOUT_TIMEOUT_SECONDS=300,ROLLBACK_ON_FAILURE=true"

step "build trigger"
if [ -n "$GITHUB_OWNER" ] && [ -n "$GITHUB_REPO" ]; then
  if ! exists gcloud builds triggers describe maskops --region "$REGION" --project "$PROJECT"; then
    run gcloud builds triggers create github --name maskops --region "$REGION" --project "$PROJECT" \
      --repo-owner "$GITHUB_OWNER" --repo-name "$GITHUB_REPO" --branch-pattern "$BRANCH_PATTERN" \
      --build-config cloudbuild.yaml \
      --substitutions "_IMAGE=${IMAGE},_MODEL_URI=${MODEL_URI},_NOTIFY_TOPIC=${TOPIC}"
  fi
else
  echo "# no --github-owner/--github-repo: connect the repository and create the trigger later"
fi

step "done"
echo "# image repository: ${IMAGE}"
echo "# service: kubectl -n ${NAMESPACE} get service inference-api"
