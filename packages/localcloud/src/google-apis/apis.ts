import type { CloudState } from './cloud-state';
import { artifactRegistryRoutes } from './artifact-registry';
import { certificateManagerRoutes } from './certificate-manager';
import { cloudBuildRoutes } from './cloud-build';
import { cloudFunctionsRoutes } from './cloud-functions';
import { cloudTasksQueueRoutes } from './cloud-tasks-queues';
import { containerRoutes } from './container';
import type { ClusterEndpoint } from './container';
import { iamRoutes } from './iam';
import { pubsubRoutes } from './pubsub';
import { resourceManagerRoutes } from './resource-manager';
import { secretManagerRoutes } from './secret-manager';
import type { Route } from './route';
import { eventarcRoutes, runRoutes } from './run-eventarc';
import { serviceUsageRoutes } from './serviceusage';

/** gcloud's API names (the `<API>` of `CLOUDSDK_API_ENDPOINT_OVERRIDES_<API>`) → their stand-ins. */
export const API_ROUTES: Record<string, (state: CloudState, kube?: ClusterEndpoint) => Route[]> = {
  artifactregistry: artifactRegistryRoutes,
  certificatemanager: certificateManagerRoutes,
  cloudbuild: cloudBuildRoutes,
  cloudfunctions: cloudFunctionsRoutes,
  cloudresourcemanager: resourceManagerRoutes,
  cloudtasks: cloudTasksQueueRoutes,
  container: containerRoutes,
  eventarc: eventarcRoutes,
  iam: iamRoutes,
  pubsub: pubsubRoutes,
  run: runRoutes,
  secretmanager: secretManagerRoutes,
  serviceusage: serviceUsageRoutes,
};

/**
 * APIs a gcloud command might reach for without a stand-in here: overridden too, so
 * such a call is answered 501 and recorded instead of leaving for Google.
 */
export const OVERRIDDEN_WITHOUT_STAND_IN = [
  'appengine',
  'cloudbilling',
  'cloudscheduler',
  'compute',
  'iamcredentials',
  'logging',
  'monitoring',
  'sts',
];
