import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { apiserverArgs, authenticationConfigYaml, controllerManagerArgs, etcdArgs, schedulerArgs, type ControlPlaneLayout } from './control-plane-flags.ts';
import { kubeconfigYaml } from './kubeconfig-yaml.ts';

const layout: ControlPlaneLayout = {
  stateDir: '/s', etcdDataDir: '/s/etcd', etcdClientPort: 1001, etcdPeerPort: 1002, apiserverPorts: [1003, 1013],
  server: 'https://127.0.0.1:1000', controllerManagerPorts: [1004, 1014], schedulerPorts: [1005, 1015], authenticationConfig: '/s/authn.yaml',
  serviceClusterIpRange: '10.0.0.0/24', clusterCidr: '10.244.0.0/16',
  pki: {
    caCert: '/s/ca.crt', caKey: '/s/ca.key', apiserverCert: '/s/a.crt', apiserverKey: '/s/a.key',
    apiserverKubeletClientCert: '/s/k.crt', apiserverKubeletClientKey: '/s/k.key', serviceAccountKey: '/s/sa.key', serviceAccountPub: '/s/sa.pub',
  },
  controllerManagerKubeconfig: '/s/cm.kubeconfig', schedulerKubeconfig: '/s/s.kubeconfig',
};

const flag = (args: string[], name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.split('=').slice(1).join('=');

void test('the apiserver talks to this etcd and secures its port with RBAC and Node authorization', () => {
  const args = apiserverArgs(layout);
  assert.equal(flag(args, 'etcd-servers'), 'http://127.0.0.1:1001');
  assert.equal(flag(args, 'secure-port'), '1003');
  assert.equal(flag(args, 'authorization-mode'), 'Node,RBAC');
  assert.equal(flag(args, 'service-cluster-ip-range'), '10.0.0.0/24');
  assert.equal(flag(args, 'authentication-config'), '/s/authn.yaml');
  assert.equal(flag(args, 'anonymous-auth'), undefined, 'upstream refuses --anonymous-auth beside an authentication config that sets anonymous');
});

void test('apiserver instances share the issuer and etcd; each has its port, and only the first keeps the kubernetes Endpoints', () => {
  const [first, second] = [apiserverArgs(layout, 0), apiserverArgs(layout, 1)];
  assert.deepEqual([flag(first, 'secure-port'), flag(second, 'secure-port')], ['1003', '1013']);
  for (const args of [first, second]) {
    assert.equal(flag(args, 'service-account-issuer'), 'https://127.0.0.1:1000');
    assert.equal(flag(args, 'etcd-servers'), 'http://127.0.0.1:1001');
  }
  assert.deepEqual([flag(first, 'endpoint-reconciler-type'), flag(second, 'endpoint-reconciler-type')], ['lease', 'none']);
  assert.equal(flag(schedulerArgs(layout, 1), 'secure-port'), '1015');
  assert.equal(flag(controllerManagerArgs(layout, 1), 'secure-port'), '1014');
  assert.throws(() => apiserverArgs(layout, 2), /no apiserver port 3/);
});

void test('anonymous requests are authenticated on the health endpoints only', () => {
  const config = parse(authenticationConfigYaml()) as { kind: string; anonymous: { enabled: boolean; conditions: Array<{ path: string }> } };
  assert.equal(config.kind, 'AuthenticationConfiguration');
  assert.equal(config.anonymous.enabled, true);
  assert.deepEqual(config.anonymous.conditions.map((c) => c.path).sort(), ['/healthz', '/livez', '/readyz']);
});

void test('controllers elect leaders, use their own kubeconfigs and sign tokens with the same key', () => {
  const cm = controllerManagerArgs(layout);
  const s = schedulerArgs(layout);
  assert.equal(flag(cm, 'leader-elect'), 'true');
  assert.equal(flag(s, 'leader-elect'), 'true');
  assert.equal(flag(cm, 'kubeconfig'), '/s/cm.kubeconfig');
  assert.equal(flag(s, 'kubeconfig'), '/s/s.kubeconfig');
  assert.equal(flag(cm, 'service-account-private-key-file'), flag(apiserverArgs(layout), 'service-account-signing-key-file'));
  assert.equal(flag(cm, 'cluster-cidr'), '10.244.0.0/16');
});

void test('etcd listens where the apiserver looks', () => {
  const args = etcdArgs(layout);
  assert.equal(flag(args, 'listen-client-urls'), 'http://127.0.0.1:1001');
  assert.equal(flag(args, 'data-dir'), '/s/etcd');
});

void test('a kubeconfig embeds the CA and the client certificate and selects its context', () => {
  const doc = parse(kubeconfigYaml({ server: 'https://127.0.0.1:1003', caPem: 'CA', clientCertPem: 'CERT', clientKeyPem: 'KEY', user: 'u' })) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
    contexts: { name: string }[];
    'current-context': string;
  };
  assert.equal(doc.clusters[0]?.cluster.server, 'https://127.0.0.1:1003');
  assert.equal(Buffer.from(doc.clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64').toString(), 'CA');
  assert.equal(Buffer.from(doc.users[0]?.user['client-key-data'] ?? '', 'base64').toString(), 'KEY');
  assert.equal(doc['current-context'], doc.contexts[0]?.name);
});
