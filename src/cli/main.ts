/** The kck command line: run the features, show the claim table, run a cluster or a component. */
import { parseArgs } from 'node:util';
import { CliError } from './cli-error.ts';
import { COMPONENTS, runComponent } from './components.ts';

// Commands are imported when run: a component process (started many times per cluster)
// then loads only its own modules, not the whole kit, which took about 2 s of CPU each.

const USAGE = `kck: kube-conformance-kit

Usage:
  kck run [--target reference|kubeconfig] [--kubeconfig FILE] [--tags EXPR] [--parallel N]
      run the features against a target, write reports/, exit non-zero on any failure
  kck claims [--reports DIR]
      print the claim coverage table of the last run(s)
  kck up [--state-dir DIR] [--nodes N] [--apiservers N]
      run the reference cluster in the foreground; writes a kubeconfig into the state dir
  kck images build|list
      build the kit's container images locally (FROM scratch, nothing pulled)
  kck clean [--images]
      remove every container, network (and image) the kit created
  kck <component> [flags]   run one reference component:
${Object.entries(COMPONENTS).map(([name, c]) => `      ${name.padEnd(26)}${c.summary}`).join('\n')}

Every command takes --help.`;

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      console.log(USAGE);
      return;
    }
    switch (command) {
      case 'run':
        process.exitCode = await (await import('./run-command.ts')).runCommand(rest);
        return;
      case 'claims':
        (await import('./claims-command.ts')).claimsCommand(rest);
        return;
      case 'up':
        await (await import('./up-command.ts')).upCommand(rest);
        return;
      case 'images':
        await (await import('./images-command.ts')).imagesCommand(rest);
        return;
      case 'clean':
        await (await import('./clean-command.ts')).cleanCommand(rest);
        return;
      default:
        if (command in COMPONENTS) {
          await runComponent(command, rest);
          return;
        }
        throw new CliError(`unknown command "${command}" (see kck --help)`);
    }
  } catch (error) {
    if (error instanceof CliError) {
      console.error(`kck: ${error.message}`);
      process.exit(error.exitCode);
    }
    if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS')) {
      console.error(`kck: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
}

type OptionsConfig = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;
export type ArgValues = Record<string, string | boolean | undefined>;

/** parseArgs with --help handled and errors turned into one line. */
export function parseCommandArgs(argv: string[], options: OptionsConfig, usage: string): ArgValues {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage);
    process.exit(0);
  }
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as ArgValues;
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error));
  }
}
