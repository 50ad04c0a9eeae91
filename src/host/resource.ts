// The kinds of host resource the harness makes, as they are journaled: each with what is needed to find it again
// and remove it. What each kind does (exists? remove, describe) is in resource-kinds.ts, one entry per kind.

/** Something made on the host for an owner (a lab run, a container), with what is needed to find and remove it. */
export type Resource =
  | {
      /** A long-lived process (a namespace's init, a server), killed at the end. */
      kind: 'process';
      /** The owner's name for it (`init`). */
      name: string;
      argv: string[];
      /** Host PID of the spawned process, once known. */
      pid?: number;
      /** Its start time in clock ticks, so that a recycled PID is never killed. */
      start?: number;
      /** Host PID of the process the name stands for (a forked child), once known. */
      target?: number;
      /** The target's start time, so that a recycled PID is never killed in its place. */
      targetStart?: number;
    }
  | {
      /** A file or directory (removed recursively). Basename starts with `lab-`. */
      kind: 'path';
      path: string;
    }
  | {
      /** A network interface in the host's network namespace (`ip link del`). Name starts with `lab-`. */
      kind: 'link';
      name: string;
    }
  | {
      /** A named network namespace, /run/netns/<name> (`ip netns del`). Name starts with `lab-`. */
      kind: 'netns';
      name: string;
    }
  | {
      /** A cgroup directory (its processes are killed, then it is removed). Basename starts with `lab-`. */
      kind: 'cgroup';
      path: string;
    }
  | {
      /**
       * A systemd transient scope (`systemd-run --scope`) and its cgroup, which systemd made for the run: the
       * cgroup subtree systemd hands over with `Delegate=yes`. Stopped with `systemctl stop` at the end (systemd
       * then removes its cgroup). Unit name and path basename start with `lab-`.
       */
      kind: 'scope';
      unit: string;
      path: string;
    }
  | {
      /**
       * A loop device (a block device backed by a file) the action attaches, e.g. `losetup --find --show FILE`.
       * It is known by its backing file, whose basename starts with `lab-`: cleanup detaches every loop device
       * backed by that file (`losetup -d`), so a device number never has to be guessed.
       */
      kind: 'loop';
      file: string;
    }
  | {
      /**
       * A System V IPC object made in the host's IPC namespace; it is found by comparing /proc/sysvipc/<type>
       * before and after the action (`ipcrm`).
       */
      kind: 'sysv';
      type: 'msg' | 'shm' | 'sem';
      /** Id and key of the object, once found (they name it together: ids are reused). */
      id?: number;
      key?: number;
    }
  | {
      /**
       * A mount made in the harness's own (the host's) mount namespace. It is found by its mount point in
       * /proc/self/mountinfo and removed with `umount -l` (umount2 with MNT_DETACH: a mount still in use by a
       * process is detached at once and freed when the last user leaves, so cleanup never waits on it); mounts
       * stacked on the same point are all removed. The mount point is an absolute path without symlinks (as
       * mountinfo shows it) whose basename starts with `lab-`.
       *
       * An overlay (the image labs' container root) is such a mount: its lower, upper and work directories are
       * `path` resources the lab declares before it, so that cleanup, newest first, unmounts the overlay before it
       * removes the directories under it.
       */
      kind: 'mount';
      target: string;
    }
  | {
      /**
       * A container made with `lab container run --name <name>` (a lab's action): it has a journal of its own
       * (owner `lab-container-<short id>`), held by its PID 1, so that it outlives the command. Removing it kills
       * its supervisor and PID 1, then removes what that journal holds, even while it runs. Name starts with `lab-`.
       */
      kind: 'container';
      name: string;
    }
  | {
      /**
       * A network made with `lab container network create <name>` (a lab's action): a record in the state
       * directory and a bridge inside lab's own namespace lab-host-net. Removed with `lab container network rm`, after
       * the containers on it (they are journaled after it, so removed first). Name starts with `lab-`.
       */
      kind: 'network';
      name: string;
    };

/** Every kind of host resource. */
export type ResourceKind = Resource['kind'];

/** The resource of one kind. */
export type ResourceOf<K extends ResourceKind> = Extract<Resource, { kind: K }>;

/** Fields the harness learns only once a resource exists (a System V object's id and key). */
type FoundLater = 'id' | 'key';

/**
 * What an action may declare it creates: every kind but a process (a `start` action makes its own), without the
 * fields found once it exists.
 */
export type DeclaredResource = { [K in Exclude<ResourceKind, 'process'>]: Omit<ResourceOf<K>, FoundLater> }[Exclude<ResourceKind, 'process'>];
