/**
 * `docker run` arguments that run a container the way a Kubernetes Deployment's pod
 * template says: user and groups, read-only root, dropped capabilities, no privilege
 * escalation, env (literal values and the pod's own labels), the memory limit as
 * `--memory`, the CPU request as `--cpus` (GKE Autopilot sets limits equal to requests),
 * emptyDir and Secret volumes as host folders, probes and the termination grace period. Host
 * networking: HOST becomes 127.0.0.1 and every env value naming a container port
 * becomes a host port the caller picked. Anything the template asks for that this
 * cannot reproduce is an error, never silently dropped.
 */

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}
interface HttpProbe {
  httpGet?: { path: string; port: string | number };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  failureThreshold?: number;
}
interface Container {
  name: string;
  env?: EnvVar[];
  ports?: Array<{ name?: string; containerPort: number }>;
  resources?: {
    requests?: { cpu?: string; memory?: string };
    limits?: { cpu?: string; memory?: string };
  };
  startupProbe?: HttpProbe;
  readinessProbe?: HttpProbe;
  livenessProbe?: HttpProbe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    runAsNonRoot?: boolean;
    runAsUser?: number;
    runAsGroup?: number;
    capabilities?: { drop?: string[]; add?: string[] };
  };
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
/** The parts of an apps/v1 Deployment read here. */
export interface DeploymentSpec {
  metadata: { name: string };
  spec: {
    template: {
      metadata: { labels?: Record<string, string> };
      spec: {
        terminationGracePeriodSeconds?: number;
        securityContext?: {
          runAsNonRoot?: boolean;
          runAsUser?: number;
          runAsGroup?: number;
          fsGroup?: number;
          seccompProfile?: { type: string };
        };
        containers: Container[];
        volumes?: Array<{
          name: string;
          emptyDir?: { sizeLimit?: string };
          secret?: { secretName: string; defaultMode?: number };
        }>;
      };
    };
  };
}

export interface PodRunOptions {
  /** The container's name in the template (default: the first). */
  container?: string;
  /** The host port for a container port (host networking: every container port moves). */
  hostPort: (containerPort: number) => number;
  /** A host folder for an emptyDir volume, writable by the pod's user or fsGroup. */
  emptyDir: (volume: string, mountPath: string) => string;
  /**
   * A host folder holding the files of a Secret volume (one per key), readable by the
   * pod's user. Mounted whole and read-only, as the kubelet does (never subPath).
   */
  secret?: (secretName: string, mountPath: string) => string;
}

interface HttpCheck {
  path: string;
  port: number;
}

export interface PodRun {
  /** `docker run` options, before the image. */
  args: string[];
  env: Record<string, string>;
  user: { uid: number; gid: number };
  startup: HttpCheck & { budgetMs: number };
  readiness: HttpCheck;
  liveness?: HttpCheck;
  /** terminationGracePeriodSeconds, and the part of it the preStop `sleep` takes first. */
  gracePeriodMs: number;
  preStopMs: number;
  /** Memory limit in bytes. */
  memoryBytes?: number;
  cpus?: number;
}

const UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
};

/** A Kubernetes memory quantity (2Gi, 512Mi, 1G) in bytes. */
function memoryBytes(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)([kMG]i?|)$/.exec(quantity);
  if (!m || UNITS[m[2]] === undefined)
    throw new Error(`memory quantity "${quantity}" not understood`);
  return Math.round(Number(m[1]) * UNITS[m[2]]);
}

/** A Kubernetes CPU quantity (1, 0.5, 500m) in CPUs. */
function cpus(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(quantity);
  if (!m) throw new Error(`cpu quantity "${quantity}" not understood`);
  return m[2] ? Number(m[1]) / 1000 : Number(m[1]);
}

export function podRun(deployment: DeploymentSpec, o: PodRunOptions): PodRun {
  const pod = deployment.spec.template.spec;
  const c = o.container ? pod.containers.find((x) => x.name === o.container) : pod.containers[0];
  if (!c) throw new Error(`no container ${o.container ?? ''} in ${deployment.metadata.name}`);
  const podSec = pod.securityContext ?? {};
  const sec = c.securityContext ?? {};
  const uid = sec.runAsUser ?? podSec.runAsUser;
  const gid = sec.runAsGroup ?? podSec.runAsGroup ?? uid;
  if (uid === undefined || gid === undefined) {
    throw new Error(
      'the pod sets no runAsUser: the image user would apply, which this does not read',
    );
  }
  const args = ['--network', 'host', '--user', `${uid}:${gid}`];
  if (podSec.fsGroup !== undefined) args.push('--group-add', String(podSec.fsGroup));
  const seccomp = podSec.seccompProfile?.type;
  // Docker's default seccomp profile is the runtime's default.
  if (seccomp !== undefined && seccomp !== 'RuntimeDefault') {
    throw new Error(`seccompProfile ${seccomp} is not reproduced`);
  }
  if (sec.readOnlyRootFilesystem) args.push('--read-only');
  if (sec.allowPrivilegeEscalation === false) args.push('--security-opt', 'no-new-privileges');
  for (const cap of sec.capabilities?.drop ?? []) args.push('--cap-drop', cap);
  for (const cap of sec.capabilities?.add ?? []) args.push('--cap-add', cap);

  const ports = new Map((c.ports ?? []).map((p) => [p.containerPort, o.hostPort(p.containerPort)]));
  const named = new Map(
    (c.ports ?? []).flatMap((p) => (p.name ? [[p.name, p.containerPort]] : [])),
  );
  const labels = deployment.spec.template.metadata.labels ?? {};
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) env[e.name] = envValue(e, labels, ports);
  env.HOST = '127.0.0.1';
  for (const [k, v] of Object.entries(env)) args.push('--env', `${k}=${v}`);

  const memory = c.resources?.limits?.memory;
  const cpu = c.resources?.requests?.cpu ?? c.resources?.limits?.cpu;
  const run: Pick<PodRun, 'memoryBytes' | 'cpus'> = {};
  if (memory) {
    run.memoryBytes = memoryBytes(memory);
    // Kubernetes has no swap for the container: its limit is the memory limit.
    args.push('--memory', String(run.memoryBytes), '--memory-swap', String(run.memoryBytes));
  }
  if (cpu) {
    run.cpus = cpus(cpu);
    args.push('--cpus', String(run.cpus));
  }

  for (const m of c.volumeMounts ?? []) {
    const volume = pod.volumes?.find((v) => v.name === m.name);
    let src: string;
    let readOnly = m.readOnly === true;
    if (volume?.emptyDir) {
      src = o.emptyDir(m.name, m.mountPath);
    } else if (volume?.secret && o.secret) {
      src = o.secret(volume.secret.secretName, m.mountPath);
      // The kubelet mounts Secret volumes read-only whatever the mount says.
      readOnly = true;
    } else {
      throw new Error(
        `volume ${m.name}: only emptyDir volumes${o.secret ? ' and Secret volumes' : ''} are reproduced`,
      );
    }
    args.push('--mount', `type=bind,src=${src},dst=${m.mountPath}${readOnly ? ',readonly' : ''}`);
  }

  const check = (probe: HttpProbe | undefined, what: string): HttpCheck => {
    const get = probe?.httpGet;
    if (!get) throw new Error(`the ${what} probe is not an httpGet probe`);
    const containerPort = typeof get.port === 'number' ? get.port : named.get(get.port);
    const port = containerPort === undefined ? undefined : ports.get(containerPort);
    if (port === undefined) throw new Error(`the ${what} probe's port ${get.port} is not declared`);
    return { path: get.path, port };
  };
  const startup = c.startupProbe ?? c.readinessProbe;
  const budgetS =
    (startup?.initialDelaySeconds ?? 0) +
    (startup?.periodSeconds ?? 10) * (startup?.failureThreshold ?? 3);
  const preStop = c.lifecycle?.preStop?.exec?.command ?? [];
  const preStopS = preStop[0] === 'sleep' ? Number(preStop[1]) : 0;
  return {
    args,
    env,
    user: { uid, gid },
    startup: { ...check(startup, 'startup'), budgetMs: budgetS * 1000 },
    readiness: check(c.readinessProbe, 'readiness'),
    ...(c.livenessProbe ? { liveness: check(c.livenessProbe, 'liveness') } : {}),
    gracePeriodMs: (pod.terminationGracePeriodSeconds ?? 30) * 1000,
    preStopMs: preStopS * 1000,
    ...run,
  };
}

function envValue(e: EnvVar, labels: Record<string, string>, ports: Map<number, number>): string {
  if (e.value !== undefined) {
    const port = /^\d+$/.test(e.value) ? ports.get(Number(e.value)) : undefined;
    return port === undefined ? e.value : String(port);
  }
  const field = e.valueFrom?.fieldRef?.fieldPath;
  const label = field ? /^metadata\.labels\['([^']+)'\]$/.exec(field) : null;
  if (label && labels[label[1]] !== undefined) return labels[label[1]];
  throw new Error(`env ${e.name}: ${JSON.stringify(e.valueFrom)} is not reproduced`);
}
