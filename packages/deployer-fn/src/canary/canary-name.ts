/** The canary Deployment's name: `<DEPLOYMENT>-canary` (created by infra/k8s at 0 replicas). */
export const canaryName = (deployment: string): string => `${deployment}-canary`;
