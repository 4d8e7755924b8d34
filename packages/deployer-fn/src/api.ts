/**
 * The deployer's building blocks for other entry points (the maskops-replay CLI,
 * tests, the local demo). `function.ts` is only the Cloud Run entry.
 */
export type { DeployerConfig } from './config';
export { readConfig } from './config';
export type { HandleOptions } from './handler';
export type { HandleResult } from './decision-log';
export { handleMessage } from './handler';
export { Outcome, OUTCOME_SEVERITY } from './outcome';
export { DeployError, ErrorKind, DeployErrorCode, isPermanent, classifyKubeError } from './errors';
export type { DeploymentPatch, PatchPlan } from './deploy/plan-patch';
export { planPatch, changeCause } from './deploy/plan-patch';
export { selectContainer } from './deploy/select-container';
export { Annotation } from './deploy/annotations';
export type { DeployDeps } from './deploy/deps';
export { defaultRuntime } from './deploy/deps';
export { applyCandidate } from './deploy/apply-patch';
export { watchRollout, rolloutState } from './deploy/watch-rollout';
export { rollback } from './deploy/rollback';
export type { DeploymentsApi } from './cluster/kube-client';
export { gkeKubeConfig, fileKubeConfig, kubeDeploymentsApi } from './cluster/kube-client';
export type { ClusterAccess } from './cluster/gke-cluster';
export { clusterUrl, fetchClusterAccess } from './cluster/gke-cluster';
export type { ClusterConnector, ClusterConnectorOptions } from './cluster/cluster-connector';
export { createClusterConnector } from './cluster/cluster-connector';
export type { TokenSource } from './cluster/token-source';
export { googleTokenSource, CLOUD_PLATFORM_SCOPE } from './cluster/token-source';
export { createOnNewImageHttp, RequestRefusal } from './http-entry';
export type { OnNewImageOptions, PubsubEventHandler } from './on-new-image';
export {
  createOnNewImage,
  createOnNewImageLegacy,
  createPubsubHandler,
  RetryableInvocationError,
} from './on-new-image';
export type {
  CanaryEvidence,
  Figures,
  Histogram,
  TestResult,
  TrackEvidence,
  TrackFigures,
  Verdict,
  VerdictSettings,
} from './canary/verdict';
export { AbortReason, canaryVerdict } from './canary/verdict';
export type { QueryScope } from './canary/canary-figures';
export { readEvidence } from './canary/canary-figures';
export type { PrometheusClient } from './canary/prometheus-client';
export { readCanaryConfig } from './canary/canary-config';
