// One OCI bundle under every runtime this host has (runc; crun only where cgroup v2 is alone, so here on a pure v2
// host and in the test VM: test/vm/bundle-compare.test.ts; and lab), what the process sees compared: the test is
// test/bundle-compare.ts.
import t from 'tap';
import { compareBundles, compareSkip } from '../bundle-compare.js';

t.test('one bundle, every runtime: what the process sees', { skip: compareSkip() }, compareBundles);
