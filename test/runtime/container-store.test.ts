// Where containers keep their state: lab- names for the directory and the journal's owner, state written
// atomically (no partial file left), records found by name, anything else in the directory ignored.
import t from 'tap';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  containerDir,
  containerOwnerId,
  containersDir,
  findContainerByName,
  listContainerRecords,
  readContainerState,
  writeContainerState,
} from '../../src/host/container-store.js';
import { isLabName } from '../../src/host/resource-kinds.js';
import { useTempState } from '../helpers.js';

const id = 'ab'.repeat(32);

t.test('names are the harness’s own', async (t) => {
  const state = useTempState();
  t.equal(containerDir(id), join(state, 'containers', `lab-${id}`));
  t.ok(isLabName(containerDir(id)), 'the directory is a lab- path');
  t.equal(containerOwnerId(id), `lab-container-${id.slice(0, 12)}`, 'the owner id: lab-container-<short id>');
});

t.test('state: created until written, then replaced whole', async (t) => {
  useTempState();
  mkdirSync(containerDir(id), { recursive: true });
  t.same(readContainerState(id), { status: 'created' });
  writeContainerState(id, { status: 'running', pid: 42 });
  writeContainerState(id, { status: 'exited', exitCode: 137 });
  t.same(readContainerState(id), { status: 'exited', exitCode: 137 });
  t.same(readdirSync(containerDir(id)), ['state.json'], 'no partial file left');
});

t.test('records: by name, oldest first, other entries ignored', async (t) => {
  useTempState();
  const other = 'cd'.repeat(32);
  for (const [rid, name, created] of [
    [id, 'lab-b', '2026-01-02T00:00:00Z'],
    [other, 'lab-a', '2026-01-01T00:00:00Z'],
  ] as const) {
    mkdirSync(containerDir(rid), { recursive: true });
    // The fields every reader uses (a record without them is reported as damaged, see corrupt-state.test.ts).
    const dirs = { upper: 'u', work: 'w', merged: 'm' };
    const config = { network: { kind: 'none' }, volumes: [], env: [], command: [], limits: {} };
    const record = { id: rid, name, created, image: 'busybox', config, command: [], env: [], argv: [], layers: [], cgroup: '', dirs };
    writeFileSync(join(containerDir(rid), 'config.json'), JSON.stringify(record));
  }
  mkdirSync(join(containersDir(), 'not-a-container'));
  mkdirSync(containerDir('ef'.repeat(32)));
  t.same(
    listContainerRecords().map((r) => r.name),
    ['lab-a', 'lab-b'],
  );
  t.equal(findContainerByName('lab-b')?.id, id);
  t.equal(findContainerByName('lab-c'), undefined);
  t.ok(existsSync(containersDir()));
});
