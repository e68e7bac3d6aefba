/**
 * kck kubelet: the reference kubelet.
 *
 *   kck kubelet --kubeconfig FILE --hostname-override node-1 \
 *     --container-runtime-endpoint unix:///run/kck/runtime.sock --node-ip 127.0.0.1 \
 *     --pod-cidr 10.244.1.0/24 [--pod-manifest-path DIR] [--node-labels a=b,c=d] \
 *     [--register-with-taints k=v:NoSchedule] [--max-pods 110] [--root-dir DIR]
 *     [--port 10250] [--tls-cert-file F --tls-private-key-file F]   (log server; --port 0: any)
 *
 * Exits cleanly on SIGTERM/SIGINT. It leaves its Pods running (as upstream does); the
 * runtime owns them.
 */
import { cpus, totalmem, hostname } from 'node:os';
import { mkdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CriClient } from '../../src/clients/cri/cri-client.ts';
import { connectionFromKubeconfig } from '../../src/clients/kube/connection.ts';
import { KubeClient } from '../../src/clients/kube/kube-client.ts';
import { Kubelet } from './shell/kubelet.ts';

export const KUBELET_VERSION = 'v1.33.0-kck';

function pairs(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of (text ?? '').split(',').filter(Boolean)) {
    const [k, ...v] = item.split('=');
    if (k) out[k] = v.join('=');
  }
  return out;
}

function taints(text: string | undefined): Array<{ key: string; value?: string; effect: string }> {
  return (text ?? '').split(',').filter(Boolean).map((t) => {
    const [kv = '', effect = 'NoSchedule'] = t.split(':');
    const [key = '', value] = kv.split('=');
    return { key, ...(value !== undefined ? { value } : {}), effect };
  });
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: 'string' },
      'hostname-override': { type: 'string' },
      'node-name': { type: 'string' },
      'container-runtime-endpoint': { type: 'string', default: 'unix:///run/kck/runtime.sock' },
      'pod-manifest-path': { type: 'string' },
      'node-ip': { type: 'string', default: '127.0.0.1' },
      'pod-cidr': { type: 'string', default: '' },
      'node-labels': { type: 'string' },
      'register-with-taints': { type: 'string' },
      'max-pods': { type: 'string', default: '110' },
      'root-dir': { type: 'string', default: '/var/lib/kck-kubelet' },
      port: { type: 'string', default: '10250' },
      'sync-frequency-ms': { type: 'string', default: '1000' },
      'tls-cert-file': { type: 'string' },
      'tls-private-key-file': { type: 'string' },
    },
    strict: true,
  });
  if (!values.kubeconfig) throw new Error('--kubeconfig is required');
  const nodeName = values['hostname-override'] ?? values['node-name'] ?? hostname();
  const log = (line: string): void => { process.stderr.write(`kubelet[${nodeName}] ${line}\n`); };
  mkdirSync(values['root-dir'], { recursive: true });
  const kube = new KubeClient(await connectionFromKubeconfig(values.kubeconfig));
  const cri = new CriClient(values['container-runtime-endpoint']);
  const kubelet = new Kubelet({
    kube,
    cri,
    root: values['root-dir'],
    manifestPath: values['pod-manifest-path'],
    log,
    syncIntervalMs: Number(values['sync-frequency-ms']),
    ...(values['tls-cert-file'] && values['tls-private-key-file'] ? { tls: { certPem: readFileSync(values['tls-cert-file'], 'utf8'), keyPem: readFileSync(values['tls-private-key-file'], 'utf8') } } : {}),
    facts: {
      name: nodeName,
      ip: values['node-ip'],
      hostname: nodeName,
      podCidr: values['pod-cidr'],
      labels: pairs(values['node-labels']),
      taints: taints(values['register-with-taints']),
      cpu: cpus().length,
      memoryBytes: totalmem(),
      maxPods: Number(values['max-pods']),
      kubeletPort: Number(values.port),
      runtimeVersion: '',
      kubeletVersion: KUBELET_VERSION,
    },
  });
  await kubelet.start();
  await new Promise<void>((resolve) => {
    const stop = (sig: string): void => { log(`${sig}: stopping`); void kubelet.stop().finally(resolve); };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  cri.close();
  log('stopped');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(() => process.exit(0), (err: unknown) => {
    process.stderr.write(`kubelet: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  });
}
