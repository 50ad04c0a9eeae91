// The OCI bundle comparison (test/bundle-compare.ts) in the test VM, where cgroup v2 is alone with every controller:
// crun runs there (it refuses the hybrid layout of the development host), and runc, crun and lab are compared with
// the bundle's memory, pids and cpu limits in force.
import t from 'tap';
import { compareBundles, compareSkip } from '../bundle-compare.js';

const skip = process.env.LAB_IN_VM ? compareSkip() : 'runs only in the test VM (npm run test:vm)';

t.test('one bundle, every runtime, cgroup v2 alone: what the process sees', { skip }, compareBundles);
