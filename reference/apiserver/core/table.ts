/**
 * Server-side printing (meta.k8s.io/v1 Table), what `kubectl get` asks for with
 * `Accept: application/json;as=Table;g=meta.k8s.io;v=v1`. Columns follow upstream's
 * printers for the kinds users look at most; other kinds get Name and Age, as upstream's
 * default table convertor does.
 */
type Obj = Record<string, any>;

interface Column {
  name: string;
  type: string;
  format?: string;
  description: string;
  priority: number;
}

export function age(created: string | undefined, nowSeconds: number): string {
  if (created === undefined) return '<unknown>';
  const s = Math.max(0, nowSeconds - Math.floor(Date.parse(created) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 === 0 ? '' : `${s % 60}s`}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

const NAME: Column = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 };
const AGE: Column = { name: 'Age', type: 'string', description: 'CreationTimestamp of the object.', priority: 0 };
const col = (name: string, type = 'string', priority = 0): Column => ({ name, type, description: name, priority });

function podStatus(p: Obj): string {
  if (p.metadata?.deletionTimestamp !== undefined) return 'Terminating';
  const waiting = (p.status?.containerStatuses ?? []).map((c: Obj) => c.state?.waiting?.reason ?? c.state?.terminated?.reason).find((r: unknown) => typeof r === 'string');
  return waiting ?? p.status?.reason ?? p.status?.phase ?? 'Pending';
}

const PRINTERS: Record<string, { columns: Column[]; cells: (o: Obj, now: number) => unknown[] }> = {
  Pod: {
    columns: [NAME, col('Ready'), col('Status'), col('Restarts', 'string'), AGE, col('IP', 'string', 1), col('Node', 'string', 1)],
    cells: (p, now) => {
      const statuses = (p.status?.containerStatuses ?? []) as Obj[];
      const total = (p.spec?.containers ?? []).length;
      return [p.metadata?.name, `${statuses.filter((c) => c.ready === true).length}/${total}`, podStatus(p), String(statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0)), age(p.metadata?.creationTimestamp, now), p.status?.podIP ?? '<none>', p.spec?.nodeName ?? '<none>'];
    },
  },
  Node: {
    columns: [NAME, col('Status'), col('Roles'), AGE, col('Version')],
    cells: (n, now) => {
      const ready = ((n.status?.conditions ?? []) as Obj[]).find((c) => c.type === 'Ready');
      const status = ready === undefined ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady';
      const roles = Object.keys(n.metadata?.labels ?? {}).filter((k) => k.startsWith('node-role.kubernetes.io/')).map((k) => k.slice('node-role.kubernetes.io/'.length));
      return [n.metadata?.name, `${status}${n.spec?.unschedulable === true ? ',SchedulingDisabled' : ''}`, roles.length > 0 ? roles.join(',') : '<none>', age(n.metadata?.creationTimestamp, now), n.status?.nodeInfo?.kubeletVersion ?? ''];
    },
  },
  Deployment: {
    columns: [NAME, col('Ready'), col('Up-to-date', 'integer'), col('Available', 'integer'), AGE],
    cells: (d, now) => [d.metadata?.name, `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`, d.status?.updatedReplicas ?? 0, d.status?.availableReplicas ?? 0, age(d.metadata?.creationTimestamp, now)],
  },
  ReplicaSet: {
    columns: [NAME, col('Desired', 'integer'), col('Current', 'integer'), col('Ready', 'integer'), AGE],
    cells: (r, now) => [r.metadata?.name, r.spec?.replicas ?? 0, r.status?.replicas ?? 0, r.status?.readyReplicas ?? 0, age(r.metadata?.creationTimestamp, now)],
  },
  Service: {
    columns: [NAME, col('Type'), col('Cluster-IP'), col('External-IP'), col('Port(s)'), AGE],
    cells: (s, now) => {
      const ports = ((s.spec?.ports ?? []) as Obj[]).map((p) => `${p.port}${p.nodePort !== undefined ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
      const ingress = ((s.status?.loadBalancer?.ingress ?? []) as Obj[]).map((i) => i.ip ?? i.hostname).join(',');
      return [s.metadata?.name, s.spec?.type ?? 'ClusterIP', s.spec?.clusterIP ?? '<none>', ingress !== '' ? ingress : s.spec?.type === 'LoadBalancer' ? '<pending>' : '<none>', ports !== '' ? ports : '<none>', age(s.metadata?.creationTimestamp, now)];
    },
  },
  Namespace: {
    columns: [NAME, col('Status'), AGE],
    cells: (n, now) => [n.metadata?.name, n.status?.phase ?? 'Active', age(n.metadata?.creationTimestamp, now)],
  },
};

export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

export function toTable(kind: string, items: Obj[], resourceVersion: string | undefined, continueToken: string | undefined, nowSeconds: number, includeObject: string | null): Obj {
  const printer = PRINTERS[kind] ?? { columns: [NAME, AGE], cells: (o: Obj, now: number) => [o.metadata?.name, age(o.metadata?.creationTimestamp, now)] };
  const metadata: Obj = {};
  if (resourceVersion !== undefined) metadata['resourceVersion'] = resourceVersion;
  if (continueToken !== undefined) metadata['continue'] = continueToken;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: printer.columns,
    rows: items.map((o) => ({
      cells: printer.cells(o, nowSeconds),
      // kubectl reads the namespace and name from the row's object (PartialObjectMetadata by default).
      object: includeObject === 'Object' ? o : includeObject === 'None' ? undefined : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
