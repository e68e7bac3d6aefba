/**
 * The command lines of the upstream control plane, as pure functions of a layout (paths and
 * ports), so they can be read and tested without starting anything. The flags follow
 * hack/local-up-cluster.sh and kubeadm's static Pod manifests, trimmed to what a loopback,
 * single-host control plane needs.
 */

export interface ControlPlaneLayout {
  /** Folder that holds every file the control plane writes. */
  stateDir: string;
  etcdDataDir: string;
  etcdClientPort: number;
  etcdPeerPort: number;
  apiserverPort: number;
  controllerManagerPort: number;
  schedulerPort: number;
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

export function apiserverArgs(l: ControlPlaneLayout): string[] {
  const server = `https://127.0.0.1:${l.apiserverPort}`;
  return [
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${l.apiserverPort}`,
    `--etcd-servers=http://127.0.0.1:${l.etcdClientPort}`,
    `--cert-dir=${l.stateDir}/apiserver-certs`,
    `--tls-cert-file=${l.pki.apiserverCert}`,
    `--tls-private-key-file=${l.pki.apiserverKey}`,
    `--client-ca-file=${l.pki.caCert}`,
    `--kubelet-client-certificate=${l.pki.apiserverKubeletClientCert}`,
    `--kubelet-client-key=${l.pki.apiserverKubeletClientKey}`,
    `--kubelet-certificate-authority=${l.pki.caCert}`,
    '--authorization-mode=Node,RBAC',
    '--enable-admission-plugins=NodeRestriction',
    '--anonymous-auth=false',
    `--service-cluster-ip-range=${l.serviceClusterIpRange}`,
    '--service-node-port-range=30000-32767',
    '--allow-privileged=true',
    // Bound service-account tokens: the issuer signs with the private key, the apiserver
    // (and the token controller) verify with the public one.
    `--service-account-key-file=${l.pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${l.pki.serviceAccountKey}`,
    `--service-account-issuer=${server}`,
    `--api-audiences=${server}`,
    '--endpoint-reconciler-type=lease',
    // There is only loopback; the default "first non-loopback interface" lookup would fail.
    '--kubelet-preferred-address-types=InternalIP,Hostname',
    '--v=1',
  ];
}

export function controllerManagerArgs(l: ControlPlaneLayout): string[] {
  return [
    `--kubeconfig=${l.controllerManagerKubeconfig}`,
    `--authentication-kubeconfig=${l.controllerManagerKubeconfig}`,
    `--authorization-kubeconfig=${l.controllerManagerKubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${l.controllerManagerPort}`,
    `--cert-dir=${l.stateDir}/controller-manager-certs`,
    '--leader-elect=true',
    // One credential per controller, as kubeadm does: RBAC then shows what each may do.
    '--use-service-account-credentials=true',
    `--service-account-private-key-file=${l.pki.serviceAccountKey}`,
    `--root-ca-file=${l.pki.caCert}`,
    `--cluster-signing-cert-file=${l.pki.caCert}`,
    `--cluster-signing-key-file=${l.pki.caKey}`,
    `--service-cluster-ip-range=${l.serviceClusterIpRange}`,
    `--cluster-cidr=${l.clusterCidr}`,
    '--allocate-node-cidrs=true',
    '--controllers=*,bootstrapsigner,tokencleaner',
    '--v=1',
  ];
}

export function schedulerArgs(l: ControlPlaneLayout): string[] {
  return [
    `--kubeconfig=${l.schedulerKubeconfig}`,
    `--authentication-kubeconfig=${l.schedulerKubeconfig}`,
    `--authorization-kubeconfig=${l.schedulerKubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${l.schedulerPort}`,
    `--cert-dir=${l.stateDir}/scheduler-certs`,
    '--leader-elect=true',
    '--v=1',
  ];
}
