// Image formats as data: names, docker save's manifest.json, OCI layouts, image configs, and the whiteout plan.
import t from 'tap';
import { LabError } from '../../src/common/errors.js';
import {
  blobPath,
  defaultCommand,
  extractLayerArgv,
  layerCompression,
  lowerdirOption,
  nameFromReference,
  opaqueArgv,
  parseDockerManifest,
  parseImageConfig,
  parseImageName,
  parseOciIndex,
  parseOciLayout,
  parseOciManifest,
  pickManifest,
  whiteoutArgv,
  whiteoutPlan,
  type LayerEntry,
} from '../../src/kernel/image-format.js';

const A = 'x.tar';
const sha = (c: string): string => `sha256:${c.repeat(64)}`;
const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof LabError ? error.code : 'not-a-lab-error';
  }
};

t.test('names: repo[:tag], lowercase [a-z0-9._-], tag defaults to latest', async (t) => {
  t.same(parseImageName('busybox'), { repo: 'busybox', tag: 'latest' });
  t.same(parseImageName('my-app.v2:1.0_rc'), { repo: 'my-app.v2', tag: '1.0_rc' });
  for (const bad of ['', 'Busybox', 'a/b', '.hidden', '..', 'a:', ':t', 'a:b:c', 'a b', 'a:.x']) {
    t.equal(
      code(() => parseImageName(bad)),
      'bad-image-name',
      `"${bad}" is refused`,
    );
  }
  t.equal(nameFromReference('docker.io/library/busybox:1.36'), 'busybox:1.36');
  t.equal(nameFromReference('Alpine'), 'alpine:latest');
  t.equal(nameFromReference('app@sha256:abc'), 'app:latest');
  t.equal(nameFromReference('bad name'), undefined);
});

t.test('docker save: manifest.json gives config, tags and layers, lowest first', async (t) => {
  const manifest = [{ Config: 'abc.json', RepoTags: ['busybox:latest'], Layers: ['l1/layer.tar', 'l2/layer.tar'] }];
  t.same(parseDockerManifest(manifest, A), [{ config: 'abc.json', repoTags: ['busybox:latest'], layers: ['l1/layer.tar', 'l2/layer.tar'] }]);
  t.same(parseDockerManifest([{ Config: 'c.json', RepoTags: null, Layers: ['l'] }], A)[0]?.repoTags, [], 'an untagged image');
  t.equal(
    code(() => parseDockerManifest({}, A)),
    'corrupt-archive',
    'not an array',
  );
  t.equal(
    code(() => parseDockerManifest([], A)),
    'corrupt-archive',
    'empty',
  );
  t.equal(
    code(() => parseDockerManifest([{ Config: '../etc/passwd', Layers: ['l'] }], A)),
    'corrupt-archive',
    'a path out of the archive',
  );
  t.equal(
    code(() => parseDockerManifest([{ Config: 'c', Layers: ['/abs/layer.tar'] }], A)),
    'corrupt-archive',
    'an absolute layer path',
  );
  t.equal(
    code(() => parseDockerManifest([{ Config: 'c', Layers: [] }], A)),
    'corrupt-archive',
    'no layers',
  );
  try {
    parseDockerManifest([{ Config: 'c', Layers: 'l' }], A);
  } catch (error) {
    t.match((error as LabError).meaning.en, /manifest\.json entry 0 has no valid Layers/, 'the error says what was wrong');
  }
});

t.test('image config: Entrypoint + Cmd is the default command; Env and WorkingDir', async (t) => {
  const config = parseImageConfig(
    { architecture: 'amd64', config: { Entrypoint: ['/init'], Cmd: ['sh', '-c', 'x'], Env: ['PATH=/bin'], WorkingDir: '/app' } },
    A,
  );
  t.same(config, { entrypoint: ['/init'], cmd: ['sh', '-c', 'x'], env: ['PATH=/bin'], workingDir: '/app' });
  t.same(defaultCommand(config), ['/init', 'sh', '-c', 'x']);
  t.same(parseImageConfig({ rootfs: {} }, A), { entrypoint: [], cmd: [], env: [], workingDir: '' }, 'no config: empty');
  t.same(parseImageConfig({ config: { Cmd: null } }, A).cmd, [], 'null Cmd');
  t.equal(
    code(() => parseImageConfig({ config: { Cmd: 'sh' } }, A)),
    'corrupt-archive',
    'Cmd as a string',
  );
  t.equal(
    code(() => parseImageConfig([], A)),
    'corrupt-archive',
  );
});

t.test('OCI layout: oci-layout, index.json, manifest, blobs by digest', async (t) => {
  parseOciLayout({ imageLayoutVersion: '1.0.0' }, A);
  t.equal(
    code(() => parseOciLayout({ imageLayoutVersion: '2.0.0' }, A)),
    'corrupt-archive',
  );
  t.equal(blobPath(sha('a'), A), `blobs/sha256/${'a'.repeat(64)}`);
  t.equal(
    code(() => blobPath('sha256:../../etc', A)),
    'corrupt-archive',
    'a digest cannot name a path',
  );
  const index = parseOciIndex(
    {
      schemaVersion: 2,
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha('b'), size: 1, annotations: { 'org.opencontainers.image.ref.name': 'v1' } },
      ],
    },
    A,
  );
  t.same(index, [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha('b'), ref: 'v1' }]);
  t.equal(
    code(() => parseOciIndex({ manifests: [] }, A)),
    'corrupt-archive',
  );
  const manifest = parseOciManifest(
    {
      schemaVersion: 2,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha('c') },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha('d') },
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha('e') },
      ],
    },
    A,
  );
  t.same(manifest, {
    config: sha('c'),
    layers: [
      { digest: sha('d'), compression: 'gzip' },
      { digest: sha('e'), compression: 'none' },
    ],
  });
  const zstd = { config: { mediaType: 'x', digest: sha('c') }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest: sha('d') }] };
  t.equal(
    code(() => parseOciManifest(zstd, A)),
    'corrupt-archive',
    'a zstd layer is named, not misread',
  );
  t.equal(layerCompression('application/vnd.docker.image.rootfs.diff.tar.gzip'), 'gzip');
  t.equal(layerCompression('application/vnd.docker.image.rootfs.diff.tar'), 'none');
});

t.test('pick a manifest: by ref name, then by platform, else the only one', async (t) => {
  const amd = { mediaType: 'm', digest: sha('1'), platform: { os: 'linux', architecture: 'amd64' } };
  const arm = { mediaType: 'm', digest: sha('2'), platform: { os: 'linux', architecture: 'arm64' } };
  t.equal(pickManifest([amd, arm], 'arm64'), arm);
  t.equal(pickManifest([amd, arm], 'riscv64'), undefined, 'no image for this platform: ambiguous');
  const v1 = { mediaType: 'm', digest: sha('3'), ref: 'v1' };
  const v2 = { mediaType: 'm', digest: sha('4'), ref: 'v2' };
  t.equal(pickManifest([v1, v2], 'amd64'), undefined, 'two images, no ref: ambiguous');
  t.equal(pickManifest([v1, v2], 'amd64', 'v2'), v2);
  t.equal(pickManifest([v1], 'amd64'), v1);
});

t.test('whiteouts: .wh.<name> becomes a 0/0 device, .wh..wh..opq an opaque directory, markers go', async (t) => {
  const entries: LayerEntry[] = [
    { path: 'etc', type: 'dir' },
    { path: 'etc/.wh.motd', type: 'file' },
    { path: 'etc/.wh.hosts', type: 'file' },
    { path: 'etc/hosts', type: 'file' },
    { path: 'var', type: 'dir' },
    { path: 'var/cache', type: 'dir' },
    { path: 'var/cache/.wh..wh..opq', type: 'file' },
    { path: 'var/cache/new', type: 'file' },
    { path: '.wh.opt', type: 'file' },
    { path: '.wh..wh.plnk', type: 'dir' },
    { path: 'usr/bin/.wh.x', type: 'file' },
  ];
  t.same(whiteoutPlan(entries), [
    { op: 'remove', path: '.wh..wh.plnk' },
    { op: 'remove', path: '.wh.opt' },
    { op: 'whiteout', path: 'opt' },
    { op: 'remove', path: 'etc/.wh.hosts' },
    { op: 'remove', path: 'etc/.wh.motd' },
    { op: 'whiteout', path: 'etc/motd' },
    { op: 'remove', path: 'usr/bin/.wh.x' },
    { op: 'whiteout', path: 'usr/bin/x' },
    { op: 'remove', path: 'var/cache/.wh..wh..opq' },
    { op: 'opaque', path: 'var/cache' },
  ]);
  t.same(whiteoutPlan([{ path: 'a', type: 'file' }]), [], 'a layer without markers: nothing to do');
  t.same(whiteoutArgv('/l/etc/motd'), ['mknod', '/l/etc/motd', 'c', '0', '0']);
  t.same(opaqueArgv('/l/var/cache'), ['setfattr', '-n', 'trusted.overlay.opaque', '-v', 'y', '/l/var/cache']);
});

t.test('layers to overlayfs: lowerdir lists the top layer first; extraction keeps owners and xattrs', async (t) => {
  t.equal(lowerdirOption(['/i/layers/0', '/i/layers/1']), '/i/layers/1:/i/layers/0');
  t.throws(() => lowerdirOption(['/a:b']), 'a colon would split the option');
  t.same(extractLayerArgv('/a/l.tar', '/d', 'gzip'), [
    'tar',
    '--xattrs',
    '--xattrs-include=*',
    '--xattrs-exclude=trusted.overlay.*',
    '--numeric-owner',
    '--gzip',
    '-x',
    '-f',
    '/a/l.tar',
    '-C',
    '/d',
  ]);
});
