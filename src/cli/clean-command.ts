/**
 * `kck clean`: removes every container, network and volume labelled kck.io/owned=true, e.g.
 * after a run that was killed before its own teardown. Images stay (`--images` removes them).
 */
import { CliError } from './cli-error.ts';
import { parseCommandArgs } from './main.ts';

const USAGE = `Usage:
  kck clean [--images]
      remove every container, network and volume the kit created (label kck.io/owned=true);
      with --images also the kit's images (kck/*)`;

export async function cleanCommand(argv: string[]): Promise<void> {
  const values = parseCommandArgs(argv, { images: { type: 'boolean' } }, USAGE);
  const { docker, dockerAvailable, removeOwned, OWNED } = await import('../targets/docker/docker-cli.ts');
  if (!(await dockerAvailable())) throw new CliError('no docker daemon answers (start dockerd; see README)', 1);
  const removed = await removeOwned();
  let images = 0;
  if (values['images'] === true) {
    const ids = (await docker(['image', 'ls', '-q', '--filter', `label=${OWNED}`])).split('\n').filter((s) => s.trim() !== '');
    const unique = [...new Set(ids)];
    if (unique.length > 0) await docker(['image', 'rm', '-f', ...unique]);
    images = unique.length;
  }
  console.log(`removed ${removed.containers} containers, ${removed.networks} networks, ${removed.volumes} volumes${values['images'] === true ? `, ${images} images` : ''}`);
}
