// The image store, for real as root in a temporary state directory: the busybox image runs, a root filesystem is
// imported, and `docker save` and OCI archives built here load layer by layer with their whiteouts, which an overlay
// mount in a private mount namespace of this test then honours. Nothing is mounted in the host's namespace.
import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../../src/common/errors.js';
import { buildBusybox, getImage, imagesDir, importRootfs, listImages, loadArchive, removeImage, type StoredImage } from '../../src/host/image-store.js';
import { lowerdirOption } from '../../src/kernel/image-format.js';
import { dockerSave, layerTrees, ociLayout, sha256, tar, write } from '../fixtures/image-archives.js';
import { needsRoot, tempDir, useTempState } from '../helpers.js';

const skip = needsRoot() || (existsSync('/bin/busybox') ? false : 'needs /bin/busybox (busybox-static)');
const codeOf = async (promise: Promise<unknown>): Promise<string | undefined> => {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error instanceof LabError ? error.code : `not a LabError: ${String(error)}`;
  }
};
/** What is left in the store besides images: partial directories would show here. */
const leftovers = (): string[] => readdirSync(imagesDir()).filter((n) => n.startsWith('.'));

/** Mount an image's layers read-only with overlayfs in a private mount namespace and list two directories. */
function overlayListing(image: StoredImage, work: string): { etc: string[]; data: string[] } {
  const merged = join(work, `merged-${image.name.replace(/[^a-z0-9]/g, '-')}`);
  mkdirSync(merged);
  const script = `mount -t overlay overlay -o lowerdir=${lowerdirOption(image.layerDirs)} ${merged} && ls -A ${merged}/etc && echo --- && ls -A ${merged}/data`;
  const result = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], { encoding: 'utf8' });
  const [etc = '', data = ''] = result.stdout.split('---\n');
  return { etc: etc.split('\n').filter(Boolean), data: data.split('\n').filter(Boolean) };
}

t.test('image store', { skip }, async (t) => {
  useTempState();
  const work = tempDir('lab-test-images-');

  t.test('busybox: built offline, bin/sh links to busybox and runs in a chroot', async (t) => {
    const image = await buildBusybox();
    t.equal(image.name, 'busybox:latest');
    t.same(image.config.cmd, ['sh'], 'default command sh');
    const [layer] = image.layerDirs as [string];
    t.equal(readlinkSync(join(layer, 'bin', 'sh')), 'busybox', 'bin/sh is a link to busybox');
    t.ok(lstatSync(join(layer, 'bin', 'busybox')).isFile());
    t.match(readFileSync(join(layer, 'etc', 'passwd'), 'utf8'), /^root:x:0:0:/);
    for (const dir of ['proc', 'sys', 'dev', 'tmp']) t.ok(lstatSync(join(layer, dir)).isDirectory(), `${dir}/ is there`);
    t.equal(lstatSync(join(layer, 'tmp')).mode & 0o7777, 0o1777, 'tmp/ is world-writable and sticky');
    const result = spawnSync('chroot', [layer, '/bin/sh', '-c', 'echo ok'], { encoding: 'utf8' });
    t.equal(result.stdout, 'ok\n', 'chroot <layer> /bin/sh -c "echo ok" prints ok');
    const again = await buildBusybox();
    t.same({ dir: again.dir, created: again.created }, { dir: image.dir, created: image.created }, 'wanted again: the same image, not built twice');
    t.same(
      listImages().map((i) => i.name),
      ['busybox:latest'],
    );
  });

  t.test('busybox wanted by several at once: built once; a lock left by a dead builder is taken over', async (t) => {
    const name = 'many';
    const images = await Promise.all([buildBusybox(name), buildBusybox(name), buildBusybox(name)]);
    t.same(new Set(images.map((i) => i.created)).size, 1, 'one build, three callers served');
    t.same(
      readdirSync(imagesDir()).filter((entry) => entry.startsWith('.')),
      [],
      'no lock and no partial image left',
    );
    const dead = spawnSync('true').pid!;
    const lock = join(imagesDir(), '.lock-stale_latest');
    writeFileSync(lock, `${dead}\n`);
    const built = await buildBusybox('stale');
    t.equal(built.name, 'stale:latest', "built although a dead builder's lock was there");
    t.notOk(existsSync(lock), 'the stale lock removed');
  });

  t.test('import: a rootfs tar keeps owners; a directory is copied with cp -a', async (t) => {
    const tree = join(work, 'rootfs');
    write(join(tree, 'etc', 'hostname'), 'imported\n');
    chownSync(join(tree, 'etc', 'hostname'), 1234, 5678);
    execFileSync('ln', ['-s', 'hostname', join(tree, 'etc', 'link')]);
    tar('--numeric-owner', '-cf', join(work, 'rootfs.tar'), '-C', tree, '.');
    const fromTar = await importRootfs(join(work, 'rootfs.tar'), 'rootfs:tar');
    const file = join(fromTar.layerDirs[0] ?? '', 'etc', 'hostname');
    t.equal(readFileSync(file, 'utf8'), 'imported\n');
    t.same([lstatSync(file).uid, lstatSync(file).gid], [1234, 5678], 'numeric owner kept');
    t.equal(fromTar.source.kind, 'rootfs');
    const fromDir = await importRootfs(tree, 'rootfs:dir', { cmd: ['sh'] });
    t.equal(readlinkSync(join(fromDir.layerDirs[0] ?? '', 'etc', 'link')), 'hostname', 'the link is copied as a link');
    t.same(fromDir.config.cmd, ['sh']);
    t.equal(await codeOf(importRootfs(join(work, 'nothing-here'), 'x')), 'ENOENT', 'a missing source');
    write(join(work, 'garbage.tar'), 'this is not a tar archive\n'.repeat(40));
    const garbage = await importRootfs(join(work, 'garbage.tar'), 'garbage').catch((error: unknown) => error);
    t.ok(garbage instanceof LabError && garbage.code === 'corrupt-archive', 'a file that is not a tar is refused as a corrupt archive');
    t.match((garbage as LabError).meaning.en, /tar said: .*does not look like a tar archive/, 'and the error says what tar found wrong');
    t.throws(() => getImage('garbage'), { code: 'unknown-image' }, 'and leaves no image');
    t.equal(await codeOf(importRootfs(tree, 'Bad/Name')), 'bad-image-name');
    t.same(leftovers(), [], 'no partial directory is left');
  });

  const trees = layerTrees(work);

  t.test('docker save: two layers, the whiteout and the opaque directory honoured by overlayfs', async (t) => {
    const archive = dockerSave(work, trees, 'example.com/two:v1');
    const image = await loadArchive(archive);
    t.equal(image.name, 'two:v1', 'named from RepoTags');
    t.equal(image.layerDirs.length, 2);
    t.same(image.config, { entrypoint: [], cmd: ['cat', '/etc/keep'], env: ['PATH=/bin', 'A=1'], workingDir: '/data' });
    const upper = image.layerDirs[1] ?? '';
    const whiteout = lstatSync(join(upper, 'etc', 'motd'));
    t.ok(whiteout.isCharacterDevice() && whiteout.rdev === 0, 'etc/motd is a 0/0 character device in the upper layer');
    t.notOk(existsSync(join(upper, 'etc', '.wh.motd')), 'the marker is gone');
    t.notOk(existsSync(join(upper, 'data', '.wh..wh..opq')), 'the opaque marker is gone');
    t.same(overlayListing(image, work), { etc: ['keep'], data: ['c'] }, 'merged: motd deleted, data shows only the upper layer');
    t.equal(await codeOf(loadArchive(archive)), 'name-in-use', 'loading it again is refused');
  });

  t.test('OCI layout: as a directory and as a tar; gzip and plain layers; digests checked', async (t) => {
    const layout = ociLayout(work, trees, 'registry.example/oci-two:v2');
    const fromDir = await loadArchive(layout, 'oci-dir');
    t.equal(fromDir.source.kind, 'oci-layout');
    t.same(overlayListing(fromDir, work), { etc: ['keep'], data: ['c'] });
    tar('-cf', join(work, 'oci.tar'), '-C', layout, '.');
    const fromTar = await loadArchive(join(work, 'oci.tar'));
    t.equal(fromTar.name, 'oci-two:v2', 'named from the ref.name annotation');
    t.same(fromTar.config.cmd, ['cat', '/etc/keep']);
    t.same(overlayListing(fromTar, work), { etc: ['keep'], data: ['c'] });
    // Corrupt one blob: the digest no longer matches.
    const blobs = join(layout, 'blobs', 'sha256');
    const layer = readdirSync(blobs).find((hex) => sha256(join(blobs, hex)) === sha256(join(work, 'l2.tar'))) ?? '';
    writeFileSync(join(blobs, layer), 'tampered');
    t.equal(await codeOf(loadArchive(layout, 'tampered')), 'corrupt-archive', 'a blob whose digest does not match');
    t.equal(await codeOf(loadArchive(join(work, 'rootfs'), 'not-an-archive')), 'corrupt-archive', 'a directory that is neither format');
    t.same(leftovers(), [], 'no partial directory is left');
  });

  t.test('remove: the image and its layers go; an unknown image is an error', async (t) => {
    removeImage('two:v1');
    t.notOk(existsSync(join(imagesDir(), 'two')), 'its directory is gone');
    t.throws(() => getImage('two:v1'), { code: 'unknown-image' });
    t.throws(() => removeImage('nope'), { code: 'unknown-image' });
    t.ok(
      listImages().every((i) => i.name !== 'two:v1'),
      'not listed',
    );
  });

  t.test('nothing was mounted in the host mount namespace', async (t) => {
    t.notOk(readFileSync('/proc/self/mountinfo', 'utf8').includes(work), 'no mount under the test directory');
  });
});
