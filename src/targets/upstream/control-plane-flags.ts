/**
 * The command lines of the upstream control plane, as pure functions of a layout (paths and
 * ports), so they can be read and tested without starting anything. The flags follow
 * hack/local-up-cluster.sh and kubeadm's static Pod manifests, trimmed to what a loopback,
 * single-host control plane needs.
 */

export interface ControlPlaneLayout {
  /** Folder that holds every file the control plane writes. */
  stateDir: string;
  /** Where the apiserver listens and what it advertises (the `kubernetes` Service's endpoint). */
  bindAddress?: string;
  etcdDataDir: string;
  etcdClientPort: number;
  etcdPeerPort: number;
  /** The secure port of each kube-apiserver instance; they share the bind address. */
  apiserverPorts: readonly number[];
  /**
   * Where clients reach the API: the one apiserver, or the load balancer in front of several.
   * It is also the service-account issuer, which every instance must share.
   */
  server: string;
  /** The health port of each kube-controller-manager and kube-scheduler instance. */
  controllerManagerPorts: readonly number[];
  schedulerPorts: readonly number[];
  /** The apiserver's AuthenticationConfiguration file (authenticationConfigYaml). */
  authenticationConfig: string;
  /** Service ClusterIPs come from here; the first address goes to the `kubernetes` Service. */
  serviceClusterIpRange: string;
  /** Pod CIDRs for nodes are cut from here by the node-ipam controller. */
  clusterCidr: string;
  pki: {
    caCert: string;
    caKey: string;
    apiserverCert: string;
    apiserverKey: string;
    /** The apiserver's client certificate towards kubelets. */
    apiserverKubeletClientCert: string;
    apiserverKubeletClientKey: string;
    serviceAccountKey: string;
    serviceAccountPub: string;
  };
  controllerManagerKubeconfig: string;
  schedulerKubeconfig: string;
}

export function etcdArgs(l: ControlPlaneLayout): string[] {
  const client = `http://127.0.0.1:${l.etcdClientPort}`;
  const peer = `http://127.0.0.1:${l.etcdPeerPort}`;
  // Plain HTTP on loopback, as envtest does: the etcd link is not what the kit tests here.
  return [
    '--name=kck-upstream',
    `--data-dir=${l.etcdDataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=kck-upstream=${peer}`,
    '--initial-cluster-state=new',
    // Small periodic compaction keeps a long test run's database small.
    '--auto-compaction-retention=1',
    '--quota-backend-bytes=2147483648',
  ];
}

/**
 * Anonymous requests are allowed on the health endpoints only, as kubeadm's default RBAC lets
 * system:unauthenticated read them: a load balancer checks /readyz without credentials, and
 * every other anonymous request still gets 401.
 */
export function authenticationConfigYaml(): string {
  return [
    'apiVersion: apiserver.config.k8s.io/v1beta1',
    'kind: AuthenticationConfiguration',
    'anonymous:',
    '  enabled: true',
    '  conditions:',
    ...['/livez', '/readyz', '/healthz'].map((path) => `  - path: ${path}`),
    '',
  ].join('\n');
}

function at<T>(list: readonly T[], index: number, what: string): T {
  const value = list[index];
  if (value === undefined) throw new Error(`the control plane layout has no ${what} ${index + 1}`);
  return value;
}

/** Flags of kube-apiserver instance `index` (0-based). */
export function apiserverArgs(l: ControlPlaneLayout, index = 0): string[] {
  const address = l.bindAddress ?? '127.0.0.1';
  const port = at(l.apiserverPorts, index, 'apiserver port');
  return [
    `--bind-address=${address}`,
    `--advertise-address=${address}`,
    `--secure-port=${port}`,
    `--etcd-servers=http://127.0.0.1:${l.etcdClientPort}`,
    `--cert-dir=${l.stateDir}/apiserver-certs-${index + 1}`,
    `--tls-cert-file=${l.pki.apiserverCert}`,
    `--tls-private-key-file=${l.pki.apiserverKey}`,
    `--client-ca-file=${l.pki.caCert}`,
    `--kubelet-client-certificate=${l.pki.apiserverKubeletClientCert}`,
    `--kubelet-client-key=${l.pki.apiserverKubeletClientKey}`,
    `--kubelet-certificate-authority=${l.pki.caCert}`,
    '--authorization-mode=Node,RBAC',
    '--enable-admission-plugins=NodeRestriction',
    `--authentication-config=${l.authenticationConfig}`,
    `--service-cluster-ip-range=${l.serviceClusterIpRange}`,
    '--service-node-port-range=30000-32767',
    '--allow-privileged=true',
    // Bound service-account tokens: the issuer signs with the private key, the apiserver
    // (and the token controller) verify with the public one.
    `--service-account-key-file=${l.pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${l.pki.serviceAccountKey}`,
    `--service-account-issuer=${l.server}`,
    `--api-audiences=${l.server}`,
    // The lease reconciler keys the `kubernetes` Endpoints by address, and the instances share
    // one address on different ports: only the first keeps them, or they would flip the port.
    `--endpoint-reconciler-type=${index === 0 ? 'lease' : 'none'}`,
    // There is only loopback; the default "first non-loopback interface" lookup would fail.
    '--kubelet-preferred-address-types=InternalIP,Hostname',
    '--v=1',
  ];
}

/** Flags of kube-controller-manager instance `index` (0-based). */
export function controllerManagerArgs(l: ControlPlaneLayout, index = 0): string[] {
  return controllerManagerFlags({
    kubeconfig: l.controllerManagerKubeconfig, delegatedAuth: true, port: at(l.controllerManagerPorts, index, 'controller-manager port'),
    certDir: `${l.stateDir}/controller-manager-certs-${index + 1}`, leaderElect: true, useServiceAccountCredentials: true,
    serviceAccountKey: l.pki.serviceAccountKey, rootCa: l.pki.caCert, signingCert: l.pki.caCert, signingKey: l.pki.caKey,
    serviceClusterIpRange: l.serviceClusterIpRange, clusterCidr: l.clusterCidr,
  });
}

/** Flags of kube-scheduler instance `index` (0-based). */
export function schedulerArgs(l: ControlPlaneLayout, index = 0): string[] {
  return schedulerFlags({ kubeconfig: l.schedulerKubeconfig, delegatedAuth: true, port: at(l.schedulerPorts, index, 'scheduler port'), certDir: `${l.stateDir}/scheduler-certs-${index + 1}`, leaderElect: true });
}

/** What kube-scheduler and kube-controller-manager need, whichever apiserver they talk to. */
export interface ComponentFlagsInput {
  kubeconfig: string;
  /**
   * Delegate authentication and authorization of their own HTTPS endpoints to the apiserver
   * (TokenReview, SubjectAccessReview, the extension-apiserver-authentication ConfigMap).
   * Off for an apiserver that may not serve those; /healthz stays reachable either way.
   */
  delegatedAuth: boolean;
  port: number;
  certDir: string;
  leaderElect: boolean;
  /** e.g. application/json; upstream's default is protobuf (upstream/observed-requests.md). */
  contentType?: string;
  verbosity?: number;
}

export interface ControllerManagerFlagsInput extends ComponentFlagsInput {
  /** One credential per controller through TokenRequest, as kubeadm sets it up. */
  useServiceAccountCredentials: boolean;
  serviceAccountKey?: string;
  rootCa?: string;
  signingCert?: string;
  signingKey?: string;
  serviceClusterIpRange: string;
  clusterCidr: string;
  /** Default: every controller that is on by default, plus the bootstrap-token ones. */
  controllers?: string;
}

function commonFlags(c: ComponentFlagsInput): string[] {
  return [
    `--kubeconfig=${c.kubeconfig}`,
    ...(c.delegatedAuth ? [`--authentication-kubeconfig=${c.kubeconfig}`, `--authorization-kubeconfig=${c.kubeconfig}`] : []),
    '--bind-address=127.0.0.1',
    `--secure-port=${c.port}`,
    `--cert-dir=${c.certDir}`,
    `--leader-elect=${String(c.leaderElect)}`,
    ...(c.contentType !== undefined ? [`--kube-api-content-type=${c.contentType}`] : []),
    `--v=${c.verbosity ?? 1}`,
  ];
}

export function controllerManagerFlags(c: ControllerManagerFlagsInput): string[] {
  return [
    ...commonFlags(c),
    `--use-service-account-credentials=${String(c.useServiceAccountCredentials)}`,
    ...(c.serviceAccountKey !== undefined ? [`--service-account-private-key-file=${c.serviceAccountKey}`] : []),
    ...(c.rootCa !== undefined ? [`--root-ca-file=${c.rootCa}`] : []),
    ...(c.signingCert !== undefined && c.signingKey !== undefined ? [`--cluster-signing-cert-file=${c.signingCert}`, `--cluster-signing-key-file=${c.signingKey}`] : []),
    `--service-cluster-ip-range=${c.serviceClusterIpRange}`,
    `--cluster-cidr=${c.clusterCidr}`,
    '--allocate-node-cidrs=true',
    `--controllers=${c.controllers ?? '*,bootstrapsigner,tokencleaner'}`,
  ];
}

export function schedulerFlags(c: ComponentFlagsInput): string[] {
  return commonFlags(c);
}
