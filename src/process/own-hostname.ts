/**
 * A command line that runs `command` in a UTS namespace of its own, with `hostname` as its host
 * name (root only). Components that put the host name into their identity, as upstream's
 * leader election does (hostname_uuid), then tell instances on one machine apart as they
 * would on separate machines. `unshare` execs the shell, which execs the command: the pid is
 * the component's, so signals reach it.
 */
export function withOwnHostname(hostname: string, command: string, args: readonly string[]): [string, string[]] {
  return ['unshare', ['--uts', '--', 'sh', '-c', 'hostname "$0" && exec "$@"', hostname, command, ...args]];
}
