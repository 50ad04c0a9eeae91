// Resolving a path inside an image before the container exists: links followed inside the root, whiteouts hiding
// lower layers, `..` above the root and link loops refused.
import t from 'tap';
import { mkdirSync, symlinkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { secureJoin } from '../../src/runtime/secure-join.js';
import { tempDir } from '../helpers.js';

const base = tempDir('lab-test-sj-');
const lower = join(base, 'lower');
const upper = join(base, 'upper');
mkdirSync(join(lower, 'usr', 'lib'), { recursive: true });
mkdirSync(join(lower, 'etc'), { recursive: true });
mkdirSync(upper);
symlinkSync('usr/lib', join(lower, 'lib'));
symlinkSync('/usr', join(lower, 'abs'));
symlinkSync('../../../../..', join(lower, 'escape'));
symlinkSync('loop2', join(lower, 'loop1'));
symlinkSync('loop1', join(lower, 'loop2'));
// The upper layer replaces /etc with a link, and whites out /lib.
symlinkSync('/usr/lib', join(upper, 'etc'));
const whiteout = process.getuid?.() === 0 && spawnSync('mknod', [join(upper, 'lib'), 'c', '0', '0']).status === 0;
const layers = [lower, upper];

t.test('links are followed inside the root', async (t) => {
  t.same(secureJoin([lower], '/lib/x'), { ok: true, path: '/usr/lib/x' }, 'a relative link');
  t.same(secureJoin([lower], '/abs/bin'), { ok: true, path: '/usr/bin' }, 'an absolute link starts again at the root');
  t.same(secureJoin([lower], '/new/dir'), { ok: true, path: '/new/dir' }, 'what does not exist yet stays as asked');
  t.same(secureJoin([lower], '/usr/./lib/../bin'), { ok: true, path: '/usr/bin' }, '. and .. inside the root');
});

t.test('the top layer wins', async (t) => {
  t.same(secureJoin(layers, '/etc/x'), { ok: true, path: '/usr/lib/x' }, "the upper layer's link, not the lower's directory");
  if (whiteout) t.same(secureJoin(layers, '/lib/x'), { ok: true, path: '/lib/x' }, "a whiteout hides the lower layer's link");
});

t.test('climbing out and loops are refused', async (t) => {
  t.same(secureJoin([lower], '/escape/tmp'), { ok: false, why: 'escapes' }, 'a link that climbs above the root');
  t.same(secureJoin([lower], '/..'), { ok: false, why: 'escapes' }, '.. above the root');
  t.same(secureJoin([lower], '/loop1'), { ok: false, why: 'loop' }, 'a loop of links');
});
