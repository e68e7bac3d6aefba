/**
 * Why a docker test is skipped: no daemon answers. Under CI (`CI=true`, whose machine starts
 * dockerd) nothing is skipped: a missing daemon makes the tests fail, as the feature passes do.
 */
import { dockerAvailable } from '../docker-cli.ts';

export async function dockerSkipReason(): Promise<string | false> {
  if (process.env['CI'] === 'true') return false;
  return (await dockerAvailable()) ? false : 'no docker daemon (start dockerd; see images/README.md)';
}
