/**
 * How to reach one Kubernetes API server as one identity: the server URL and the
 * credentials. Built from a kubeconfig (any cluster) or directly by a target that minted
 * the credentials itself.
 */
import { readFile } from 'node:fs/promises';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions } from 'node:https';
import { staticConnection } from './kubeconfig-file.ts';

export interface Connection {
  server: string;
  caPem?: string;
  certPem?: string;
  keyPem?: string;
  token?: string;
  insecureSkipTlsVerify?: boolean;
}

/**
 * Reads the current context of a kubeconfig. Static credentials are read directly; exec and
 * auth-provider plugins go through @kubernetes/client-node, loaded only then: it takes about
 * 1.5 s of CPU to load, which every component process would pay at start.
 */
export async function connectionFromKubeconfig(path: string, context?: string): Promise<Connection> {
  await readFile(path); // a missing or unreadable file fails here with the path in the message
  return await staticConnection(path, context) ?? pluginConnection(path, context);
}

async function pluginConnection(path: string, context?: string): Promise<Connection> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const config = new KubeConfig();
  config.loadFromFile(path);
  if (context !== undefined) config.setCurrentContext(context);
  const cluster = config.getCurrentCluster();
  if (cluster === null) throw new Error(`kubeconfig ${path} has no current cluster (set current-context)`);
  const options: { ca?: unknown; cert?: unknown; key?: unknown; headers?: Record<string, string> } = { headers: {} };
  await config.applyToHTTPSOptions(options as never);
  const auth = options.headers?.['Authorization'] ?? options.headers?.['authorization'];
  const connection: Connection = { server: cluster.server.replace(/\/$/, '') };
  const pem = (v: unknown): string | undefined => (v === undefined ? undefined : Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
  const ca = pem(options.ca);
  const cert = pem(options.cert);
  const key = pem(options.key);
  if (ca !== undefined) connection.caPem = ca;
  if (cert !== undefined) connection.certPem = cert;
  if (key !== undefined) connection.keyPem = key;
  if (auth?.startsWith('Bearer ')) connection.token = auth.slice('Bearer '.length);
  if (cluster.skipTLSVerify) connection.insecureSkipTlsVerify = true;
  return connection;
}

/** An agent that keeps connections alive and presents the connection's certificates. */
export function agentFor(connection: Connection): HttpAgent | HttpsAgent {
  if (connection.server.startsWith('http:')) return new HttpAgent({ keepAlive: true });
  const options: AgentOptions = { keepAlive: true, rejectUnauthorized: connection.insecureSkipTlsVerify !== true };
  if (connection.caPem !== undefined) options.ca = connection.caPem;
  if (connection.certPem !== undefined) options.cert = connection.certPem;
  if (connection.keyPem !== undefined) options.key = connection.keyPem;
  return new HttpsAgent(options);
}

/** Writes a kubeconfig that real tools (kubectl) can use for this connection. */
export function kubeconfigYaml(connection: Connection, name = 'kck'): string {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  const cluster: string[] = [`    server: ${connection.server}`];
  if (connection.caPem !== undefined) cluster.push(`    certificate-authority-data: ${b64(connection.caPem)}`);
  if (connection.insecureSkipTlsVerify === true) cluster.push('    insecure-skip-tls-verify: true');
  const user: string[] = [];
  if (connection.token !== undefined) user.push(`    token: ${connection.token}`);
  if (connection.certPem !== undefined) user.push(`    client-certificate-data: ${b64(connection.certPem)}`);
  if (connection.keyPem !== undefined) user.push(`    client-key-data: ${b64(connection.keyPem)}`);
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${name}`,
    '  cluster:',
    ...cluster,
    'users:',
    `- name: ${name}`,
    '  user:',
    ...(user.length > 0 ? user : ['    {}']),
    'contexts:',
    `- name: ${name}`,
    '  context:',
    `    cluster: ${name}`,
    `    user: ${name}`,
    `current-context: ${name}`,
    '',
  ].join('\n');
}
