// Speed of the stand-ins, for people choosing rolloutStepMs or wondering about test start-up.
// Prints medians only; nothing here asserts on time. Run after `pnpm build`: `pnpm bench`.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const lc = require('../dist/index.js');
const forge = require('node-forge');
const {
  AppsV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} = require('@kubernetes/client-node');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
async function time(n, fn) {
  const out = [];
  for (let i = 0; i < n; i += 1) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return median(out);
}
const fmt = (ms) => `${ms.toFixed(1)} ms`;

const { generateKeyPairSync, privateEncrypt, constants, createHash } = require('node:crypto');
const pemPair = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
const keygen = await time(9, pemPair);
console.log(`native 2048-bit RSA key generation (median of 9): ${fmt(keygen)}`);
forge.options.usePureJavaScript = true;
const pureKeygen = await time(1, () => forge.pki.rsa.generateKeyPair({ bits: 2048 }));
forge.options.usePureJavaScript = false;
console.log(
  `node-forge pure-JS key generation (1 run): ${fmt(pureKeygen)}  (${(pureKeygen / keygen).toFixed(0)}x native)`,
);
const { privateKey } = pemPair();
const forgeKey = forge.pki.privateKeyFromPem(privateKey);
const tbs = Buffer.alloc(1200, 7).toString('binary');
const forgeSign = await time(9, () => {
  const md = forge.md.sha256.create();
  md.update(tbs);
  forgeKey.sign(md);
});
const prefix = Buffer.from('3031300d060960864801650304020105000420', 'hex');
const nativeSign = await time(9, () =>
  privateEncrypt(
    { key: privateKey, padding: constants.RSA_PKCS1_PADDING },
    Buffer.concat([prefix, createHash('sha256').update(Buffer.from(tbs, 'binary')).digest()]),
  ),
);
console.log(
  `certificate signature: node-forge ${fmt(forgeSign)} vs native ${fmt(nativeSign)} (median of 9; ${(forgeSign / nativeSign).toFixed(0)}x)`,
);
const fullTls = await time(5, () => lc.issueServerCertificate(lc.generateCertificateAuthority()));
console.log(`CA + server certificate as startKubeApi makes them (median of 5): ${fmt(fullTls)}`);

const kube = await lc.startKubeApi({ rolloutStepMs: 50 });
const kc = new KubeConfig();
kc.loadFromOptions({
  clusters: [{ name: 'c', server: kube.url, caData: Buffer.from(kube.caPem).toString('base64') }],
  users: [{ name: 'u', token: kube.token }],
  contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
  currentContext: 'x',
});
const api = kc.makeApiClient(AppsV1Api);
kube.putDeployment(lc.deploymentFixture({ name: 'bench', replicas: 3 }));

const read = await time(200, () =>
  api.readNamespacedDeployment({ name: 'bench', namespace: 'default' }),
);
console.log(`client-node readNamespacedDeployment over HTTPS (median of 200): ${fmt(read)}`);
const smp = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
const patch = await time(100, (i) =>
  api.patchNamespacedDeployment(
    { name: 'bench', namespace: 'default', body: { metadata: { annotations: { n: String(i) } } } },
    smp,
  ),
);
console.log(`client-node strategic-merge patch (median of 100): ${fmt(patch)}`);

const rollout = await time(5, async (i) => {
  await api.patchNamespacedDeployment(
    {
      name: 'bench',
      namespace: 'default',
      body: {
        spec: {
          template: { spec: { containers: [{ name: 'bench', image: `repo/app:${i + 2}` }] } },
        },
      },
    },
    smp,
  );
  for (;;) {
    const d = kube.getDeployment('default', 'bench');
    const p = d.status.conditions?.find((c) => c.type === 'Progressing');
    if (
      d.status.observedGeneration === d.metadata.generation &&
      p?.reason === 'NewReplicaSetAvailable'
    )
      break;
    await new Promise((r) => setTimeout(r, 5));
  }
});
console.log(
  `3-replica rollout at rolloutStepMs=50, patch to complete (median of 5): ${fmt(rollout)}`,
);
await kube.close();
