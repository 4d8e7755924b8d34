import type { ImageRegistry } from './image-store';
import { Pod } from './pod';
import { containerEnv, type PodRuntime } from './pod-runtime';

/**
 * The default runtime: pods are inference-api processes on this host, run from the
 * directory images of this run (image-store.ts). A machine without a Docker Engine runs
 * the demo this way. The container's literal env is set over the controller's.
 */
export function processPodRuntime(registry: ImageRegistry): PodRuntime {
  return {
    pull: (image) => {
      const local = registry.resolve(image);
      if (!local) return Promise.reject(new Error(`${image}: no such local image`));
      return Promise.resolve({
        reference: image,
        digest: local.digest,
        ...(local.env.MASKOPS_BUILD_ID ? { buildId: local.env.MASKOPS_BUILD_ID } : {}),
      });
    },
    start: async (o) => {
      const local = registry.resolve(o.image.reference);
      if (!local) throw new Error(`${o.image.reference}: no such local image`);
      const c = o.deployment.spec.template.spec.containers.find((x) => x.name === o.container);
      return Pod.start({
        name: o.name,
        image: local,
        env: { ...o.env, ...containerEnv(c?.env) },
        onLog: o.onLog,
      });
    },
  };
}
