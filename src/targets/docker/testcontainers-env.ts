/**
 * Loads testcontainers with the settings this machine needs, before its first import: Ryuk
 * (its reaper) is a pulled image and nothing can be pulled here, so the kit labels what it
 * creates and cleans up itself; the host override stops it from pulling alpine to find the
 * docker host.
 */
type Testcontainers = typeof import('testcontainers');

let loaded: Promise<Testcontainers> | undefined;

export function testcontainers(): Promise<Testcontainers> {
  process.env['TESTCONTAINERS_RYUK_DISABLED'] = 'true';
  process.env['TESTCONTAINERS_HOST_OVERRIDE'] ??= '127.0.0.1';
  loaded ??= import('testcontainers');
  return loaded;
}
