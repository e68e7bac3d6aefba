import { criSuite } from './cri-suite.ts';
import { ReferenceCriRuntime } from './reference-runtime.ts';

criSuite(new ReferenceCriRuntime());
