/**
 * The docker command line, for what testcontainers does not cover: builds with the legacy
 * builder (no buildx here), labelled networks, kill/start of a member, and clean-up by label.
 */
import { execFile } from 'node:child_process';

/** Everything the kit creates carries this label; `kck clean` removes what has it. */
export const OWNED_LABEL = 'kck.io/owned';
export const OWNED = `${OWNED_LABEL}=true`;

export class DockerError extends Error {
  override name = 'DockerError';
}

export function docker(args: readonly string[], options: { timeoutMs?: number; input?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('docker', [...args], {
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
    }, (error, stdout, stderr) => {
      if (error) {
        const detail = stderr.trim().split('\n').slice(-3).join(' ') || error.message;
        reject(new DockerError(`docker ${args.slice(0, 3).join(' ')}: ${detail}`));
      } else {
        resolve(stdout);
      }
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Whether a docker daemon answers. */
export async function dockerAvailable(): Promise<boolean> {
  try {
    await docker(['version', '--format', '{{.Server.Version}}'], { timeoutMs: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes every container, network and volume labelled as the kit's (and, when given, also
 * carrying `alsoLabel`, e.g. one run's id). Returns how many of each were removed.
 */
export async function removeOwned(alsoLabel?: string): Promise<{ containers: number; networks: number; volumes: number }> {
  const filters = ['--filter', `label=${OWNED}`, ...(alsoLabel === undefined ? [] : ['--filter', `label=${alsoLabel}`])];
  const ids = async (kind: 'ps' | 'network ls' | 'volume ls'): Promise<string[]> => {
    const base = kind === 'ps' ? ['ps', '-a'] : kind.split(' ');
    const out = await docker([...base, '-q', ...filters]);
    return out.split('\n').map((s) => s.trim()).filter((s) => s !== '');
  };
  const containers = await ids('ps');
  if (containers.length > 0) await docker(['rm', '-f', '-v', ...containers]);
  const networks = await ids('network ls');
  if (networks.length > 0) await docker(['network', 'rm', ...networks]);
  const volumes = await ids('volume ls');
  if (volumes.length > 0) await docker(['volume', 'rm', '-f', ...volumes]);
  return { containers: containers.length, networks: networks.length, volumes: volumes.length };
}
