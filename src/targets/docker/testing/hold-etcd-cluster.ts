/**
 * Test helper process: starts a one-member docker etcd cluster, prints this process's
 * session id and "ready", then waits to be interrupted (docker-teardown.test.ts sends SIGINT).
 */
import { dockerEtcdClusters } from '../docker-etcd-factories.ts';
import { SESSION } from '../docker-teardown.ts';

const cluster = await dockerEtcdClusters.start({ members: 1 });
process.stdout.write(`session ${SESSION}\nready ${cluster.memberNames.join(',')}\n`);
setInterval(() => undefined, 60_000);
