# shellcheck shell=bash
# Model rollouts (setup.sh --model-bucket gs://B/PREFIX), sourced by infra/gcp/setup.sh,
# which defines what these use (the options, run, lookup, exists, fail).
#
# A model pushed with `maskops-model push` under PREFIX ends with its manifest,
# maskops-model.json; that object's OBJECT_FINALIZE reaches the deployer as a Pub/Sub
# message (a bucket notification on MODEL_TOPIC, delivered by a second Eventarc trigger
# to the same function), which pins the Deployment's MODEL_PATH to the manifest's
# generation. The generation must outlive the push of the next model: versioning.

MODEL_TOPIC=maskops-model-events
MODEL_PATH_FIELD_MANAGER=maskops-model-path
MODEL_TRIGGER=maskops-models
# A noncurrent version is deleted once it has MODEL_KEEP_NEWER newer versions and has
# been noncurrent MODEL_KEEP_DAYS days: the Deployments keep revisionHistoryLimit (5)
# old ReplicaSets, each pinned to a manifest generation (and the objects it lists at
# theirs), so `kubectl rollout undo` or the deployer's rollback to any of them finds
# its model; the days cover a canary or a rollback still reading a replaced version.
MODEL_KEEP_NEWER=6
MODEL_KEEP_DAYS=30

# check_model_bucket: MODEL_BUCKET is gs://BUCKET/PREFIX; sets MODEL_BUCKET_NAME and
# MODEL_PREFIX (with a trailing slash, as notification prefixes match).
check_model_bucket() {
  [ -n "$MODEL_BUCKET" ] || return 0
  [[ "$MODEL_BUCKET" =~ ^gs://([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])/([A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*)$ ]] ||
    fail "--model-bucket must be gs://BUCKET/PREFIX (the prefix models are pushed under), not \"$MODEL_BUCKET\""
  MODEL_BUCKET_NAME="${BASH_REMATCH[1]}"
  MODEL_PREFIX="${BASH_REMATCH[2]}/"
}

# ensure_model_bucket: the bucket (created when missing, uniform access), Object
# Versioning and the lifecycle rule, the notification topic and the notification, and
# read access for the pods.
ensure_model_bucket() {
  step "model rollouts: gs://${MODEL_BUCKET_NAME} keeps every pinned model, ${MODEL_PREFIX}**/maskops-model.json starts a rollout"
  if ! exists gcloud storage buckets describe "gs://${MODEL_BUCKET_NAME}" --project "$PROJECT"; then
    run gcloud storage buckets create "gs://${MODEL_BUCKET_NAME}" --project "$PROJECT" \
      --location "$REGION" --uniform-bucket-level-access
  fi
  echo "# Object Versioning on: a model pushed again keeps the generations that running pods and rollbacks are pinned to"
  echo "# lifecycle: a noncurrent version is deleted once ${MODEL_KEEP_NEWER} newer versions exist and it has been noncurrent ${MODEL_KEEP_DAYS} days"
  echo "#   (the Deployments keep 5 old revisions, each pinned to a model generation: a rollback to any of them still finds it)"
  local rules="${ROOT}/.build/model-bucket-lifecycle.json"
  if [ "$DRY_RUN" = 0 ]; then
    mkdir -p "${ROOT}/.build"
    printf '{"rule":[{"action":{"type":"Delete"},"condition":{"isLive":false,"numNewerVersions":%s,"daysSinceNoncurrentTime":%s}}]}\n' \
      "$MODEL_KEEP_NEWER" "$MODEL_KEEP_DAYS" >"$rules"
  fi
  run gcloud storage buckets update "gs://${MODEL_BUCKET_NAME}" --project "$PROJECT" \
    --versioning --lifecycle-file "$rules"
  if ! exists gcloud pubsub topics describe "$MODEL_TOPIC" --project "$PROJECT"; then
    run gcloud pubsub topics create "$MODEL_TOPIC" --project "$PROJECT"
  fi
  # Only finalizes under the prefix: the deployer still ignores (INFO) anything but a
  # manifest. gcloud also lets Cloud Storage's service agent publish to the topic.
  local existing
  existing="$(lookup '' gcloud storage buckets notifications list "gs://${MODEL_BUCKET_NAME}" --project "$PROJECT" --format=json)"
  if [[ "$existing" != *"/topics/${MODEL_TOPIC}\""* ]] || [[ "$existing" != *"\"object_name_prefix\": \"${MODEL_PREFIX}\""* ]]; then
    run gcloud storage buckets notifications create "gs://${MODEL_BUCKET_NAME}" --project "$PROJECT" \
      --topic "projects/${PROJECT}/topics/${MODEL_TOPIC}" --event-types OBJECT_FINALIZE \
      --object-prefix "$MODEL_PREFIX" --payload-format json
  fi
  # The pods' Kubernetes service account reads the models through Workload Identity
  # Federation for GKE (always on in Autopilot): IAM names it as a principal, with no
  # Google service account in between. objectViewer on the whole bucket, because an
  # IAM condition cannot limit listing to a prefix: give models a bucket of their own.
  run gcloud storage buckets add-iam-policy-binding "gs://${MODEL_BUCKET_NAME}" --project "$PROJECT" \
    --member "principal://iam.googleapis.com/projects/${project_number}/locations/global/workloadIdentityPools/${PROJECT}.svc.id.goog/subject/ns/${NAMESPACE}/sa/${DEPLOYMENT}" \
    --role roles/storage.objectViewer
}

# ensure_model_trigger: a second Eventarc trigger on the function's Cloud Run service,
# for the notification topic (a function itself has one trigger, the build topic's).
ensure_model_trigger() {
  step "model rollouts: a second trigger, ${MODEL_TRIGGER}, from ${MODEL_TOPIC} to ${FUNCTION}"
  if ! exists gcloud eventarc triggers describe "$MODEL_TRIGGER" --location "$REGION" --project "$PROJECT"; then
    run gcloud eventarc triggers create "$MODEL_TRIGGER" --location "$REGION" --project "$PROJECT" \
      --destination-run-service "$FUNCTION" --destination-run-region "$REGION" \
      --event-filters type=google.cloud.pubsub.topic.v1.messagePublished \
      --transport-topic "projects/${PROJECT}/topics/${MODEL_TOPIC}" \
      --service-account "$DEPLOYER_SA"
  fi
}

# hand_off_model_path: a field manager of its own applies each Deployment's current
# MODEL_PATH, so that it stays when setup.sh's later applies omit it (model rollouts
# patch it: the deployer's update then takes it over). Only MODEL_PATH: this manager
# never owns the image or the replicas, which the deployer's own hand-off keeps.
hand_off_model_path() {
  if [ "$DRY_RUN" = 1 ]; then
    printf '+ kubectl apply --server-side --field-manager=%s -f -   # the current MODEL_PATH of %s and %s-canary, as it is\n' \
      "$MODEL_PATH_FIELD_MANAGER" "$DEPLOYMENT" "$DEPLOYMENT"
    return
  fi
  local name path docs=""
  for name in "$DEPLOYMENT" "${DEPLOYMENT}-canary"; do
    path="$(kubectl -n "$NAMESPACE" get deployment "$name" --ignore-not-found \
      -o "jsonpath={.spec.template.spec.containers[?(@.name==\"${CONTAINER}\")].env[?(@.name==\"MODEL_PATH\")].value}")"
    [ -n "$path" ] || continue
    docs+="$(printf -- '---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n  template:\n    spec:\n      containers:\n        - name: %s\n          env:\n            - name: MODEL_PATH\n              value: "%s"\n' \
      "$name" "$NAMESPACE" "$CONTAINER" "$path")"$'\n'
  done
  [ -z "$docs" ] || printf '%s' "$docs" | kubectl apply --server-side --field-manager="$MODEL_PATH_FIELD_MANAGER" -f -
}
