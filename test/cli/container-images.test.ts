// `lab container images|import|load|rmi` on a temporary state directory, with archives built here: a rootfs tar as
// `docker export` writes it, a `docker save` archive with two layers, a whiteout and an opaque directory, an OCI
// layout (test/fixtures/image-archives.ts). The checks read the store on disk (files, owners, a whiteout as a 0/0
// character device, the opaque xattr); a usage error exits 125 and an operational one 1, as Docker's.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import t from 'tap';
import { IMAGE_COMMANDS, humanAgo, humanSize, imageId } from '../../src/cli/container-images.js';
import { LabError } from '../../src/common/errors.js';
import { containerDir } from '../../src/host/container-store.js';
import { getImage, imagesDir, listImages } from '../../src/host/image-store.js';
import { dockerSave, layerTrees, ociLayout, tar, write } from '../fixtures/image-archives.js';
import { needsRoot, tempDir, useTempState } from '../helpers.js';

/** Run a subcommand in this process: its exit status (a LabError's for a failure), error code and what it printed. */
async function lab(command: keyof typeof IMAGE_COMMANDS, ...args: string[]): Promise<{ status: number; code?: string; stdout: string }> {
  let stdout = '';
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    return { status: await IMAGE_COMMANDS[command].run(args, 'en'), stdout };
  } catch (error) {
    if (!(error instanceof LabError)) throw error;
    return { status: error.exitCode, code: error.code, stdout };
  } finally {
    process.stdout.write = original;
  }
}

/** The overlayfs opaque mark of a directory (trusted.overlay.opaque), read with getxattr(2). */
function opaque(dir: string): string {
  const script = 'import os, sys\ntry: print(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())\nexcept OSError: print("none")';
  return execFileSync('python3', ['-c', script, dir], { encoding: 'utf8' }).trim();
}

t.test('Docker-style sizes and ages', async (t) => {
  t.same([0, 999, 1000, 4_263_000, 77_812_345, 128_400_000].map(humanSize), ['0B', '999B', '1kB', '4.26MB', '77.8MB', '128MB']);
  const minute = 60_000;
  const ago = [500, 1000, 5000, 61_000, 5 * minute, 60 * minute, 5 * 60 * minute, 72 * 60 * minute, 21 * 24 * 60 * minute, 90 * 24 * 60 * minute];
  t.same(
    ago.map((ms) => humanAgo(ms, 'en')),
    [
      'Less than a second ago',
      '1 second ago',
      '5 seconds ago',
      'About a minute ago',
      '5 minutes ago',
      'About an hour ago',
      '5 hours ago',
      '3 days ago',
      '3 weeks ago',
      '3 months ago',
    ],
  );
  t.equal(humanAgo(5 * minute, 'zh'), '5 分钟前');
});

t.test('each --help gives the exit statuses, in both languages', async (t) => {
  for (const [name, command] of Object.entries(IMAGE_COMMANDS)) {
    t.match(command.help.en, /Exit status: 0 when it worked; 125 for a usage error/, `${name}: 125 for a usage error`);
    t.match(command.help.zh, /退出状态：成功为 0；用法错误（未知选项、无效的值、缺少参数）为 125/, `${name}: and in Chinese`);
    if (name !== 'images') t.match(`${command.help.en}\n${command.help.zh}`, /1 when [^]*为 1/, `${name}: 1 for an operational error`);
  }
});

t.test('lab container images, import, load, rmi', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  const work = tempDir('lab-test-container-images-');

  t.test('import: a rootfs tar as docker export writes it (owners kept), and a directory', async (t) => {
    const tree = join(work, 'rootfs');
    write(join(tree, 'etc', 'hostname'), 'exported\n');
    chownSync(join(tree, 'etc', 'hostname'), 1234, 5678);
    execFileSync('ln', ['-s', 'hostname', join(tree, 'etc', 'link')]);
    mkdirSync(join(tree, 'tmp'), { mode: 0o1777 });
    tar('--numeric-owner', '-cf', join(work, 'export.tar'), '-C', tree, '.');
    const fromTar = await lab('import', join(work, 'export.tar'), 'exported:v1');
    t.equal(fromTar.status, 0);
    const image = getImage('exported:v1');
    t.equal(fromTar.stdout, `${imageId(image)}\n`, 'prints the image ID, as docker import');
    t.equal(image.layerDirs.length, 1, 'one layer');
    const file = join(image.layerDirs[0] ?? '', 'etc', 'hostname');
    t.equal(readFileSync(file, 'utf8'), 'exported\n');
    t.same([lstatSync(file).uid, lstatSync(file).gid], [1234, 5678], 'numeric owner kept');
    t.equal(readlinkSync(join(image.layerDirs[0] ?? '', 'etc', 'link')), 'hostname', 'a link stays a link');
    t.equal((await lab('import', tree, 'fromdir')).status, 0);
    t.ok(existsSync(join(getImage('fromdir').layerDirs[0] ?? '', 'etc', 'hostname')), 'a directory is copied');
  });

  t.test('import refuses /, the state directory and what holds it, a missing source: 1; a bad name: 125', async (t) => {
    const refused = async (source: string, name: string): Promise<[number, string | undefined]> => {
      const result = await lab('import', source, name);
      return [result.status, result.code];
    };
    t.same(await refused('/', 'host'), [1, 'refused-source'], '/ is refused');
    mkdirSync(join(state, 'inside'));
    t.same(await refused(join(state, 'inside'), 'inside'), [1, 'refused-source'], 'a directory inside the state directory');
    t.same(await refused(imagesDir(), 'store'), [1, 'refused-source'], 'the store itself');
    t.same(await refused(dirname(state), 'parent'), [1, 'refused-source'], 'a directory that holds the state directory');
    t.same(await refused(join(work, 'nothing'), 'nothing'), [1, 'ENOENT']);
    t.same(await refused(join(work, 'rootfs'), 'Bad/Name'), [125, 'bad-image-name']);
    t.same(await refused(join(work, 'rootfs'), 'exported:v1'), [1, 'name-in-use']);
    const usage = await lab('import', join(work, 'rootfs'));
    t.same([usage.status, usage.code], [125, 'usage'], 'no name');
    t.same(
      listImages().map((i) => i.name),
      ['exported:v1', 'fromdir:latest'],
      'nothing else was stored',
    );
  });

  const trees = layerTrees(work);

  t.test('load -i: docker save with two layers; the whiteout is a 0/0 character device, data/ opaque', async (t) => {
    const loaded = await lab('load', '-i', dockerSave(work, trees, 'docker.io/library/saved:v1'));
    t.equal(loaded.status, 0);
    t.equal(loaded.stdout, 'Loaded image: saved:v1\n');
    const image = getImage('saved:v1');
    t.equal(image.layerDirs.length, 2, 'each layer a layer');
    const [lower, upper] = image.layerDirs as [string, string];
    t.ok(existsSync(join(lower, 'etc', 'motd')), 'the lower layer keeps etc/motd');
    const whiteout = lstatSync(join(upper, 'etc', 'motd'));
    t.ok(whiteout.isCharacterDevice() && whiteout.rdev === 0, 'etc/motd is a 0/0 character device in the upper layer');
    t.notOk(existsSync(join(upper, 'etc', '.wh.motd')), 'the marker is gone');
    t.equal(opaque(join(upper, 'data')), 'y', 'data/ carries trusted.overlay.opaque=y');
    t.equal(opaque(join(lower, 'data')), 'none', 'the lower data/ does not');
    t.notOk(existsSync(join(upper, 'data', '.wh..wh..opq')), 'the opaque marker is gone');
    t.same(image.config.cmd, ['cat', '/etc/keep'], "the image's default command");
  });

  t.test('load -i: an OCI layout directory, named on the command line', async (t) => {
    const loaded = await lab('load', '-q', '-i', ociLayout(work, trees), 'oci:v2');
    t.same([loaded.status, loaded.stdout], [0, ''], '-q prints nothing');
    const [lower, upper] = getImage('oci:v2').layerDirs as [string, string];
    t.equal(readFileSync(join(lower, 'etc', 'keep'), 'utf8'), 'kept\n');
    t.equal(lstatSync(join(upper, 'etc', 'motd')).rdev, 0);
    t.ok(lstatSync(join(upper, 'etc', 'motd')).isCharacterDevice());
    t.equal(opaque(join(upper, 'data')), 'y');
  });

  t.test('load: a usage error exits 125, a bad archive 1', async (t) => {
    const status = async (...args: string[]): Promise<[number, string | undefined]> => {
      const result = await lab('load', ...args);
      return [result.status, result.code];
    };
    t.same(await status(), [125, 'usage'], 'no -i');
    t.same(await status('--bogus', '-i', 'x'), [125, 'usage'], 'an unknown flag');
    t.same(await status('-i', join(work, 'nothing.tar')), [1, 'ENOENT']);
    write(join(work, 'garbage.tar'), 'not a tar\n'.repeat(100));
    t.same(await status('-i', join(work, 'garbage.tar')), [1, 'corrupt-archive']);
    t.same(await status('-i', join(work, 'rootfs')), [1, 'corrupt-archive'], 'a rootfs is not an archive');
    t.same(await status('-i', join(work, 'save.tar')), [1, 'name-in-use'], 'loaded twice');
    mkdirSync(join(state, 'oci'));
    t.same(await status('-i', join(state, 'oci'), 'inside'), [1, 'refused-source'], 'a layout inside the state directory');
  });

  t.test('images: one row per image, Docker columns; -q the IDs', async (t) => {
    const listed = await lab('images');
    const lines = listed.stdout.trimEnd().split('\n');
    t.match(lines[0], /^REPOSITORY {3,}TAG {3,}IMAGE ID {3,}CREATED {3,}SIZE$/);
    t.same(
      lines.slice(1).map((line) => line.split(/ {3,}/).slice(0, 2)),
      listImages().map((i) => i.name.split(':')),
    );
    const quiet = await lab('images', '-q');
    t.same(
      quiet.stdout.trim().split('\n'),
      listImages().map((i) => imageId(i).slice(7, 19)),
    );
    const filtered = await lab('images', '-q', 'saved');
    t.equal(filtered.stdout, `${imageId(getImage('saved:v1')).slice(7, 19)}\n`, 'a repository filter');
    t.same((await lab('images', '--all-bogus')).status, 125, 'an unknown flag');
  });

  t.test('rmi: refused while a container uses the image, running or not', async (t) => {
    const id = 'c0ffee'.padEnd(64, '0');
    const dir = join(containerDir(id), 'config.json');
    const record = {
      ...{ id, name: 'user', image: 'saved:v1', created: new Date().toISOString(), layers: getImage('saved:v1').layerDirs },
      // The fields every reader uses: without them the record is reported as damaged (container-store.ts).
      ...{ config: { network: { kind: 'none' }, volumes: [], env: [], command: [], limits: {} }, command: [], env: [], argv: [], cgroup: '' },
      dirs: { upper: 'u', work: 'w', merged: 'm' },
    };
    write(dir, JSON.stringify(record));
    const refused = await lab('rmi', 'saved:v1');
    t.same([refused.status, refused.code], [1, 'conflict']);
    t.ok(existsSync(getImage('saved:v1').dir), 'the image is still there');
    rmSync(containerDir(id), { recursive: true });
  });

  t.test('rmi: the image directory goes; an unknown image exits 1', async (t) => {
    const id = imageId(getImage('saved:v1'));
    const removed = await lab('rmi', 'saved:v1', 'fromdir');
    t.equal(removed.status, 0);
    t.match(removed.stdout, `Untagged: saved:v1\nDeleted: ${id}\n`);
    t.notOk(existsSync(join(imagesDir(), 'saved')), 'saved/ is gone');
    t.notOk(existsSync(join(imagesDir(), 'fromdir')), 'fromdir/ is gone');
    const again = await lab('rmi', 'saved:v1');
    t.same([again.status, again.code], [1, 'unknown-image']);
    t.same([(await lab('rmi')).status], [125], 'no name');
  });
});
