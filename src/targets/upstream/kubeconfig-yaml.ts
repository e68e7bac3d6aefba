/**
 * Renders a kubeconfig with everything embedded (CA, client certificate and key), so the
 * file alone is enough for kubectl, client-go components and the kit's own client.
 */
import { stringify } from 'yaml';

export interface KubeconfigInput {
  server: string;
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  /** Names the user entry; purely cosmetic but shows up in `kubectl config view`. */
  user: string;
  clusterName?: string;
}

const b64 = (pem: string): string => Buffer.from(pem, 'utf8').toString('base64');

export function kubeconfigYaml(input: KubeconfigInput): string {
  const cluster = input.clusterName ?? 'kck-upstream';
  const context = `${input.user}@${cluster}`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server: input.server, 'certificate-authority-data': b64(input.caPem) } }],
    users: [{ name: input.user, user: { 'client-certificate-data': b64(input.clientCertPem), 'client-key-data': b64(input.clientKeyPem) } }],
    contexts: [{ name: context, context: { cluster, user: input.user } }],
    'current-context': context,
  });
}
