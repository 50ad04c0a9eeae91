// Corrupt state: a journal, the progress file or a container's state files garbled, truncated or emptied. `lab
// clean` removes what the readable lines name (real resources of a lab run killed with SIGKILL), says which file and
// which lines it could not read and what that means, keeps the file's bytes aside, and exits 1; nothing crashes.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJournal } from '../../src/host/journal.js';
import { ROOT, cleanEnv, cli, hostSnapshot, killedAtStep, markedPids, needsRoot, tempDir, useTempState } from '../helpers.js';

const LABS = join(ROOT, 'test', 'hardening', 'fixtures', 'labs');
const netnsList = (): string => spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';

/** Run fixture-corrupt until its resources exist, then kill the harness with SIGKILL; returns the journal and what it made. */
async function killedRun(state: string, tag: string): Promise<{ file: string; dir: string; netns: string; runId: string }> {
  const dir = tempDir('lab-test-corrupt-');
  const env = cleanEnv({ LAB_STATE_DIR: state, LAB_LABS_DIR: LABS, LAB_TEST_CORRUPT_DIR: dir, LAB_TEST_CORRUPT_TAG: tag });
  const runId = await killedAtStep('fixture-corrupt', 'wait', env);
  const [name] = readdirSync(join(state, 'runs')).filter((n) => n.endsWith('.jsonl'));
  return { file: join(state, 'runs', name!), dir, netns: `lab-corrupt-${tag}`, runId };
}

/** The journal's lines, and the number of the line whose record names `match`. */
function lineOf(text: string, match: string): number {
  return text.split('\n').findIndex((line) => line.includes('"intent"') && line.includes(match)) + 1;
}

t.test('readJournal keeps every readable line and numbers every other one (pure)', async (t) => {
  const head = JSON.stringify({ t: 'owner', kind: 'run', id: 'lab-x-1-a', lab: 'x', pid: 0, start: 0, at: '' });
  const intent = (id: number, path: string): string => JSON.stringify({ t: 'intent', id, resource: { kind: 'path', path } });
  const bytes = Buffer.concat([
    Buffer.from(`${head}\n${intent(1, '/tmp/lab-a')}\n`),
    Buffer.from([0xff, 0xfe, 0x7b, 0x0a]), // 3: invalid UTF-8
    Buffer.from(`{"t":"intent","id":2,"resource":{"kind":"path","pa\n`), // 4: not JSON
    Buffer.from(`${JSON.stringify({ t: 'intent', id: 3, resource: { kind: 'teapot', path: '/tmp/lab-c' } })}\n`), // 5: unknown kind
    Buffer.from(`${intent(4, '/etc')}\n`), // 6: a path lab could not have made
    Buffer.from(`${JSON.stringify({ t: 'launch', id: 5 })}\n`), // 7: unknown record
    Buffer.from([0, 0, 0, 0x0a]), // 8: NUL bytes
    Buffer.from(`${intent(6, '/tmp/lab-d')}\n`), // 9: read, after all the damage
    Buffer.from(`{"t":"intent","id":7,"reso`), // 10: torn
  ]);
  const reading = readJournal(bytes);
  t.same(
    reading.unreadable.map((u) => `${u.line}:${u.why}`),
    ['3:not-utf8', '4:not-json', '5:unknown-record', '6:unknown-record', '7:unknown-record', '8:nul', '10:torn'],
  );
  t.same(
    reading.records.map((r) => r.t),
    ['owner', 'intent', 'intent'],
    'the lines after the damage are read too',
  );
  t.same(readJournal(Buffer.alloc(0)).unreadable, [{ line: 1, why: 'empty' }]);
  t.same(readJournal(Buffer.from(`${intent(1, '/tmp/lab-a')}\n`)).unreadable, [{ line: 1, why: 'no-head' }], 'a missing head is reported');
});

t.test(
  'kill -9, then the journal garbled in the middle and cut off: lab clean removes what it can read, reports the rest',
  { skip: needsRoot() },
  async (t) => {
    const state = useTempState();
    const before = hostSnapshot(state);
    const tag = `g${process.pid}`;
    const run = await killedRun(state, tag);
    t.teardown(() => {
      spawnSync('ip', ['netns', 'del', run.netns]);
      for (const pid of markedPids(run.runId)) process.kill(pid, 'SIGKILL');
    });
    t.ok(existsSync(join(run.dir, 'lab-corrupt-a')) && existsSync(join(run.dir, 'lab-corrupt-b')), 'the run made both directories');
    t.match(netnsList(), run.netns, 'and its network namespace');
    t.ok(markedPids(run.runId).length >= 1, 'and its survivor outlived the harness');

    const text = readFileSync(run.file, 'utf8');
    const lineB = lineOf(text, 'lab-corrupt-b');
    t.ok(lineB > 1, 'the journal names the second directory');
    const lines = text.split('\n');
    // Line B garbled with random bytes; a line of invalid JSON, one of NULs, one of invalid UTF-8 and one of an unknown
    // kind inserted after it; the file cut off mid-line at the end.
    const garbled = [
      ...lines.slice(0, lineB - 1).map((l) => Buffer.from(`${l}\n`)),
      Buffer.from([0x9c, 0x13, 0x7b, 0x22, 0x00, 0xe8, 0x0a]),
      Buffer.from('{"t":"intent","id":99,\n'),
      Buffer.from([0, 0, 0, 0, 0x0a]),
      Buffer.from([0xc3, 0x28, 0x0a]),
      Buffer.from(`${JSON.stringify({ t: 'intent', id: 98, resource: { kind: 'wormhole', name: 'lab-w' } })}\n`),
      ...lines.slice(lineB, -1).map((l) => Buffer.from(`${l}\n`)),
      Buffer.from('{"t":"step","st'),
    ];
    const bytes = Buffer.concat(garbled);
    writeFileSync(run.file, bytes);
    const bad = [lineB, lineB + 1, lineB + 2, lineB + 3, lineB + 4, lines.length + 4];

    const clean = cli(['clean', '--lang', 'en'], { LAB_STATE_DIR: state });
    t.equal(clean.status, 1, 'lab clean exits 1: something could not be read');
    t.notMatch(clean.stderr, /\n\s+at /, 'no stack trace');
    t.match(clean.stderr, run.file, 'it names the file');
    for (const n of bad) t.match(clean.stderr, new RegExp(`\\b${n} \\(`), `and line ${n}`);
    t.match(clean.stderr, /may still be on this host/, 'it says what that means');
    t.match(clean.stderr, /lab doctor/, 'and how to look for leftovers');
    const kept = /kept as it was in (\S+)\. /.exec(clean.stderr)?.[1];
    t.ok(kept && readFileSync(kept).equals(bytes), 'the journal is kept aside byte for byte');
    t.notOk(existsSync(join(run.dir, 'lab-corrupt-a')), 'the first directory (a readable line) is removed');
    t.notMatch(netnsList(), run.netns, 'the network namespace (a readable line) is removed');
    t.same(markedPids(run.runId), [], 'the survivor (a readable line) is killed');
    t.ok(existsSync(join(run.dir, 'lab-corrupt-b')), 'the directory named only in the garbled line is left, as reported');
    t.notOk(existsSync(run.file), 'the journal itself is gone (its copy stays)');

    const zh = cli(['clean', '--lang', 'zh'], { LAB_STATE_DIR: state });
    t.equal(zh.status, 0, 'a second clean finds nothing unreadable');
    rmSync(kept!, { force: true });
    t.same(hostSnapshot(state), before, 'nothing else of the lab remains');
  },
);

t.test('kill -9, then the head line lost: the rest is still cleaned, and the loss reported (in Chinese too)', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const run = await killedRun(state, `h${process.pid}`);
  t.teardown(() => void spawnSync('ip', ['netns', 'del', run.netns]));
  const text = readFileSync(run.file, 'utf8');
  writeFileSync(run.file, text.slice(text.indexOf('\n') + 1));
  const clean = cli(['clean', '--lang', 'zh'], { LAB_STATE_DIR: state });
  t.equal(clean.status, 1);
  t.match(clean.stderr, /第 1（/, 'line 1 is reported');
  t.match(clean.stderr, /可能还留在宿主机上/, 'in Chinese');
  t.notOk(existsSync(join(run.dir, 'lab-corrupt-a')) || existsSync(join(run.dir, 'lab-corrupt-b')), 'both directories are removed');
  t.notMatch(netnsList(), run.netns);
  t.same(markedPids(run.runId), []);
  for (const name of readdirSync(join(state, 'runs'))) rmSync(join(state, 'runs', name));
  t.same(hostSnapshot(state), before);
});

t.test('empty, zero-length and cut-off journals: reported, kept aside, exit 1; a newborn empty one is left alone', async (t) => {
  const state = useTempState();
  const runs = join(state, 'runs');
  mkdirSync(runs, { recursive: true, mode: 0o700 });
  const old = new Date(Date.now() - 60_000);
  const zero = join(runs, 'lab-zero-1-a.jsonl');
  writeFileSync(zero, '');
  utimesSync(zero, old, old);
  const blank = join(runs, 'lab-blank-1-a.jsonl');
  writeFileSync(blank, '\n\n');
  const cut = join(runs, 'lab-cut-1-a.jsonl');
  writeFileSync(cut, '{"t":"owner","kind":"run","id":"lab-cut-1-a","la');
  const newborn = join(runs, 'lab-newborn-1-a.jsonl');
  writeFileSync(newborn, '');
  // A real resource named after a damaged head: removed.
  const dir = tempDir('lab-test-corrupt-');
  mkdirSync(join(dir, 'lab-named'));
  const named = join(runs, 'lab-named-1-a.jsonl');
  writeFileSync(named, `garbage\n${JSON.stringify({ t: 'intent', id: 1, resource: { kind: 'path', path: join(dir, 'lab-named') } })}\n`);

  // A minute old: a headless journal seconds old may be a run starting, which `lab clean` leaves for later.
  for (const file of [blank, cut, named]) utimesSync(file, old, old);
  const clean = cli(['clean', '--lang', 'en'], { LAB_STATE_DIR: state });
  t.equal(clean.status, 1, clean.stderr);
  t.notMatch(clean.stderr, /\n\s+at /);
  t.match(clean.stderr, `${zero} has lines lab could not read: line 1 (the file is empty or blank)`);
  t.match(clean.stderr, `${cut} has lines lab could not read: line 1 (cut off mid-line)`);
  t.match(clean.stderr, `${named} has lines lab could not read: line 1 (not JSON)`);
  t.notOk(existsSync(join(dir, 'lab-named')), 'what the readable line names is removed');
  t.notOk(existsSync(zero) || existsSync(cut) || existsSync(named), 'the damaged journals are gone');
  t.ok(existsSync(newborn), 'a zero-length journal seconds old (being created) is left alone');
  const copies = readdirSync(runs).filter((n) => n.includes('.corrupt-'));
  t.ok(
    copies.some((n) => n.startsWith('lab-cut-1-a.jsonl.corrupt-')),
    'the cut-off one is kept aside',
  );
  t.ok(
    copies.some((n) => n.startsWith('lab-blank-1-a.jsonl.corrupt-')),
    'the blank one is kept aside',
  );
  t.notOk(
    copies.some((n) => n.startsWith('lab-zero')),
    'a zero-length one has nothing to keep',
  );
});

t.test('the detector can fail: an intact journal is not reported', async (t) => {
  const state = useTempState();
  const runs = join(state, 'runs');
  mkdirSync(runs, { recursive: true, mode: 0o700 });
  const dir = tempDir('lab-test-corrupt-');
  mkdirSync(join(dir, 'lab-ok'));
  writeFileSync(
    join(runs, 'lab-ok-1-a.jsonl'),
    `${JSON.stringify({ t: 'owner', kind: 'run', id: 'lab-ok-1-a', lab: 'ok', pid: 0, start: 0, at: '' })}\n${JSON.stringify({ t: 'intent', id: 1, resource: { kind: 'path', path: join(dir, 'lab-ok') } })}\n`,
  );
  const clean = cli(['clean', '--lang', 'en'], { LAB_STATE_DIR: state });
  t.equal(clean.status, 0, clean.stderr);
  t.equal(clean.stderr, '');
  t.notOk(existsSync(join(dir, 'lab-ok')));
});

t.test('progress.json cut off, garbled or of the wrong type: recovered or reported with what was lost', async (t) => {
  const state = useTempState();
  const file = join(state, 'progress.json');
  const env = { LAB_STATE_DIR: state };
  // Cut off mid-file: kept aside byte for byte, the loss told once (naming the lab it held), then recording goes on.
  const cut = '{"format":1,"labs":{"pid-namespace":{"passed":["create"],"ru';
  writeFileSync(file, cut);
  const first = cli(['progress', '--lang', 'en'], env);
  t.equal(first.status, 0, first.stderr);
  t.notMatch(first.stderr + first.stdout, /\n\s+at /);
  const kept = /kept as it was in (\S+?)\. /.exec(first.stdout + first.stderr)?.[1];
  t.ok(kept && readFileSync(kept, 'utf8') === cut, 'the unreadable file is kept aside as it was');
  t.match(first.stdout + first.stderr, /labs it mentions: pid-namespace/);
  t.match(cli(['progress', '--lang', 'en'], env).stdout, /could not be parsed/, '`lab progress` keeps listing the loss');
  t.notMatch(cli(['list', '--lang', 'en'], env).stdout, /could not be parsed/, '`lab list` told it once, not again');
  // Garbled bytes: `lab hint` recovers too, in Chinese.
  writeFileSync(file, Buffer.from([0x7b, 0x00, 0xff, 0x22]));
  const hint = cli(['hint', 'pid-namespace', '--lang', 'zh'], env);
  t.equal(hint.status, 0, hint.stderr);
  t.match(hint.stdout + hint.stderr, /进度文件（4 字节）无法解析/);
  // Valid JSON of the wrong types (no stack trace: this crashed `lab progress` and `lab hint` before).
  writeFileSync(
    file,
    JSON.stringify({ format: 1, labs: { 'pid-namespace': { passed: [], runs: [null, 5, { runId: 3 }], hints: { create: 'x' } } }, lost: [1, { at: 3 }] }),
  );
  for (const args of [['progress'], ['hint', 'pid-namespace'], ['list']]) {
    const out = cli([...args, '--lang', 'en'], env);
    t.equal(out.status, 0, `lab ${args.join(' ')}: ${out.stderr}`);
    t.notMatch(out.stderr, /internal error|\n\s+at /, `lab ${args.join(' ')} does not crash`);
  }
  const after = JSON.parse(readFileSync(file, 'utf8')) as { labs: Record<string, { runs: unknown[] }>; lost: { partial?: boolean; labs: string[] }[] };
  t.same(after.labs['pid-namespace']!.runs, [], 'the runs of the wrong type are dropped');
  t.ok(
    after.lost.some((loss) => loss.partial && loss.labs.includes('pid-namespace')),
    'and the drop recorded as a loss (the file kept aside)',
  );
  // A top-level value of the wrong type.
  writeFileSync(file, '[1,2,3]');
  const list = cli(['progress', '--lang', 'en'], env);
  t.equal(list.status, 0);
  t.match(list.stdout + list.stderr, /could not be parsed/);
});

t.test('progress.json garbled before `lab run --yes`: the run records afresh, the loss is told', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  writeFileSync(join(state, 'progress.json'), '{"format":1,"labs":{"fixture-corrupt-midway":{"pass');
  const dir = tempDir('lab-test-corrupt-');
  const run = cli(['run', 'fixture-corrupt-midway', '--yes', '--lang', 'en', '--plain'], {
    LAB_STATE_DIR: state,
    LAB_LABS_DIR: LABS,
    LAB_TEST_CORRUPT_DIR: dir,
  });
  t.equal(run.status, 0, run.stderr);
  const progress = JSON.parse(readFileSync(join(state, 'progress.json'), 'utf8')) as { labs: Record<string, { passed: string[] }>; lost: unknown[] };
  t.same(progress.labs['fixture-corrupt-midway']?.passed, ['make'], 'the run was recorded');
  t.equal(progress.lost.length, 1, 'the loss is recorded');
  t.ok(
    readdirSync(state).some((n) => n.startsWith('progress.json.corrupt-')),
    'and the old file kept aside',
  );
});

/** A container's directory and journal as `lab container create` leaves them, with `config` and `state` as files. */
function fakeContainer(state: string, config: string | undefined, stateJson: string): { id: string; dir: string; journal: string } {
  const id = Array.from({ length: 64 }, (_, i) => '0123456789abcdef'[(i * 7 + process.pid) % 16]).join('');
  const dir = join(state, 'containers', `lab-${id}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  mkdirSync(join(state, 'runs'), { recursive: true, mode: 0o700 });
  const record = {
    id,
    name: 'lab-test-web',
    image: 'busybox',
    created: new Date().toISOString(),
    config: { network: { kind: 'none' }, volumes: [], env: [], command: ['sh'], limits: {} },
    command: ['sh'],
    env: [],
    hostname: 'web',
    workdir: '/',
    argv: ['sh'],
    cgroup: '',
    dirs: { upper: join(dir, 'upper'), work: join(dir, 'work'), merged: join(dir, 'merged') },
    layers: [],
    autoRemove: false,
    tty: false,
    interactive: false,
  };
  writeFileSync(join(dir, 'config.json'), config ?? JSON.stringify(record));
  writeFileSync(join(dir, 'state.json'), stateJson);
  const journal = join(state, 'runs', `lab-container-${id.slice(0, 12)}.jsonl`);
  writeFileSync(
    journal,
    `${JSON.stringify({ t: 'owner', kind: 'container', id: `lab-container-${id.slice(0, 12)}`, pid: 0, start: 0, at: '' })}\n${JSON.stringify({ t: 'intent', id: 1, resource: { kind: 'path', path: dir } })}\n`,
  );
  return { id, dir, journal };
}

t.test('a container whose state.json is garbled: listed, inspected and removed, with a warning naming it', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  const c = fakeContainer(state, undefined, '{"status":"runn');
  const env = { LAB_STATE_DIR: state };
  const ps = cli(['container', 'ps', '-a'], env);
  t.equal(ps.status, 0, ps.stderr);
  t.match(ps.stdout, 'lab-test-web');
  t.match(ps.stderr, `container ${c.id.slice(0, 12)}: ${join(c.dir, 'state.json')} cannot be read`);
  t.match(ps.stderr, /容器 .*无法读取/);
  const inspect = cli(['container', 'inspect', 'lab-test-web'], env);
  t.equal(inspect.status, 0, inspect.stderr);
  t.notMatch(inspect.stderr, /internal error|\n\s+at /);
  const rm = cli(['container', 'rm', '-f', 'lab-test-web'], env);
  t.equal(rm.status, 0, rm.stderr);
  t.notOk(existsSync(c.dir) || existsSync(c.journal), 'its directory and journal are removed');
});

t.test('a container whose config.json is garbled or of the wrong shape: reported, and `lab clean` removes it', { skip: needsRoot() }, async (t) => {
  for (const config of ['{"id":"', JSON.stringify({ id: 'x', name: 5 }), '\u0000\u0000']) {
    const state = useTempState();
    const c = fakeContainer(state, config, '{"status":"exited"}');
    const env = { LAB_STATE_DIR: state };
    const ps = cli(['container', 'ps', '-a'], env);
    t.equal(ps.status, 0, ps.stderr);
    t.match(ps.stderr, `container ${c.id.slice(0, 12)}: ${join(c.dir, 'config.json')} cannot be read`, 'which container, which file');
    for (const args of [
      ['inspect', c.id.slice(0, 12)],
      ['rm', '-f', c.id.slice(0, 12)],
    ]) {
      const out = cli(['container', ...args], env);
      t.equal(out.status, 1, `container ${args[0]} refuses`);
      t.notMatch(out.stderr, /internal error|\n\s+at /, 'without a stack trace');
      t.match(out.stderr, /lab clean/, 'and says what removes it');
    }
    const clean = cli(['clean', '--lang', 'en'], env);
    t.equal(clean.status, 0, clean.stderr);
    t.notOk(existsSync(c.dir) || existsSync(c.journal), 'lab clean removes what its journal names');
  }
});

t.test("a network's record garbled: `lab container network ls` names it and goes on", async (t) => {
  const state = useTempState();
  mkdirSync(join(state, 'networks'), { recursive: true, mode: 0o700 });
  const file = join(state, 'networks', 'lab-web.json');
  writeFileSync(file, '{"name":"web","id');
  const ls = cli(['container', 'network', 'ls'], { LAB_STATE_DIR: state });
  t.equal(ls.status, 0, ls.stderr);
  t.match(ls.stdout, 'bridge', 'the other networks are listed');
  t.match(ls.stderr, `network record ${file} cannot be read`);
  t.match(ls.stderr, /网络记录 .* 无法读取/);
  t.ok(existsSync(file), 'the file is left as it is');
});
