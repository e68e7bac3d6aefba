/**
 * Defaulting as upstream's SetDefaults_* functions do it (pkg/apis/core/v1/defaults.go,
 * pkg/apis/apps/v1/defaults.go, batch/v1, storage/v1, scheduling/v1, networking/v1,
 * autoscaling/v2) for the fields clients and controllers rely on.
 * Mutates the object it is given; callers pass a private copy.
 */
type Obj = Record<string, unknown>;

function obj(parent: Obj, key: string): Obj {
  const v = parent[key];
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Obj;
  const fresh: Obj = {};
  parent[key] = fresh;
  return fresh;
}
function setIfAbsent(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}
function list(o: Obj, key: string): Obj[] {
  const v = o[key];
  return Array.isArray(v) ? (v.filter((x) => typeof x === 'object' && x !== null) as Obj[]) : [];
}

function defaultContainer(c: Obj): void {
  const image = typeof c['image'] === 'string' ? c['image'] : '';
  const lastSegment = image.split('/').pop() ?? '';
  const tagged = lastSegment.includes(':') && !image.endsWith(':latest');
  setIfAbsent(c, 'imagePullPolicy', image.includes('@') || tagged ? 'IfNotPresent' : 'Always');
  setIfAbsent(c, 'terminationMessagePath', '/dev/termination-log');
  setIfAbsent(c, 'terminationMessagePolicy', 'File');
  setIfAbsent(c, 'resources', {});
  for (const p of list(c, 'ports')) setIfAbsent(p, 'protocol', 'TCP');
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const pr = c[probe];
    if (typeof pr === 'object' && pr !== null) {
      const p = pr as Obj;
      setIfAbsent(p, 'timeoutSeconds', 1);
      setIfAbsent(p, 'periodSeconds', 10);
      setIfAbsent(p, 'successThreshold', 1);
      setIfAbsent(p, 'failureThreshold', 3);
    }
  }
}

export function defaultPodSpec(spec: Obj, admission = false): void {
  setIfAbsent(spec, 'restartPolicy', 'Always');
  setIfAbsent(spec, 'terminationGracePeriodSeconds', 30);
  setIfAbsent(spec, 'dnsPolicy', 'ClusterFirst');
  setIfAbsent(spec, 'schedulerName', 'default-scheduler');
  setIfAbsent(spec, 'securityContext', {});
  setIfAbsent(spec, 'enableServiceLinks', true);
  if (admission) {
    // Set on Pods by admission plugins (ServiceAccount, Priority), not on templates.
    setIfAbsent(spec, 'serviceAccountName', 'default');
    setIfAbsent(spec, 'serviceAccount', spec['serviceAccountName']);
    setIfAbsent(spec, 'priority', 0);
    setIfAbsent(spec, 'preemptionPolicy', 'PreemptLowerPriority');
  }
  for (const c of [...list(spec, 'containers'), ...list(spec, 'initContainers')]) defaultContainer(c);
}

/** The DefaultTolerationSeconds admission plugin: 300 s for not-ready and unreachable. */
function defaultTolerations(spec: Obj): void {
  const tolerations = list(spec, 'tolerations');
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    if (tolerations.some((t) => t['key'] === key || (t['key'] === undefined && t['operator'] === 'Exists'))) continue;
    tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
  spec['tolerations'] = tolerations;
}

function defaultTemplate(spec: Obj): void {
  const template = obj(spec, 'template');
  defaultPodSpec(obj(template, 'spec'));
}

export function applyDefaults(kind: string, o: Obj, creating: boolean): void {
  const spec = (): Obj => obj(o, 'spec');
  switch (kind) {
    case 'Pod': {
      defaultPodSpec(spec(), creating);
      if (creating) {
        defaultTolerations(spec());
        const status = obj(o, 'status');
        setIfAbsent(status, 'phase', 'Pending');
        setIfAbsent(status, 'qosClass', 'BestEffort');
      }
      break;
    }
    case 'Deployment': {
      const s = spec();
      setIfAbsent(s, 'replicas', 1);
      setIfAbsent(s, 'revisionHistoryLimit', 10);
      setIfAbsent(s, 'progressDeadlineSeconds', 600);
      const strategy = obj(s, 'strategy');
      setIfAbsent(strategy, 'type', 'RollingUpdate');
      if (strategy['type'] === 'RollingUpdate') {
        const ru = obj(strategy, 'rollingUpdate');
        setIfAbsent(ru, 'maxUnavailable', '25%');
        setIfAbsent(ru, 'maxSurge', '25%');
      }
      defaultTemplate(s);
      break;
    }
    case 'ReplicaSet': {
      setIfAbsent(spec(), 'replicas', 1);
      defaultTemplate(spec());
      break;
    }
    case 'Service': {
      const s = spec();
      setIfAbsent(s, 'type', 'ClusterIP');
      setIfAbsent(s, 'sessionAffinity', 'None');
      if (s['type'] !== 'ExternalName') {
        setIfAbsent(s, 'ipFamilies', ['IPv4']);
        setIfAbsent(s, 'ipFamilyPolicy', 'SingleStack');
        setIfAbsent(s, 'internalTrafficPolicy', 'Cluster');
      }
      if (s['type'] === 'NodePort' || s['type'] === 'LoadBalancer') setIfAbsent(s, 'externalTrafficPolicy', 'Cluster');
      if (s['type'] === 'LoadBalancer') setIfAbsent(s, 'allocateLoadBalancerNodePorts', true);
      for (const p of list(s, 'ports')) {
        setIfAbsent(p, 'protocol', 'TCP');
        setIfAbsent(p, 'targetPort', p['port']);
      }
      if (creating) obj(obj(o, 'status'), 'loadBalancer');
      break;
    }
    case 'Namespace': {
      const meta = obj(o, 'metadata');
      if (typeof meta['name'] === 'string') obj(meta, 'labels')['kubernetes.io/metadata.name'] = meta['name'];
      if (creating) {
        setIfAbsent(spec(), 'finalizers', ['kubernetes']);
        setIfAbsent(obj(o, 'status'), 'phase', 'Active');
      }
      break;
    }
    case 'Secret':
      setIfAbsent(o, 'type', 'Opaque');
      break;
    case 'Node':
      if (creating) obj(o, 'spec');
      break;
    case 'EndpointSlice':
      for (const p of list(o, 'ports')) setIfAbsent(p, 'protocol', 'TCP');
      break;
    case 'Endpoints':
      for (const subset of list(o, 'subsets')) for (const p of list(subset, 'ports')) setIfAbsent(p, 'protocol', 'TCP');
      break;
    case 'Event':
      setIfAbsent(o, 'type', 'Normal');
      // events.k8s.io Events (eventTime set) count in series, not in the legacy counter.
      if (o['eventTime'] === undefined || o['eventTime'] === null) setIfAbsent(o, 'count', 1);
      break;
    default:
      defaultOtherKind(kind, o, creating);
  }
}

function defaultRollingUpdate(strategy: Obj, maxUnavailable: unknown, maxSurge?: unknown): void {
  setIfAbsent(strategy, 'type', 'RollingUpdate');
  if (strategy['type'] !== 'RollingUpdate') return;
  const ru = obj(strategy, 'rollingUpdate');
  setIfAbsent(ru, 'maxUnavailable', maxUnavailable);
  if (maxSurge !== undefined) setIfAbsent(ru, 'maxSurge', maxSurge);
}

function defaultJobSpec(s: Obj): void {
  setIfAbsent(s, 'completions', s['parallelism'] ?? 1);
  setIfAbsent(s, 'parallelism', 1);
  setIfAbsent(s, 'backoffLimit', 6);
  setIfAbsent(s, 'completionMode', 'NonIndexed');
  setIfAbsent(s, 'suspend', false);
  setIfAbsent(s, 'manualSelector', false);
  setIfAbsent(s, 'podReplacementPolicy', 'TerminatingOrFailed');
  defaultTemplate(s);
}

/** Kinds served for the upstream controllers (issue 9): their v1 SetDefaults_* functions. */
function defaultOtherKind(kind: string, o: Obj, creating: boolean): void {
  const spec = (): Obj => obj(o, 'spec');
  switch (kind) {
    case 'ReplicationController': {
      const s = spec();
      setIfAbsent(s, 'replicas', 1);
      setIfAbsent(s, 'minReadySeconds', 0);
      // An RC without a selector selects its template's labels, and is labelled with them.
      const labels = obj(obj(obj(s, 'template'), 'metadata'), 'labels');
      if (Object.keys(labels).length > 0) {
        if (s['selector'] === undefined || s['selector'] === null || Object.keys(s['selector'] as Obj).length === 0) s['selector'] = { ...labels };
        const meta = obj(o, 'metadata');
        if (meta['labels'] === undefined || Object.keys(meta['labels'] as Obj).length === 0) meta['labels'] = { ...labels };
      }
      defaultTemplate(s);
      break;
    }
    case 'PodTemplate':
      defaultPodSpec(obj(obj(o, 'template'), 'spec'));
      break;
    case 'StatefulSet': {
      const s = spec();
      setIfAbsent(s, 'replicas', 1);
      setIfAbsent(s, 'podManagementPolicy', 'OrderedReady');
      setIfAbsent(s, 'revisionHistoryLimit', 10);
      setIfAbsent(s, 'minReadySeconds', 0);
      const strategy = obj(s, 'updateStrategy');
      setIfAbsent(strategy, 'type', 'RollingUpdate');
      if (strategy['type'] === 'RollingUpdate') setIfAbsent(obj(strategy, 'rollingUpdate'), 'partition', 0);
      const retention = obj(s, 'persistentVolumeClaimRetentionPolicy');
      setIfAbsent(retention, 'whenDeleted', 'Retain');
      setIfAbsent(retention, 'whenScaled', 'Retain');
      for (const claim of list(s, 'volumeClaimTemplates')) setIfAbsent(obj(claim, 'spec'), 'volumeMode', 'Filesystem');
      defaultTemplate(s);
      break;
    }
    case 'DaemonSet': {
      const s = spec();
      setIfAbsent(s, 'revisionHistoryLimit', 10);
      setIfAbsent(s, 'minReadySeconds', 0);
      defaultRollingUpdate(obj(s, 'updateStrategy'), 1, 0);
      defaultTemplate(s);
      break;
    }
    case 'Job':
      defaultJobSpec(spec());
      break;
    case 'CronJob': {
      const s = spec();
      setIfAbsent(s, 'concurrencyPolicy', 'Allow');
      setIfAbsent(s, 'suspend', false);
      setIfAbsent(s, 'successfulJobsHistoryLimit', 3);
      setIfAbsent(s, 'failedJobsHistoryLimit', 1);
      defaultJobSpec(obj(obj(s, 'jobTemplate'), 'spec'));
      break;
    }
    case 'HorizontalPodAutoscaler': {
      const s = spec();
      setIfAbsent(s, 'minReplicas', 1);
      if (list(s, 'metrics').length === 0) s['metrics'] = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
      break;
    }
    case 'PersistentVolume': {
      const s = spec();
      setIfAbsent(s, 'persistentVolumeReclaimPolicy', 'Retain');
      setIfAbsent(s, 'volumeMode', 'Filesystem');
      if (creating) setIfAbsent(obj(o, 'status'), 'phase', 'Pending');
      break;
    }
    case 'PersistentVolumeClaim':
      setIfAbsent(spec(), 'volumeMode', 'Filesystem');
      if (creating) setIfAbsent(obj(o, 'status'), 'phase', 'Pending');
      break;
    case 'StorageClass':
      setIfAbsent(o, 'reclaimPolicy', 'Delete');
      setIfAbsent(o, 'volumeBindingMode', 'Immediate');
      break;
    case 'CSIDriver': {
      const s = spec();
      setIfAbsent(s, 'attachRequired', true);
      setIfAbsent(s, 'podInfoOnMount', false);
      setIfAbsent(s, 'storageCapacity', false);
      setIfAbsent(s, 'fsGroupPolicy', 'ReadWriteOnceWithFSType');
      setIfAbsent(s, 'requiresRepublish', false);
      setIfAbsent(s, 'seLinuxMount', false);
      setIfAbsent(s, 'volumeLifecycleModes', ['Persistent']);
      break;
    }
    case 'PriorityClass':
      setIfAbsent(o, 'preemptionPolicy', 'PreemptLowerPriority');
      setIfAbsent(o, 'globalDefault', false);
      break;
    case 'NetworkPolicy': {
      const s = spec();
      if (list(s, 'policyTypes').length === 0) s['policyTypes'] = list(s, 'egress').length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
      for (const rule of [...list(s, 'ingress'), ...list(s, 'egress')]) for (const p of list(rule, 'ports')) setIfAbsent(p, 'protocol', 'TCP');
      break;
    }
    case 'LimitRange':
      // Upstream: a Container limit range without defaults defaults them from max.
      for (const item of list(spec(), 'limits')) {
        if (item['type'] !== 'Container') continue;
        const max = item['max'];
        if (typeof max === 'object' && max !== null) {
          item['default'] = { ...(max as Obj), ...((item['default'] ?? {}) as Obj) };
          item['defaultRequest'] = { ...((item['default'] ?? {}) as Obj), ...((item['defaultRequest'] ?? {}) as Obj) };
        }
      }
      break;
  }
}
