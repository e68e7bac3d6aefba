/**
 * `kck images build|list`: the kit's container images, built locally from what is on this
 * machine (nothing is pulled). A build with nothing changed only hashes the inputs.
 */
import { CliError } from './cli-error.ts';
import { parseCommandArgs } from './main.ts';

const USAGE = `Usage:
  kck images build [--only NAME[,NAME...]] [--force]
      build kck/node-runtime, kck/node, kck/node-containerd, kck/etcd and kck/workload (FROM scratch, nothing pulled);
      an image whose inputs did not change is kept (content hash label)
  kck images list
      show the kit's images and their content hashes

Needs a running docker daemon (docker.io; DOCKER_BUILDKIT=0 is set for you).`;

export async function imagesCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    console.log(USAGE);
    return;
  }
  const values = parseCommandArgs(rest, { only: { type: 'string' }, force: { type: 'boolean' } }, USAGE);
  const { dockerAvailable, docker } = await import('../targets/docker/docker-cli.ts');
  if (!(await dockerAvailable())) throw new CliError('no docker daemon answers (start dockerd; see README)', 1);
  const { kitImages } = await import('../targets/docker/kit-images.ts');
  const { buildImage, HASH_LABEL } = await import('../targets/docker/image-builder.ts');
  const images = await kitImages();
  if (sub === 'list') {
    for (const spec of Object.values(images)) {
      const out = await docker(['image', 'inspect', '--format', `{{.Size}} {{ index .Config.Labels "${HASH_LABEL}" }}`, spec.tag]).catch(() => 'absent');
      const [size, hash] = out.trim().split(' ');
      console.log(`${spec.tag.padEnd(28)} ${size === 'absent' ? 'not built' : `${Math.round(Number(size) / 1e6)} MB  ${hash ?? ''}`}`);
    }
    return;
  }
  if (sub !== 'build') throw new CliError(`unknown images command "${sub}" (build or list)`);
  const only = typeof values['only'] === 'string' ? values['only'].split(',').map((s) => s.trim()) : Object.keys(images);
  for (const name of only) if (!(name in images)) throw new CliError(`unknown image "${name}": choose from ${Object.keys(images).join(', ')}`);
  for (const name of only) {
    const spec = images[name];
    if (spec === undefined) continue;
    const result = await buildImage(spec, { force: values['force'] === true, log: (line) => console.error(`kck images: ${line}`) });
    console.log(`${result.tag.padEnd(28)} ${result.built ? 'built' : 'unchanged'} in ${result.seconds} s`);
  }
}
