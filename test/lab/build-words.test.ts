// A word built from text and late parts is text now when every part is known, and made from the context otherwise.
import t from 'tap';
import { argvOf, pid, proc } from '../../src/lab/build.js';
import { leader, word } from '../../src/lab/build-words.js';
import type { LabContext } from '../../src/lab/spec.js';

const ctx: LabContext = {
  runId: 'lab-fake-4242-mx9o4xdp',
  shell: { target: 'box', namespaces: ['uts'] },
  proc: (name: string) => ({ pid: name === 'box' ? 4300 : 4400, leader: name === 'box' ? 4299 : 4399, ns: {} }),
  get: () => 'x',
  set: () => undefined,
};

t.test('word joins text and parts, late only when a part is', async (t) => {
  t.equal(word`exec sleep infinity ${3}<${'/dev/null'}`, 'exec sleep infinity 3</dev/null');
  t.equal(word`plain`, 'plain');
  const late = word`--uts=${proc('holder', 'fd/3')}`;
  t.type(late, 'function');
  t.same(argvOf(ctx, ['nsenter', late, '--', 'hostname']), ['nsenter', '--uts=/proc/4400/fd/3', '--', 'hostname']);
  t.same(argvOf(ctx, [word`${pid('box')}:${pid('other')}`]), ['4300:4400'], 'several late parts, in order');
  t.same(argvOf(ctx, [word`a\tb${1}`]), ['a\tb1'], 'escapes as JavaScript reads them');
});

t.test('leader is the process the harness spawned, pid the one the name stands for', async (t) => {
  t.same(argvOf(ctx, ['kill', '-KILL', leader('box'), pid('box')]), ['kill', '-KILL', '4299', '4300']);
});
