export { VERSION } from './version';
export type { Fault, RecordedRequest } from './faults';
export { startMetadataServer, fakeIdentityToken } from './metadata-server';
export type { MetadataServer, MetadataServerOptions } from './metadata-server';
export { startContainerApi } from './container-api';
export { googleError } from './google-api';
export type { ClusterDefinition, ContainerApiOptions, ContainerApiServer } from './container-api';
export { startKubeApi } from './kube-api/server';
export type { KubeApiOptions, KubeApiServer } from './kube-api/server';
export { ROLLOUT_MODE } from './kube-api/rollout-controller';
export type { RolloutMode } from './kube-api/rollout-controller';
export { deploymentFixture } from './kube-api/deployment-object';
export type { DeploymentCondition, DeploymentView } from './kube-api/deployment-view';
export { kubeStatus } from './kube-api/status';
export type { KubeStatus } from './kube-api/status';
export { PATCH_TYPE } from './kube-api/deployment-routes';
export { applyStrategicMergePatch } from './kube-api/strategic-merge';
export { applyMergePatch } from './kube-api/merge-patch';
export { applyJsonPatch } from './kube-api/json-patch';
export { kubeconfigYaml } from './kube-api/kubeconfig';
export { startGoogleApis } from './google-apis/server';
export type { GoogleApisOptions, GoogleApisServer, RecordedApiCall } from './google-apis/server';
export type { PublishedMessage, PublishListener } from './google-apis/topic-messages';
export { startCloudTasks } from './cloud-tasks/server';
export type { CloudTasksOptions, CloudTasksServer } from './cloud-tasks/server';
export { TASK_STATE } from './cloud-tasks/dispatcher';
export type {
  DeliveryAttempt,
  LogLine,
  RetryPolicy,
  TaskOutcome,
  TaskState,
} from './cloud-tasks/dispatcher';
export { startPrometheus } from './prometheus/server';
export { createPromqlEngine } from './prometheus/engine';
export type { PromqlEngine } from './prometheus/engine';
export type { PrometheusOptions, PrometheusServer } from './prometheus/server';
export type { ScrapeTarget, TargetHealth } from './prometheus/scraper';
export type { QueryResult, VectorSample } from './prometheus/promql-eval';
export type { Labels as PrometheusLabels } from './prometheus/labels';
export { parseExposition } from './prometheus/exposition';
export { startLocalCloud } from './local-cloud';
export type { LocalCloud, LocalCloudOptions } from './local-cloud';
export { cloudEventBinary, cloudEventStructured, pubsubPushBody } from './pubsub';
export type { PushOptions, PushRequest } from './pubsub';
// Re-exported so tests and the local demo build a message and its push in one import.
export { MESSAGE_PUBLISHED, pubsubMessage, sleep } from '@maskops/shared';
export type { PubsubMessage } from '@maskops/shared';
export { defaultServerTls, generateCertificateAuthority, issueServerCertificate } from './tls';
export type { CertificateAuthority, ServerTls } from './tls';
export { FunctionProcess, functionsFrameworkBin, SignatureType } from './function-process';
export type { FunctionProcessOptions } from './function-process';
export { freePort } from './free-port';
