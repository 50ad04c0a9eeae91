// The container-network lab: Docker's network modes as kernel facts, with `lab container run` as a learner types it.
// none, host, the default bridge and container:<name> side by side as namespace inodes; the bridge lab-br0 in
// lab-host-net (lab's stand-in for the host's network stack), the veth pair, the allocator's address and the default
// route; NAT out to lab-internet (the internet's stand-in) as the two ends of one connection disagree on the client's
// address; `-p` through the userland proxy; a user-defined network whose containers know each other by name, and
// isolation from the default bridge; an address returned on rm. Traffic only inside namespaces lab made, and the
// host's loopback. Host resources: the containers and the network (journaled before they are made); the server in
// lab-internet is a journaled process.
import { DB_PORT, INTERNET_PORT, SHARED_PORT, addressOf, ctxPort, lab, note, runContainer, webAddress } from './actions.js';
import { checksOfModes, checksOfBridge, checkSharedLo, checkSide } from './checks-modes.js';
import { checksOfNat, checksOfPublish } from './checks-nat.js';
import { checksOfUserNetwork, checkIsolated, checkReturned } from './checks-user.js';
import { findInit, nameOf, networkName } from './net.js';
import { DEFAULT_NETWORK, HOST_NETNS, INTERNET_NETNS, NAT_TABLE, ISOLATION_TABLE } from '../../src/kernel/network-plan.js';
import { run, start } from '../../src/lab/build.js';
import { runCreating } from '../../src/lab/build-host.js';
import { noting } from '../../src/lab/build-note.js';
import { word } from '../../src/lab/build-words.js';
import type { LabSpec } from '../../src/lab/spec.js';
import { CONTAINER_RUN_REQUIRES } from '../../src/lab/requirements.js';

export default {
  format: 1,
  id: 'container-network',
  order: 18,
  requires: [...CONTAINER_RUN_REQUIRES, 'nsenter', 'unshare', 'lab-on-path', 'iproute2', 'nftables'],
  shell: { target: 'internet', namespaces: [] },
  steps: [
    {
      id: 'none-host',
      kind: 'demo',
      actions: [
        runContainer('none', ['--network', 'none'], ['sleep', '3600']),
        runContainer('host', ['--network', 'host'], ['sleep', '3600']),
        run(lab('exec', nameOf('none'), 'ls', '/sys/class/net')),
        run(lab('exec', nameOf('host'), 'ls', '/sys/class/net')),
        run(['ls', '/sys/class/net']),
        run([
          'stat',
          '-L',
          '-c',
          '%i %n',
          '/proc/self/ns/net',
          (ctx) => `/proc/${findInit(ctx, 'none') ?? 0}/ns/net`,
          (ctx) => `/proc/${findInit(ctx, 'host') ?? 0}/ns/net`,
        ]),
      ],
      checks: checksOfModes,
    },
    {
      id: 'bridge',
      kind: 'demo',
      actions: [
        runContainer('web', [], ['sleep', '3600']),
        run(['ip', 'netns', 'list']),
        run(['ip', '-n', HOST_NETNS, 'link', 'show', 'master', DEFAULT_NETWORK.bridge]),
        run(lab('exec', nameOf('web'), 'cat', '/sys/class/net/eth0/iflink')),
        run(lab('exec', nameOf('web'), 'ip', 'addr', 'show', 'eth0')),
        run(lab('exec', nameOf('web'), 'ip', 'route')),
        start('internet', ['ip', 'netns', 'exec', INTERNET_NETNS, 'busybox', 'nc', '-ll', '-p', String(INTERNET_PORT), '-e', 'busybox', 'netstat', '-tn'], {
          listens: INTERNET_PORT,
        }),
      ],
      checks: checksOfBridge,
    },
    {
      id: 'container-mode',
      kind: 'demo',
      actions: [
        runContainer('side', ['--network', word`container:${nameOf('web')}`], ['sleep', '3600']),
        run(lab('exec', nameOf('side'), 'ip', 'addr', 'show', 'eth0')),
        run(['stat', '-L', '-c', '%i %n', (ctx) => `/proc/${findInit(ctx, 'web') ?? 0}/ns/net`, (ctx) => `/proc/${findInit(ctx, 'side') ?? 0}/ns/net`]),
      ],
      checks: [checkSide],
    },
    {
      id: 'shared-lo',
      kind: 'task',
      shell: 'host',
      solution: [
        run(lab('exec', nameOf('web'), 'httpd', '-p', String(SHARED_PORT), '-h', '/etc')),
        run(lab('exec', nameOf('side'), 'wget', '-qO-', `http://127.0.0.1:${SHARED_PORT}/hosts`)),
      ],
      checks: [checkSharedLo],
    },
    {
      id: 'nat',
      kind: 'demo',
      actions: [
        run(lab('exec', nameOf('web'), 'nc', '203.0.113.2', String(INTERNET_PORT))),
        run(['ip', 'netns', 'exec', HOST_NETNS, 'nft', 'list', 'table', 'ip', NAT_TABLE]),
        run(['ip', '-n', INTERNET_NETNS, 'route', 'get', webAddress], { expect: 'fail', record: 'way-back' }),
      ],
      checks: checksOfNat,
    },
    {
      id: 'publish',
      kind: 'demo',
      actions: [
        runContainer('pub', ['-p', word`127.0.0.1:${ctxPort}:80`], ['httpd', '-f', '-p', '80', '-h', '/etc']),
        run(['busybox', 'wget', '-qO-', word`http://127.0.0.1:${ctxPort}/hosts`]),
        run(['ss', '-tlnp', 'sport', '=', word`:${ctxPort}`]),
      ],
      checks: checksOfPublish,
    },
    {
      kind: 'quiz',
      id: 'one-host-port',
      answer: { choice: 3 },
    },
    {
      id: 'user-network',
      kind: 'demo',
      actions: [
        runCreating((ctx) => ({ kind: 'network', name: networkName(ctx) }), lab('network', 'create', networkName)),
        runContainer('db', ['--network', networkName], ['nc', '-ll', '-p', String(DB_PORT), '-e', 'hostname']),
        runContainer('app', ['--network', networkName], ['sleep', '3600']),
        run(lab('exec', nameOf('app'), 'cat', '/etc/hosts')),
        run(lab('exec', nameOf('app'), 'nc', nameOf('db'), String(DB_PORT))),
      ],
      checks: checksOfUserNetwork,
    },
    {
      id: 'isolation',
      kind: 'demo',
      actions: [
        run(lab('exec', nameOf('web'), 'nc', '-w', '2', addressOf('db'), String(DB_PORT)), { expect: 'fail', record: 'isolated' }),
        run(['ip', 'netns', 'exec', HOST_NETNS, 'nft', 'list', 'table', 'ip', ISOLATION_TABLE]),
      ],
      checks: [checkIsolated],
    },
    {
      id: 'addresses',
      kind: 'demo',
      actions: [
        noting(note, run(lab('rm', '-f', nameOf('db')))),
        runContainer('db2', ['--network', networkName], ['sleep', '3600']),
        run(lab('exec', nameOf('db2'), 'ip', '-4', 'addr', 'show', 'eth0')),
        run(lab('network', 'inspect', networkName)),
      ],
      checks: [checkReturned],
    },
  ],
} satisfies LabSpec;
