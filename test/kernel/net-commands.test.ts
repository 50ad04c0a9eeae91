import t from 'tap';
import { addAddressArgv, linkUpArgv, listenersArgv, pingArgv, replyServerArgv, tcpClientArgv, vethArgv } from '../../src/kernel/net-commands.js';

t.test('builders: the commands shown to the learner', async (t) => {
  t.same(vethArgv('lab-veth0', 'lab-veth1'), ['ip', 'link', 'add', 'lab-veth0', 'type', 'veth', 'peer', 'name', 'lab-veth1']);
  t.same(vethArgv('lab-c2', 'eth0', 4242), ['ip', 'link', 'add', 'lab-c2', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', '4242']);
  t.same(addAddressArgv('198.51.100.1/30', 'lab-veth0'), ['ip', 'addr', 'add', '198.51.100.1/30', 'dev', 'lab-veth0']);
  t.same(linkUpArgv('lo'), ['ip', 'link', 'set', 'lo', 'up']);
  t.same(linkUpArgv('lab-c2', 'lab-br0'), ['ip', 'link', 'set', 'lab-c2', 'master', 'lab-br0', 'up']);
  t.same(pingArgv('127.0.0.1'), ['busybox', 'ping', '-c', '1', '-W', '3', '127.0.0.1']);
  t.same(pingArgv('198.51.100.2', 'lab-veth0'), ['busybox', 'ping', '-c', '1', '-W', '3', '-I', 'lab-veth0', '198.51.100.2']);
  t.same(tcpClientArgv('127.0.0.1', 28080), ['busybox', 'nc', '-w', '1', '127.0.0.1', '28080']);
  t.same(replyServerArgv(28080, ['hi']), ['busybox', 'nc', '-ll', '-p', '28080', '-e', 'echo', 'hi']);
  t.same(replyServerArgv(28080, ['hi', 'there'], '127.0.0.1'), ['busybox', 'nc', '-ll', '-p', '28080', '127.0.0.1', '-e', 'echo', 'hi', 'there']);
  t.same(listenersArgv(28080), ['ss', '-ltnp', 'sport = :28080']);
});
