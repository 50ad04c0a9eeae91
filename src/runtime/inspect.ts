// `lab container inspect`: Docker's shape where it has one (Id, Name, State, Config, GraphDriver, Mounts), plus
// what the labs teach: the namespaces' inodes of PID 1 and the cgroup with the limits read from its files.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NAMESPACE_TYPES } from '../common/vocabulary.js';
import { nsInode } from '../kernel/proc.js';
import type { Found } from './lifecycle.js';

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The inspect object of one container. */
export function inspectContainer(found: Found): Record<string, unknown> {
  const { record, state, running } = found;
  const pid = running ? state.pid : undefined;
  const namespaces: Record<string, number | undefined> = {};
  if (pid !== undefined) for (const type of NAMESPACE_TYPES) namespaces[type] = nsInode(pid, type);
  const limits: Record<string, string | undefined> = {};
  for (const file of ['memory.max', 'memory.swap.max', 'cpu.max', 'pids.max']) {
    const value = readTrimmed(join(record.cgroup, file));
    if (value !== undefined) limits[file] = value;
  }
  return {
    Id: record.id,
    Created: record.created,
    Path: record.command[0],
    Args: record.command.slice(1),
    State: {
      Status: running ? 'running' : state.status === 'created' && state.processPid === undefined ? 'created' : 'exited',
      Running: running,
      Pid: pid ?? 0,
      ExitCode: running ? 0 : (state.exitCode ?? 0),
      OOMKilled: state.oomKilled ?? false,
      Reason: state.reason ?? '',
      Error: state.error ?? '',
      StartedAt: state.startedAt ?? '',
      FinishedAt: state.finishedAt ?? '',
    },
    Image: record.image,
    Name: `/${record.name}`,
    Config: { Hostname: record.hostname, Env: record.env, Cmd: record.command, WorkingDir: record.workdir, Image: record.image, Tty: record.tty },
    HostConfig: {
      AutoRemove: record.autoRemove,
      NetworkMode: record.config.network,
      PortBindings: (record.config.ports ?? []).map((p) => ({ HostIp: p.hostIp, HostPort: String(p.hostPort), ContainerPort: `${p.containerPort}/tcp` })),
      Limits: record.config.limits,
    },
    NetworkSettings: {
      Networks: record.network
        ? {
            [record.network.name]: {
              IPAddress: record.network.address,
              IPPrefixLen: record.network.prefix,
              Gateway: record.network.gateway,
              Bridge: record.network.bridge,
            },
          }
        : {},
      SandboxKey: record.network ? `/run/netns/lab-c${record.id.slice(0, 12)}` : '',
    },
    Namespaces: namespaces,
    Cgroup: { Path: record.cgroup, Limits: limits },
    GraphDriver: {
      Name: 'overlay',
      Data: { LowerDir: [...record.layers].reverse().join(':'), UpperDir: record.dirs.upper, WorkDir: record.dirs.work, MergedDir: record.dirs.merged },
    },
    Mounts: record.config.volumes.map((v) => ({ Type: 'bind', Source: v.host, Destination: v.target, RW: !v.readOnly })),
    Supervisor: { Pid: state.supervisorPid ?? 0 },
  };
}
