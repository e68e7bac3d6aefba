/**
 * The part of a kubeconfig a static identity needs: the current context's server, CA,
 * client certificate and key, or bearer token, read with the `yaml` parser. Credentials that
 * run code (exec and auth-provider plugins) are not read here; `staticConnection` returns
 * undefined for them so the caller can hand the file to a full implementation.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import type { Connection } from './connection.ts';

type Named<T> = { name?: unknown } & Record<string, T>;

interface ClusterEntry { server?: unknown; 'certificate-authority'?: unknown; 'certificate-authority-data'?: unknown; 'insecure-skip-tls-verify'?: unknown }
interface UserEntry { token?: unknown; tokenFile?: unknown; 'client-certificate'?: unknown; 'client-certificate-data'?: unknown; 'client-key'?: unknown; 'client-key-data'?: unknown; exec?: unknown; 'auth-provider'?: unknown; username?: unknown }

function entry<T>(list: unknown, key: string, name: string, path: string): T {
  const found = Array.isArray(list) ? (list as Array<Named<T>>).find((e) => e?.name === name) : undefined;
  if (found === undefined) throw new Error(`kubeconfig ${path}: no ${key} named "${name}"`);
  return (found[key] ?? {}) as T;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Returns the connection, or undefined when the user's credentials need a plugin. */
export async function staticConnection(path: string, context?: string): Promise<Connection | undefined> {
  const config = parse(await readFile(path, 'utf8')) as Record<string, unknown> | null;
  if (config === null || typeof config !== 'object') throw new Error(`kubeconfig ${path} is empty or not a mapping`);
  const contextName = context ?? text(config['current-context']);
  if (contextName === undefined) throw new Error(`kubeconfig ${path} has no current cluster (set current-context)`);
  const ctx = entry<string>(config['contexts'], 'context', contextName, path) as unknown as { cluster?: unknown; user?: unknown };
  const clusterName = text(ctx.cluster);
  if (clusterName === undefined) throw new Error(`kubeconfig ${path}: context "${contextName}" names no cluster`);
  const cluster = entry<ClusterEntry>(config['clusters'], 'cluster', clusterName, path) as ClusterEntry;
  const userName = text(ctx.user);
  const user = userName === undefined ? {} : entry<UserEntry>(config['users'], 'user', userName, path) as UserEntry;
  if (user.exec !== undefined || user['auth-provider'] !== undefined || user.username !== undefined) return undefined;

  const server = text(cluster.server);
  if (server === undefined) throw new Error(`kubeconfig ${path}: cluster "${clusterName}" has no server`);
  // As kubectl does, relative file names are relative to the kubeconfig's folder.
  const file = async (name: unknown): Promise<string | undefined> => {
    const p = text(name);
    return p === undefined ? undefined : readFile(isAbsolute(p) ? p : resolve(dirname(path), p), 'utf8');
  };
  const data = (value: unknown): string | undefined => {
    const b64 = text(value);
    return b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8');
  };
  const connection: Connection = { server: server.replace(/\/$/, '') };
  const caPem = data(cluster['certificate-authority-data']) ?? await file(cluster['certificate-authority']);
  const certPem = data(user['client-certificate-data']) ?? await file(user['client-certificate']);
  const keyPem = data(user['client-key-data']) ?? await file(user['client-key']);
  const token = text(user.token) ?? (await file(user.tokenFile))?.trim();
  if (caPem !== undefined) connection.caPem = caPem;
  if (certPem !== undefined) connection.certPem = certPem;
  if (keyPem !== undefined) connection.keyPem = keyPem;
  if (token !== undefined) connection.token = token;
  if (cluster['insecure-skip-tls-verify'] === true) connection.insecureSkipTlsVerify = true;
  return connection;
}
