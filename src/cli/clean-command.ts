/**
 * `kck clean`: removes every container, network and volume labelled kck.io/owned=true, e.g.
 * after a run that was killed before its own teardown, and the kit's untagged images (left by
 * rebuilds). Tagged images stay (`--images` removes them).
 */
import { CliError } from './cli-error.ts';
import { parseCommandArgs } from './main.ts';

const USAGE = `Usage:
  kck clean [--images]
      remove every container, network and volume the kit created (label kck.io/owned=true)
      and the kit's untagged images; with --images also its tagged images (kck/*)`;

export async function cleanCommand(argv: string[]): Promise<void> {
  const values = parseCommandArgs(argv, { images: { type: 'boolean' } }, USAGE);
  const { docker, dockerAvailable, removeOwned, OWNED } = await import('../targets/docker/docker-cli.ts');
  if (!(await dockerAvailable())) throw new CliError('no docker daemon answers (start dockerd; see README)', 1);
  const removed = await removeOwned();
  const filters = ['--filter', `label=${OWNED}`, ...(values['images'] === true ? [] : ['--filter', 'dangling=true'])];
  const ids = [...new Set((await docker(['image', 'ls', '-q', ...filters])).split('\n').filter((s) => s.trim() !== ''))];
  if (ids.length > 0) await docker(['image', 'rm', '-f', ...ids]);
  console.log(`removed ${removed.containers} containers, ${removed.networks} networks, ${removed.volumes} volumes, ${ids.length} ${values['images'] === true ? 'images' : 'untagged images'}`);
}
