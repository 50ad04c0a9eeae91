// Capability masks from /proc/<pid>/status.
import t from 'tap';
import { allCapabilities, countCapabilities, parseCapMask, readCapabilities, readLastCap } from '../../src/kernel/capabilities.js';

t.test('masks are hexadecimal bitmasks, one bit per capability', async (t) => {
  t.equal(parseCapMask('000001ffffffffff'), 0x1ffffffffffn);
  t.equal(parseCapMask('0000000000000000'), 0n);
  t.equal(parseCapMask('not hex'), undefined);
  t.equal(allCapabilities(40), 0x1ffffffffffn, 'capabilities 0 to 40 (CAP_CHECKPOINT_RESTORE) on Linux 5.9 and later');
  t.equal(countCapabilities(allCapabilities(40)), 41);
  t.equal(countCapabilities(0n), 0);
  t.equal(countCapabilities(0x1fffeffffffn), 40, 'one capability missing');
});

t.test('this process and this kernel', async (t) => {
  const last = readLastCap();
  t.ok(last !== undefined && last >= 36, 'cap_last_cap is readable');
  const eff = readCapabilities('self', 'CapEff');
  t.ok(eff, 'CapEff is readable');
  t.ok(eff && last !== undefined && (eff.mask & ~allCapabilities(last)) === 0n, 'no bit beyond the last capability');
  t.equal(readCapabilities(2 ** 30), undefined, 'no such process');
});
