/** A kubeconfig for kubectl or `KubeConfig.loadFromFile`, inlining CA and token. */
export function kubeconfigYaml(opts: {
  server: string;
  caPem: string;
  token: string;
  namespace?: string | undefined;
  name?: string;
}): string {
  const name = opts.name ?? 'localcloud';
  const ca = Buffer.from(opts.caPem).toString('base64');
  const namespace = opts.namespace ? `\n    namespace: ${JSON.stringify(opts.namespace)}` : '';
  // JSON strings are valid YAML scalars, which keeps quoting right without a YAML library.
  return `apiVersion: v1
kind: Config
clusters:
- name: ${name}
  cluster:
    server: ${JSON.stringify(opts.server)}
    certificate-authority-data: ${ca}
users:
- name: ${name}
  user:
    token: ${JSON.stringify(opts.token)}
contexts:
- name: ${name}
  context:
    cluster: ${name}
    user: ${name}${namespace}
current-context: ${name}
preferences: {}
`;
}
