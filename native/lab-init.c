/*
 * lab-init: the setup of a `lab container run` container, done by one process.
 *
 * What it is. A tiny shell whose only commands are the commands of the container plan
 * (src/kernel/container-plan.ts). `lab-init STEP...` takes each step as one argument, the exact text the
 * toy-container lab shows and the shell fallback runs, and does each command as the system call that command
 * makes, in this process, without a fork (what busybox's NOFORK applets do). `lab-init --check STEP...` parses
 * every step and runs none: exit 0 when all are accepted, else the first refused one is printed and the status is
 * 125.
 *
 * Why it exists. `lab container run --rm busybox /bin/true` took ~63 ms from a running harness where runc takes
 * 24 ms: almost all of it was ~45 fork+execs (setpriv, sh, unshare, env, sh, then one process per mount, mknod,
 * ln, mkdir ... at 1-1.5 ms each). lab-init makes the same container in one process: measured from Node here, the
 * whole setup of `true` takes ~8 ms (3.4 of them Node's spawn itself, most of the rest the kernel's mounts and
 * namespaces) where the shell takes ~47 ms. The shell script stays the fallback when lab-init is not built, and
 * test/native/lab-init.test.ts checks that both leave the same container.
 *
 * The grammar (a small subset of POSIX sh; anything else is refused: `lab-init: unsupported step: <text>`, 125):
 *   step   := simple | 'if' test ('&&' test)* ';' 'then' simple ';' 'fi'
 *   test   := '[' ['!'] ('-e' | '-d' | '-L') WORD ']'     -e, -d follow links (stat); -L: lstat, a symlink
 *   simple := WORD WORD*  |  'echo' '$$' '>' WORD
 * Words are separated by spaces and tabs; `;` ends a word and is a token of its own. 'single quotes' quote
 * literally and a backslash quotes the next character (src/kernel/shell.ts quoteWord writes it's as 'it'\''s').
 * Unquoted, a word may hold only the characters quoteWord leaves bare (A-Z a-z 0-9 _ @ % + = : , . / -), or be one
 * of the operator words `[` `]` `!` `&&` `>` `$$` (`$$` only in the echo form). Double quotes, `$`, globs,
 * redirections and pipes are refused: nothing is expanded, so what runs is what the step says.
 *
 * The builtins (each the system call its command makes; a failure prints `<command>: <operation> <path>: <error>`
 * and exits 125, as the shell fallback's `|| exit 125`):
 *   setpriv --pdeathsig KILL --        prctl(PR_SET_PDEATHSIG, SIGKILL)
 *   echo $$ > FILE                     write "<pid>\n" to FILE; but `echo $$ > DIR/cgroup.procs` (DIR on cgroup2)
 *                                      before `unshare --fork`: the next process is born in DIR (clone3
 *                                      CLONE_INTO_CGROUP, as crun does: no migration, which costs an RCU grace
 *                                      period, ~12 ms, on a cold host); the cgroup namespace is then unshared by
 *                                      that child
 *   nsenter [--ipc=F] [--uts=F] [--net=F] --   setns(F, CLONE_NEWIPC / CLONE_NEWUTS / CLONE_NEWNET)
 *   nsenter --target PID [--mount] [--uts] [--ipc] [--net] [--pid] [--cgroup] [--user] [--time] --root --wd[=DIR] --
 *                                      as util-linux nsenter: open every namespace file, /proc/PID/root and the
 *                                      working directory (DIR, or /proc/PID/cwd) first, setns (the mount namespace
 *                                      after the others), fchdir + chroot("."), fchdir; with --pid a fork, the
 *                                      parent waits and ends as its child did (the exec of `lab container exec`)
 *   unshare [--pid] [--mount] [--uts] [--ipc] [--net] [--cgroup] [--fork [--kill-child]] [--propagation private]
 *                                      unshare(2); with --mount, / made rprivate (util-linux's default); with
 *                                      --fork the parent waits and ends as its child did
 *   env -i K=V...                      clearenv, then each K=V
 *   ip link set lo up                  SIOCSIFFLAGS |= IFF_UP on lo
 *   hostname NAME                      sethostname
 *   mount --make-[r]{private,slave,shared,unbindable} DIR | --bind|--rbind SRC DST | [-t TYPE] [-o OPTS] SRC DST
 *         | -o remount,bind,OPTS DST   mount(2), as util-linux mount(8) calls it for these forms (a bind remount
 *                                      keeps the flags the mount has, read with statvfs, as mount(8) does)
 *   mknod -m MODE PATH c|b MAJOR MINOR mknod, then chmod (the umask does not apply to -m)
 *   ln -s TARGET PATH                  symlink (into PATH when it is a directory, as ln does)
 *   mkdir [-p] PATH...                 mkdir 0777 (the umask applies); -p: parents, an existing directory is fine
 *   touch PATH...                      open O_CREAT 0666, futimens(now)
 *   cd DIR                             chdir (no PWD or OLDPWD is set)
 *   pivot_root NEW PUT_OLD             pivot_root(2)
 *   umount [-l] PATH                   umount2 (MNT_DETACH with -l)
 *   export K=V...                      setenv each
 *   unset NAME...                      unsetenv each
 *   exec CMD ARG...                    the last step only, never in an `if`: execvp; not found 127, cannot run
 *                                      126 (sh's statuses)
 *   exec setpriv [--reuid U --regid G] [--clear-groups | --groups G,...] [--no-new-privs]
 *         [--bounding-set -all[,+CAP...] --inh-caps -all[,+CAP...] --ambient-caps -all] [--seccomp-filter FILE] -- CMD ARG...
 *                                      as util-linux setpriv (>= 2.40 for --seccomp-filter), in runc's order:
 *                                      PR_SET_NO_NEW_PRIVS; without it the filter now (as root, CAP_SYS_ADMIN
 *                                      allows it); PR_CAPBSET_DROP of every other capability, capset of the
 *                                      inheritable set, PR_CAP_AMBIENT_CLEAR_ALL; setgroups, setresgid, setresuid;
 *                                      with no_new_privs the filter last; then exec CMD as above. FILE (raw
 *                                      `struct sock_filter`s, src/kernel/seccomp.ts) is read before the first step
 *                                      runs: after the pivot its host path is gone
 * Reaching the end of the steps without `exec` exits 0.
 *
 * Joining the container's cgroup. The shell joins it with `echo $$ > DIR/cgroup.procs`, a migration: the kernel
 * takes cgroup_threadgroup_rwsem for writing, and unless another migration happened moments before (cgroup2 is
 * not mounted with favordynmods) that waits for a whole RCU grace period: strace -T measured 11.6 ms of the first
 * `lab container run` of a fresh process in that one write. So when an `unshare --fork` step follows, lab-init
 * does not migrate: it opens DIR, unshares the namespaces but the cgroup one, and clone3(CLONE_INTO_CGROUP) makes
 * the child (PID 1) in DIR from its birth (the rwsem taken only for reading). The child then unshares the cgroup
 * namespace first thing, so that its root is DIR, as when the process had joined before unsharing. The parent,
 * which waits outside the PID namespace, stays in the cgroup it was started in: as with runc and crun, whose
 * waiting process is not in the container's cgroup either. When clone3 fails with ENOSYS, EINVAL, E2BIG or EPERM
 * (an old kernel, a seccomp profile) it is done the old way: the migration, unshare(CLONE_NEWCGROUP), fork.
 * LAB_INIT_NO_CLONE3=1 (a test knob, read at start) forces that way.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

/* clone3(2), which glibc 2.36 has no wrapper nor header for: its flag and its arguments (linux/sched.h, VER2). */
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* struct clone_args of linux/sched.h, under a name of its own (a newer glibc declares that one). */
struct clone3_args {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

/* Exit statuses: lab's own setup failed (or a step is refused); the command was not found; it cannot run. */
enum { STATUS_SETUP = 125, STATUS_CANNOT_RUN = 126, STATUS_NOT_FOUND = 127 };

/* The most `[ ... ]` tests one `if` may join with `&&`. */
#define MAX_TESTS 8

enum token_kind { T_WORD, T_SEMI, T_AND, T_GT, T_PID };

/* One token of a step: a word (its text after quote removal) or an operator. */
struct token {
  enum token_kind kind;
  bool quoted; /* some of the word was quoted: it is never a keyword */
  const char *text;
};

/* A builtin: checks its arguments (run false) or does its work (run true); false means "not a form I know". */
typedef bool builtin_fn(int argc, char **argv, bool run);

struct builtin {
  const char *name;
  builtin_fn *fn;
};

/* `[ ! -e PATH ]` */
struct test {
  bool negate;
  char op; /* 'e', 'd' or 'L' */
  const char *path;
};

/* One parsed step: its tests (none for a plain command) and its command. */
struct step {
  const char *text;
  int ntests;
  struct test tests[MAX_TESTS];
  int argc;
  char **argv;
  const struct builtin *builtin;
  bool at_birth; /* `echo $$ > DIR/cgroup.procs` before `unshare --fork`: DIR is held for the child (hold_cgroup) */
};

/* ---------------------------------------------------------------------------------------------------------- */
/* Errors                                                                                                     */

/* Print `<command>: <operation> <path>: <strerror(errno)>` and exit 125. */
static _Noreturn void fail(const char *command, const char *operation, const char *path) {
  const char *reason = strerror(errno);
  fprintf(stderr, "%s: %s %s: %s\n", command, operation, path, reason);
  exit(STATUS_SETUP);
}

/* Allocate or exit 125 (the steps are short: this never happens in practice). */
static void *must_alloc(size_t size) {
  void *p = calloc(1, size);
  if (p == NULL) fail("lab-init", "allocate", "memory");
  return p;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Words                                                                                                      */

/* A character quoteWord leaves unquoted (src/kernel/shell.ts SAFE). */
static bool is_safe(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c != '\0' && strchr("_@%+=:,./-", c) != NULL);
}

/* A character allowed unquoted only as part of an operator word: [ ] ! && > $$. */
static bool is_operator_char(char c) { return c != '\0' && strchr("[]!&>$", c) != NULL; }

/* The kind of a bare word made of operator characters, or -1 when it is none of the operator words. */
static int operator_kind(const char *word) {
  if (strcmp(word, "&&") == 0) return T_AND;
  if (strcmp(word, ">") == 0) return T_GT;
  if (strcmp(word, "$$") == 0) return T_PID;
  if (strcmp(word, "[") == 0 || strcmp(word, "]") == 0 || strcmp(word, "!") == 0) return T_WORD;
  return -1;
}

/* Read one word from `text` at *pos into `out` (quotes removed); false on an unsupported character or quote. */
static bool read_word(const char *text, size_t *pos, char **out, struct token *tok) {
  size_t i = *pos;
  char *start = *out, *o = *out;
  bool quoted = false, operators = false;
  while (text[i] != '\0' && text[i] != ' ' && text[i] != '\t' && text[i] != ';') {
    char c = text[i];
    if (c == '\'') {
      quoted = true;
      for (i++; text[i] != '\''; i++) {
        if (text[i] == '\0') return false; /* unterminated quote */
        *o++ = text[i];
      }
      i++;
    } else if (c == '\\') {
      quoted = true;
      if (text[i + 1] == '\0' || text[i + 1] == '\n') return false;
      *o++ = text[i + 1];
      i += 2;
    } else if (is_safe(c) || is_operator_char(c)) {
      operators = operators || is_operator_char(c);
      *o++ = c;
      i++;
    } else {
      return false; /* double quotes, $, globs, redirections, pipes, newlines... */
    }
  }
  *o++ = '\0';
  tok->kind = T_WORD;
  tok->quoted = quoted;
  tok->text = start;
  if (operators) {
    int kind = quoted ? -1 : operator_kind(start);
    if (kind < 0) return false;
    tok->kind = (enum token_kind)kind;
  }
  *pos = i;
  *out = o;
  return true;
}

/* Split a step into tokens; the count, or -1 when the text is not in the grammar's words. */
static int tokenize(const char *text, struct token *toks, char *buf) {
  int n = 0;
  size_t i = 0;
  while (text[i] != '\0') {
    if (text[i] == ' ' || text[i] == '\t') {
      i++;
    } else if (text[i] == ';') {
      toks[n++] = (struct token){T_SEMI, false, ";"};
      i++;
    } else if (!read_word(text, &i, &buf, &toks[n++])) {
      return -1;
    }
  }
  return n;
}

/* An unquoted word equal to `keyword`. */
static bool is_keyword(const struct token *tok, const char *keyword) {
  return tok->kind == T_WORD && !tok->quoted && strcmp(tok->text, keyword) == 0;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Builtins: the process                                                                                      */

/* setpriv --pdeathsig KILL -- : the kernel kills this process when its parent dies. */
static bool b_setpriv(int argc, char **argv, bool run) {
  if (argc != 4 || strcmp(argv[1], "--pdeathsig") != 0 || strcmp(argv[2], "KILL") != 0 || strcmp(argv[3], "--") != 0) return false;
  if (run && prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail("setpriv", "prctl PR_SET_PDEATHSIG", "KILL");
  return true;
}

/* Write this process's PID into `file`, as `echo $$ > FILE` does. */
static void write_pid(const char *file) {
  char line[32];
  int len = snprintf(line, sizeof line, "%d\n", (int)getpid());
  int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) fail("echo", "open", file);
  if (write(fd, line, (size_t)len) != len) fail("echo", "write", file);
  if (close(fd) != 0) fail("echo", "write", file);
}

/* echo $$ > FILE (the parser gives argv {"echo", FILE}): this process's PID into FILE, e.g. cgroup.procs. */
static bool b_echo_pid(int argc, char **argv, bool run) {
  if (argc != 2) return false;
  if (run) write_pid(argv[1]);
  return true;
}

/* The cgroup the next process is born in (`echo $$ > DIR/cgroup.procs` before `unshare --fork`): fd -1 when none. */
static struct {
  int fd;
  const char *procs; /* DIR/cgroup.procs, for the fallback's migration */
  char dir[4096];
  bool no_clone3; /* LAB_INIT_NO_CLONE3=1: always the fallback (a test knob) */
} birth = {.fd = -1};

/* `echo $$ > DIR/cgroup.procs` followed by `unshare --fork`: hold DIR for the child's birth, or, when DIR is not a
   cgroup2 directory (clone3 cannot be born into it: a cgroup v1 hierarchy, a plain file), write at once. */
static void hold_cgroup(const char *procs) {
  const char *slash = strrchr(procs, '/');
  size_t len = slash == NULL ? 0 : slash == procs ? 1 : (size_t)(slash - procs);
  if (len >= sizeof birth.dir) {
    errno = ENAMETOOLONG;
    fail("echo", "open", procs);
  }
  char dir[sizeof birth.dir];
  memcpy(dir, len == 0 ? "." : procs, len == 0 ? 1 : len);
  dir[len == 0 ? 1 : len] = '\0';
  int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail("echo", "open", dir);
  struct statfs fs;
  if (fstatfs(fd, &fs) != 0 || fs.f_type != CGROUP2_SUPER_MAGIC) {
    close(fd);
    write_pid(procs);
    return;
  }
  if (birth.fd >= 0) close(birth.fd);
  birth.fd = fd;
  birth.procs = procs;
  memcpy(birth.dir, dir, sizeof dir);
}

/* The namespace options of unshare(1) this program takes. */
static const struct {
  const char *option;
  int flag;
} UNSHARE_OPTIONS[] = {
    {"--pid", CLONE_NEWPID}, {"--mount", CLONE_NEWNS}, {"--uts", CLONE_NEWUTS},
    {"--ipc", CLONE_NEWIPC}, {"--net", CLONE_NEWNET},  {"--cgroup", CLONE_NEWCGROUP},
};

/* Wait for the child and end as it did: its exit status, or killed by the same signal. */
static _Noreturn void end_as_child(pid_t child) {
  int status;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) fail("unshare", "waitpid", "child");
  }
  if (WIFEXITED(status)) exit(WEXITSTATUS(status));
  int sig = WTERMSIG(status);
  if (sig == SIGKILL) kill(getpid(), SIGKILL);
  /* util-linux < 2.40 kills itself with the signal still blocked, and so exits normally: unblock it first. */
  signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  raise(sig);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  exit(128 + sig);
}

/* The namespaces `nsenter --target` joins, in util-linux nsenter's order (its namespace_files): the user namespace
   first in that table but entered last (its first pass starts after it; as root every setns succeeds there), the
   mount namespace after all the others but time, so that the other files are opened through the host's /proc. */
static const struct {
  const char *option;
  const char *file; /* under /proc/PID/ns/ */
  int flag;
} NSENTER_OPTIONS[] = {
    {"--user", "user", CLONE_NEWUSER}, {"--cgroup", "cgroup", CLONE_NEWCGROUP}, {"--ipc", "ipc", CLONE_NEWIPC},
    {"--uts", "uts", CLONE_NEWUTS},    {"--net", "net", CLONE_NEWNET},          {"--pid", "pid", CLONE_NEWPID},
    {"--mount", "mnt", CLONE_NEWNS},   {"--time", "time", 0x80 /* CLONE_NEWTIME */},
};
#define NSENTER_COUNT (sizeof NSENTER_OPTIONS / sizeof NSENTER_OPTIONS[0])

/* A PID as nsenter's --target takes it: decimal digits, greater than 0. */
static bool is_pid(const char *text) {
  if (*text == '\0' || *text == '0' || strlen(text) > 9) return false;
  for (const char *c = text; *c != '\0'; c++) {
    if (*c < '0' || *c > '9') return false;
  }
  return true;
}

/* Open `path` (O_RDONLY) for nsenter, or fail. */
static int open_target(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("nsenter", "open", path);
  return fd;
}

/* nsenter --target PID [namespaces] --root --wd[=DIR] -- : as util-linux nsenter, every file opened first (each
   namespace, /proc/PID/root, the working directory: DIR, a host path, or /proc/PID/cwd), then setns in the order
   above (two passes, the user namespace last), then fchdir(root) + chroot("."), fchdir(wd); with the PID namespace
   a fork (it takes effect for children only): the parent waits and ends as the child did, the child goes on to the
   next steps. With --user, root in it (setgroups, setgid, setuid 0), as nsenter without --preserve-credentials. */
static bool nsenter_target(int argc, char **argv, bool run) {
  if (argc < 6 || strcmp(argv[1], "--target") != 0 || !is_pid(argv[2]) || strcmp(argv[argc - 1], "--") != 0) return false;
  if (strcmp(argv[argc - 3], "--root") != 0 || strncmp(argv[argc - 2], "--wd", 4) != 0) return false;
  const char *wd = argv[argc - 2] + 4;
  if (*wd == '=') wd++;
  else if (*wd != '\0') return false;
  if (argv[argc - 2][4] == '=' && *wd == '\0') return false;
  bool wanted[NSENTER_COUNT] = {false};
  for (int i = 3; i < argc - 3; i++) {
    bool known = false;
    for (size_t k = 0; k < NSENTER_COUNT && !known; k++) {
      known = strcmp(argv[i], NSENTER_OPTIONS[k].option) == 0 && !wanted[k];
      if (known) wanted[k] = true;
    }
    if (!known) return false;
  }
  if (!run) return true;
  const char *pid = argv[2];
  char path[64];
  int fds[NSENTER_COUNT];
  for (size_t k = 0; k < NSENTER_COUNT; k++) {
    fds[k] = -1;
    if (!wanted[k]) continue;
    snprintf(path, sizeof path, "/proc/%s/ns/%s", pid, NSENTER_OPTIONS[k].file);
    fds[k] = open_target(path);
  }
  snprintf(path, sizeof path, "/proc/%s/root", pid);
  int root_fd = open_target(path);
  snprintf(path, sizeof path, "/proc/%s/cwd", pid);
  int wd_fd = open_target(*wd != '\0' ? wd : path);
  for (int pass = 0; pass < 2; pass++) {
    for (size_t k = pass == 0 ? 1 : 0; k < NSENTER_COUNT; k++) {
      if (fds[k] < 0) continue;
      if (setns(fds[k], NSENTER_OPTIONS[k].flag) != 0) {
        if (pass == 0) continue;
        snprintf(path, sizeof path, "/proc/%s/ns/%s", pid, NSENTER_OPTIONS[k].file);
        fail("nsenter", "setns", path);
      }
      close(fds[k]);
      fds[k] = -1;
    }
  }
  snprintf(path, sizeof path, "/proc/%s/root", pid);
  if (fchdir(root_fd) != 0) fail("nsenter", "fchdir", path);
  if (chroot(".") != 0) fail("nsenter", "chroot", path);
  close(root_fd);
  if (fchdir(wd_fd) != 0) fail("nsenter", "fchdir", *wd != '\0' ? wd : "cwd");
  close(wd_fd);
  if (wanted[0]) {
    if (setgroups(0, NULL) != 0 && errno != EPERM) fail("nsenter", "setgroups", "0");
    if (setgid(0) != 0) fail("nsenter", "setgid", "0");
    if (setuid(0) != 0) fail("nsenter", "setuid", "0");
  }
  if (wanted[5]) {
    pid_t child = fork();
    if (child < 0) fail("nsenter", "fork", "child");
    if (child > 0) end_as_child(child);
  }
  return true;
}

/* nsenter --net=FILE -- : join the network namespace FILE names; nsenter --target PID ... -- (nsenter_target). */
static bool b_nsenter(int argc, char **argv, bool run) {
  if (argc > 1 && strcmp(argv[1], "--target") == 0) return nsenter_target(argc, argv, run);
  /* nsenter --ipc=FILE --uts=FILE --net=FILE -- (any of them, each once): every file opened first, then joined in
     util-linux nsenter's order (ipc, uts, net), as its namespace_files table lists them. */
  static const struct { const char *flag; int type; } kinds[] = {
      {"--ipc=", CLONE_NEWIPC}, {"--uts=", CLONE_NEWUTS}, {"--net=", CLONE_NEWNET}};
  enum { KINDS = sizeof kinds / sizeof kinds[0] };
  const char *files[KINDS] = {0};
  if (argc < 3 || strcmp(argv[argc - 1], "--") != 0) return false;
  for (int i = 1; i < argc - 1; i++) {
    int k = 0;
    while (k < KINDS && strncmp(argv[i], kinds[k].flag, strlen(kinds[k].flag)) != 0) k++;
    if (k == KINDS || files[k] != NULL || argv[i][strlen(kinds[k].flag)] == '\0') return false;
    files[k] = argv[i] + strlen(kinds[k].flag);
  }
  if (!run) return true;
  int fds[KINDS];
  for (int k = 0; k < KINDS; k++) {
    fds[k] = -1;
    if (files[k] == NULL) continue;
    fds[k] = open(files[k], O_RDONLY | O_CLOEXEC);
    if (fds[k] < 0) fail("nsenter", "open", files[k]);
  }
  for (int k = 0; k < KINDS; k++) {
    if (fds[k] < 0) continue;
    if (setns(fds[k], kinds[k].type) != 0) fail("nsenter", "setns", files[k]);
    close(fds[k]);
  }
  return true;
}

/* Unshare the cgroup namespace (its root: the cgroup this process is in now). */
static void unshare_cgroupns(void) {
  if (unshare(CLONE_NEWCGROUP) != 0) fail("unshare", "unshare", "cgroup namespace");
}

/* A child born in the held cgroup (clone3 CLONE_INTO_CGROUP), or the old way when the kernel or a seccomp profile
   refuses clone3: the migration, then fork. Either way the child is in its own cgroup namespace when `cgroupns`. */
static pid_t fork_into_cgroup(bool cgroupns) {
  if (!birth.no_clone3) {
    struct clone3_args args = {.flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)birth.fd};
    /* The raw syscall, as crun makes it: the child returns here like fork's. It is single-threaded and asks the
       kernel for its ids (glibc >= 2.25 caches no PID; raise() reads the TID since 2.34). */
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0 && cgroupns) unshare_cgroupns(); /* first: the namespace's root is then the container's cgroup */
    if (pid >= 0) return (pid_t)pid;
    if (errno != ENOSYS && errno != EINVAL && errno != E2BIG && errno != EPERM) fail("unshare", "clone3 into", birth.dir);
  }
  write_pid(birth.procs);
  if (cgroupns) unshare_cgroupns();
  return fork();
}

/* unshare's --fork: the parent waits (SIGINT and SIGTERM blocked, as util-linux does); the child goes on, in the
   held cgroup if there is one (then `cgroupns`: the child unshares the cgroup namespace). */
static void fork_and_wait(bool kill_child, bool cgroupns) {
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  if (sigprocmask(SIG_BLOCK, &block, &old) != 0) fail("unshare", "sigprocmask", "SIGINT SIGTERM");
  pid_t pid = birth.fd >= 0 ? fork_into_cgroup(cgroupns) : fork();
  if (pid < 0) fail("unshare", "fork", "child");
  if (birth.fd >= 0) {
    close(birth.fd);
    birth.fd = -1;
  }
  if (pid > 0) end_as_child(pid);
  sigprocmask(SIG_SETMASK, &old, NULL);
  if (kill_child && prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail("unshare", "prctl PR_SET_PDEATHSIG", "KILL");
}

/* unshare [namespaces] [--fork [--kill-child]] [--propagation private]: new namespaces for this process. */
static bool b_unshare(int argc, char **argv, bool run) {
  int flags = 0;
  bool fork_child = false, kill_child = false;
  for (int i = 1; i < argc; i++) {
    bool known = false;
    for (size_t k = 0; k < sizeof UNSHARE_OPTIONS / sizeof UNSHARE_OPTIONS[0]; k++) {
      if (strcmp(argv[i], UNSHARE_OPTIONS[k].option) == 0) {
        flags |= UNSHARE_OPTIONS[k].flag;
        known = true;
      }
    }
    if (known) continue;
    if (strcmp(argv[i], "--fork") == 0) {
      fork_child = true;
    } else if (strcmp(argv[i], "--kill-child") == 0) {
      kill_child = true;
    } else if (strcmp(argv[i], "--propagation") == 0 && i + 1 < argc && strcmp(argv[i + 1], "private") == 0) {
      i++; /* the default of util-linux unshare; the plan says it so that the step shows it */
    } else {
      return false;
    }
  }
  if (kill_child && !fork_child) return false;
  if (!run) return true;
  /* A child born in a held cgroup unshares the cgroup namespace itself, once it is there. */
  bool born = fork_child && birth.fd >= 0;
  if (unshare(born ? flags & ~CLONE_NEWCGROUP : flags) != 0) fail("unshare", "unshare", "namespaces");
  if (fork_child) fork_and_wait(kill_child, born && (flags & CLONE_NEWCGROUP));
  /* As util-linux unshare (its default --propagation private): nothing mounted in a new mount namespace reaches
     the host. */
  if ((flags & CLONE_NEWNS) && mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) fail("unshare", "make-rprivate", "/");
  return true;
}

/* A `K=V` word with a non-empty name. */
static bool is_assignment(const char *word) {
  const char *eq = strchr(word, '=');
  return eq != NULL && eq != word;
}

/* Set every `K=V` of argv[from..]. */
static void set_assignments(const char *command, int from, int argc, char **argv) {
  for (int i = from; i < argc; i++) {
    char *eq = strchr(argv[i], '=');
    *eq = '\0';
    int rc = setenv(argv[i], eq + 1, 1);
    *eq = '=';
    if (rc != 0) fail(command, "setenv", argv[i]);
  }
}

/* env -i K=V... : an empty environment, then these. */
static bool b_env(int argc, char **argv, bool run) {
  if (argc < 2 || strcmp(argv[1], "-i") != 0) return false;
  for (int i = 2; i < argc; i++) {
    if (!is_assignment(argv[i])) return false;
  }
  if (!run) return true;
  clearenv();
  set_assignments("env", 2, argc, argv);
  return true;
}

/* export K=V... */
static bool b_export(int argc, char **argv, bool run) {
  if (argc < 2) return false;
  for (int i = 1; i < argc; i++) {
    if (!is_assignment(argv[i])) return false;
  }
  if (run) set_assignments("export", 1, argc, argv);
  return true;
}

/* unset NAME... */
static bool b_unset(int argc, char **argv, bool run) {
  if (argc < 2) return false;
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] == '\0' || strchr(argv[i], '=') != NULL) return false;
    if (run && unsetenv(argv[i]) != 0) fail("unset", "unsetenv", argv[i]);
  }
  return true;
}

/* ip link set lo up : the loopback interface of this network namespace up. */
static bool b_ip(int argc, char **argv, bool run) {
  if (argc != 5 || strcmp(argv[1], "link") != 0 || strcmp(argv[2], "set") != 0 || strcmp(argv[3], "lo") != 0 || strcmp(argv[4], "up") != 0) return false;
  if (!run) return true;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail("ip", "socket", "lo");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) fail("ip", "SIOCGIFFLAGS", "lo");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0) fail("ip", "SIOCSIFFLAGS", "lo");
  close(fd);
  return true;
}

/* hostname NAME */
static bool b_hostname(int argc, char **argv, bool run) {
  if (argc != 2 || argv[1][0] == '\0' || argv[1][0] == '-') return false;
  if (run && sethostname(argv[1], strlen(argv[1])) != 0) fail("hostname", "sethostname", argv[1]);
  return true;
}

/* The capability names setpriv(1) takes, by number (linux/capability.h; util-linux's cap names, lower case). */
static const char *const CAP_NAMES[] = {
    "chown",           "dac_override",   "dac_read_search", "fowner",        "fsetid",      "kill",         "setgid",
    "setuid",          "setpcap",        "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw",
    "ipc_lock",        "ipc_owner",      "sys_module",      "sys_rawio",     "sys_chroot",  "sys_ptrace",   "sys_pacct",
    "sys_admin",       "sys_boot",       "sys_nice",        "sys_resource",  "sys_time",    "sys_tty_config", "mknod",
    "lease",           "audit_write",    "audit_control",   "setfcap",       "mac_override", "mac_admin",   "syslog",
    "wake_alarm",      "block_suspend",  "audit_read",      "perfmon",       "bpf",         "checkpoint_restore",
};

/* A setpriv(1) capability list in the form the plan writes, `-all` then `+NAME`s: the mask it leaves; false otherwise. */
static bool parse_caps(const char *spec, uint64_t *mask) {
  if (strncmp(spec, "-all", 4) != 0 || (spec[4] != '\0' && spec[4] != ',')) return false;
  *mask = 0;
  for (const char *item = spec + 4; *item == ','; item += strcspn(item + 1, ",") + 1) {
    size_t n = strcspn(item + 1, ",");
    bool known = false;
    if (item[1] != '+') return false;
    for (size_t bit = 0; bit < sizeof CAP_NAMES / sizeof CAP_NAMES[0] && !known; bit++) {
      known = strlen(CAP_NAMES[bit]) == n - 1 && strncasecmp(item + 2, CAP_NAMES[bit], n - 1) == 0;
      if (known) *mask |= UINT64_C(1) << bit;
    }
    if (!known) return false;
  }
  return true;
}

/* Drop from the bounding set every capability the kernel has that `keep` does not hold (PR_CAPBSET_DROP). */
static void drop_bounding(uint64_t keep) {
  for (int cap = 0; cap < 64 && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++) {
    if (!(keep & (UINT64_C(1) << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) fail("setpriv", "prctl PR_CAPBSET_DROP", cap < (int)(sizeof CAP_NAMES / sizeof CAP_NAMES[0]) ? CAP_NAMES[cap] : "?");
  }
}

/* Set the inheritable set to `inh`, the effective and permitted sets as they are (capget, then capset). */
static void set_inheritable(uint64_t inh) {
  struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  if (syscall(SYS_capget, &header, data) != 0) fail("setpriv", "capget", "self");
  data[0].inheritable = (uint32_t)inh;
  data[1].inheritable = (uint32_t)(inh >> 32);
  if (syscall(SYS_capset, &header, data) != 0) fail("setpriv", "capset", "inheritable");
}

/* Run CMD (found on the PATH now exported) in place of this process; not found 127, cannot run 126. */
static _Noreturn void exec_command(char **argv) {
  execvp(argv[0], argv);
  if (errno == ENOENT || errno == ENOTDIR) {
    fprintf(stderr, "lab-init: exec: %s: not found\n", argv[0]);
    exit(STATUS_NOT_FOUND);
  }
  fprintf(stderr, "lab-init: exec: %s: %s\n", argv[0], strerror(errno));
  exit(STATUS_CANNOT_RUN);
}

/* The most supplementary groups `setpriv --groups` takes here (the kernel's NGROUPS_MAX is 65536). */
#define MAX_GROUPS 64

/* The largest seccomp filter the kernel takes (BPF_MAXINSNS instructions of 8 bytes). */
#define MAX_FILTER_BYTES (4096 * 8)

/* The options of `exec setpriv ... --`, as parsed (exec_setpriv); the filter read from its file before any step
   runs (load_seccomp_file), since after the pivot its path is not reachable. */
static struct {
  bool user, nnp, caps, clear_groups, have_groups;
  uid_t uid;
  gid_t gid;
  size_t ngroups;
  gid_t groups[MAX_GROUPS];
  uint64_t bounding, inheritable;
  const char *filter_path;
  int command; /* the index of CMD in argv */
} sp;

/* The filter, read before the steps run (load_seccomp_file); parse_setpriv, which runs again then, leaves it. */
static struct {
  struct sock_filter *code;
  unsigned short len;
} filter;

static bool parse_number(const char *word, int base, unsigned long max, unsigned long *value);

/* A decimal id in [0, 4294967294] ((uid_t)-1 means "unchanged" to the kernel). */
static bool parse_id(const char *word, unsigned long *id) { return parse_number(word, 10, 4294967294UL, id); }

/* `a,b,c`: the GIDs of --groups. */
static bool parse_groups(const char *list) {
  sp.ngroups = 0;
  for (const char *item = list;; item += strcspn(item, ",") + 1) {
    char word[16];
    size_t n = strcspn(item, ",");
    unsigned long gid;
    if (n == 0 || n >= sizeof word || sp.ngroups == MAX_GROUPS) return false;
    memcpy(word, item, n);
    word[n] = '\0';
    if (!parse_id(word, &gid)) return false;
    sp.groups[sp.ngroups++] = (gid_t)gid;
    if (item[n] == '\0') return true;
  }
}

/* Parse `setpriv [--reuid U --regid G] [--clear-groups | --groups LIST] [--no-new-privs] [--bounding-set SPEC
   --inh-caps SPEC --ambient-caps -all] [--seccomp-filter FILE] -- CMD ARG...` (argv[1] is "setpriv"), in the
   order the plan writes them; false for anything else. */
static bool parse_setpriv(int argc, char **argv) {
  memset(&sp, 0, sizeof sp);
  int i = 2;
  unsigned long uid, gid;
  if (i + 3 < argc && strcmp(argv[i], "--reuid") == 0 && parse_id(argv[i + 1], &uid) && strcmp(argv[i + 2], "--regid") == 0 && parse_id(argv[i + 3], &gid)) {
    sp.user = true;
    sp.uid = (uid_t)uid;
    sp.gid = (gid_t)gid;
    i += 4;
  }
  if (i < argc && strcmp(argv[i], "--clear-groups") == 0) {
    sp.clear_groups = true;
    i++;
  } else if (i + 1 < argc && strcmp(argv[i], "--groups") == 0) {
    if (!parse_groups(argv[i + 1])) return false;
    sp.have_groups = true;
    i += 2;
  }
  /* A user change needs its groups said (util-linux setpriv refuses --reuid without one of them too). */
  if (sp.user && !sp.clear_groups && !sp.have_groups) return false;
  if (i < argc && strcmp(argv[i], "--no-new-privs") == 0) {
    sp.nnp = true;
    i++;
  }
  if (i + 5 < argc && strcmp(argv[i], "--bounding-set") == 0) {
    if (!parse_caps(argv[i + 1], &sp.bounding) || strcmp(argv[i + 2], "--inh-caps") != 0 || !parse_caps(argv[i + 3], &sp.inheritable) ||
        strcmp(argv[i + 4], "--ambient-caps") != 0 || strcmp(argv[i + 5], "-all") != 0)
      return false;
    sp.caps = true;
    i += 6;
  }
  if (i + 1 < argc && strcmp(argv[i], "--seccomp-filter") == 0 && argv[i + 1][0] == '/') {
    sp.filter_path = argv[i + 1];
    i += 2;
  }
  if (i == 2 || i + 1 >= argc || strcmp(argv[i], "--") != 0) return false;
  sp.command = i + 1;
  return true;
}

/* Read the filter file `setpriv --seccomp-filter` names: raw `struct sock_filter`s, as util-linux setpriv and
   libseccomp's seccomp_export_bpf write them. Done before the first step, while the host's path is reachable. */
static void load_seccomp_file(void) {
  if (sp.filter_path == NULL) return;
  int fd = open(sp.filter_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("setpriv", "open", sp.filter_path);
  struct stat st;
  if (fstat(fd, &st) != 0) fail("setpriv", "stat", sp.filter_path);
  if (st.st_size <= 0 || st.st_size > MAX_FILTER_BYTES || st.st_size % (off_t)sizeof(struct sock_filter) != 0) {
    errno = EINVAL;
    fail("setpriv", "read seccomp filter", sp.filter_path);
  }
  filter.code = must_alloc((size_t)st.st_size);
  if (read(fd, filter.code, (size_t)st.st_size) != st.st_size) fail("setpriv", "read", sp.filter_path);
  close(fd);
  filter.len = (unsigned short)(st.st_size / (off_t)sizeof(struct sock_filter));
}

/* Load the filter read by load_seccomp_file (seccomp(2) SECCOMP_SET_MODE_FILTER). */
static void apply_seccomp(void) {
  struct sock_fprog prog = {.len = filter.len, .filter = filter.code};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) fail("setpriv", "seccomp", sp.filter_path);
}

/* setgroups, setresgid, setresuid: runc's setupUser order (the groups while still root). From root to another UID
   the kernel clears the permitted and effective sets (no PR_SET_KEEPCAPS): the command starts with none, as in
   Docker, whose non-root user gets only the bounding set. */
static void change_user(void) {
  if (sp.have_groups && setgroups(sp.ngroups, sp.groups) != 0) fail("setpriv", "setgroups", "--groups");
  if (sp.clear_groups && setgroups(0, NULL) != 0) fail("setpriv", "setgroups", "--clear-groups");
  if (!sp.user) return;
  char id[16];
  snprintf(id, sizeof id, "%u", (unsigned)sp.gid);
  if (setresgid(sp.gid, sp.gid, sp.gid) != 0) fail("setpriv", "setresgid", id);
  snprintf(id, sizeof id, "%u", (unsigned)sp.uid);
  if (setresuid(sp.uid, sp.uid, sp.uid) != 0) fail("setpriv", "setresuid", id);
}

/* exec setpriv ... -- CMD ARG... (parse_setpriv), in runc's order (libcontainer standard_init_linux.go):
   no_new_privs first; the seccomp filter BEFORE the capabilities are dropped when no_new_privs is not set (loading a
   filter without it needs CAP_SYS_ADMIN, which this process still has), else as late as possible, just before the
   exec (then fewer of this program's own calls run under it); in between the bounding set, the inheritable and
   ambient sets, then the groups and the user. Then CMD. */
static bool exec_setpriv(int argc, char **argv, bool run) {
  if (!parse_setpriv(argc, argv)) return false;
  if (!run) return true;
  if (sp.nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail("setpriv", "prctl PR_SET_NO_NEW_PRIVS", "1");
  /* A filter file named but not read (cannot happen: main reads it) would mean no filter: refuse instead. */
  if (sp.filter_path != NULL && filter.code == NULL) {
    errno = ENODATA;
    fail("setpriv", "seccomp", sp.filter_path);
  }
  if (filter.code != NULL && !sp.nnp) apply_seccomp();
  if (sp.caps) {
    drop_bounding(sp.bounding);
    set_inheritable(sp.inheritable);
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) fail("setpriv", "prctl PR_CAP_AMBIENT_CLEAR_ALL", "ambient");
  }
  change_user();
  if (filter.code != NULL && sp.nnp) apply_seccomp();
  exec_command(argv + sp.command);
}

/* The options the plan's setpriv step starts with: `exec setpriv` followed by one of them is exec_setpriv's, and is
   refused when it does not parse (never run as the image's setpriv: its capabilities would not be dropped). */
static bool is_setpriv_option(const char *word) {
  static const char *const FIRST[] = {"--reuid", "--clear-groups", "--groups", "--no-new-privs", "--bounding-set", "--seccomp-filter"};
  for (size_t i = 0; i < sizeof FIRST / sizeof FIRST[0]; i++) {
    if (strcmp(word, FIRST[i]) == 0) return true;
  }
  return false;
}

/* exec CMD ARG... (the last step), or exec setpriv ... -- CMD ARG... (exec_setpriv). */
static bool b_exec(int argc, char **argv, bool run) {
  if (argc < 2) return false;
  if (strcmp(argv[1], "setpriv") == 0 && argc >= 3 && is_setpriv_option(argv[2])) return exec_setpriv(argc, argv, run);
  if (run) exec_command(argv + 1);
  return true;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Builtins: mount                                                                                            */

/* A mount(8) option that is a mount(2) flag: `invert` clears the flag (rw, suid...); `propagation`: --make-*. */
struct mount_option {
  const char *name;
  unsigned long flags;
  bool invert;
  bool propagation;
};

/* The flag options util-linux's libmount maps to mount(2) flags (libmount/src/optmap.c); the rest is data. */
static const struct mount_option MOUNT_OPTIONS[] = {
    {"defaults", 0, false, false},
    {"ro", MS_RDONLY, false, false},
    {"rw", MS_RDONLY, true, false},
    {"nosuid", MS_NOSUID, false, false},
    {"suid", MS_NOSUID, true, false},
    {"nodev", MS_NODEV, false, false},
    {"dev", MS_NODEV, true, false},
    {"noexec", MS_NOEXEC, false, false},
    {"exec", MS_NOEXEC, true, false},
    {"sync", MS_SYNCHRONOUS, false, false},
    {"async", MS_SYNCHRONOUS, true, false},
    {"remount", MS_REMOUNT, false, false},
    {"bind", MS_BIND, false, false},
    {"rbind", MS_BIND | MS_REC, false, false},
    {"strictatime", MS_STRICTATIME, false, false},
    {"nostrictatime", MS_STRICTATIME, true, false},
    {"relatime", MS_RELATIME, false, false},
    {"norelatime", MS_RELATIME, true, false},
    {"noatime", MS_NOATIME, false, false},
    {"atime", MS_NOATIME, true, false},
    {"nodiratime", MS_NODIRATIME, false, false},
    {"diratime", MS_NODIRATIME, true, false},
    {"dirsync", MS_DIRSYNC, false, false},
    {"mand", MS_MANDLOCK, false, false},
    {"nomand", MS_MANDLOCK, true, false},
    {"silent", MS_SILENT, false, false},
    {"loud", MS_SILENT, true, false},
    {"private", MS_PRIVATE, false, true},
    {"rprivate", MS_PRIVATE | MS_REC, false, true},
    {"slave", MS_SLAVE, false, true},
    {"rslave", MS_SLAVE | MS_REC, false, true},
    {"shared", MS_SHARED, false, true},
    {"rshared", MS_SHARED | MS_REC, false, true},
    {"unbindable", MS_UNBINDABLE, false, true},
    {"runbindable", MS_UNBINDABLE | MS_REC, false, true},
};

/* The flags a bind remount keeps from the mount as it is (statvfs), as mount(8) does; `rw` and the like clear them. */
static const struct {
  unsigned long st_flag;
  unsigned long ms_flag;
} KEPT_ON_REMOUNT[] = {
    {ST_RDONLY, MS_RDONLY},       {ST_NOSUID, MS_NOSUID},         {ST_NODEV, MS_NODEV},       {ST_NOEXEC, MS_NOEXEC},
    {ST_NOATIME, MS_NOATIME},     {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME},
};

/* One mount(8) command, parsed. */
struct mount_request {
  const char *type;
  const char *positional[2];
  int npositional;
  unsigned long set;   /* flags the options ask for */
  unsigned long clear; /* flags they turn off (rw, suid...) */
  char *data;          /* the options that are not flags, joined with ',' (NULL when none) */
};

/* The option named `name`, or NULL. */
static const struct mount_option *find_mount_option(const char *name) {
  for (size_t i = 0; i < sizeof MOUNT_OPTIONS / sizeof MOUNT_OPTIONS[0]; i++) {
    if (strcmp(MOUNT_OPTIONS[i].name, name) == 0) return &MOUNT_OPTIONS[i];
  }
  return NULL;
}

/* Add a comma-separated option list: flags into set/clear (in order, a later one wins), the rest into data. */
static bool add_mount_options(struct mount_request *req, const char *list) {
  size_t len = strlen(list);
  size_t used = req->data ? strlen(req->data) : 0;
  char *data = must_alloc(used + len + 2);
  if (req->data) memcpy(data, req->data, used);
  const char *item = list;
  while (true) {
    size_t n = strcspn(item, ",");
    if (n > 0) {
      char name[64] = "";
      if (n < sizeof name) memcpy(name, item, n);
      const struct mount_option *opt = n < sizeof name ? find_mount_option(name) : NULL;
      if (opt != NULL && opt->propagation) return false; /* only as --make-* */
      if (opt != NULL && opt->invert) {
        req->clear |= opt->flags;
        req->set &= ~opt->flags;
      } else if (opt != NULL) {
        req->set |= opt->flags;
        req->clear &= ~opt->flags;
      } else {
        if (used > 0) data[used++] = ',';
        memcpy(data + used, item, n);
        used += n;
      }
    }
    if (item[n] == '\0') break;
    item += n + 1;
  }
  data[used] = '\0';
  req->data = used > 0 ? data : NULL;
  return true;
}

/* Parse `mount [-t TYPE] [-o OPTS]... POSITIONAL...` (options anywhere, as mount(8) takes them). */
static bool parse_mount(int argc, char **argv, struct mount_request *req) {
  memset(req, 0, sizeof *req);
  for (int i = 1; i < argc; i++) {
    if ((strcmp(argv[i], "-t") == 0 || strcmp(argv[i], "-o") == 0) && i + 1 < argc && argv[i + 1][0] != '\0') {
      if (argv[i][1] == 't') {
        if (req->type != NULL) return false;
        req->type = argv[++i];
      } else if (!add_mount_options(req, argv[++i])) {
        return false;
      }
    } else if (argv[i][0] == '-' || argv[i][0] == '\0' || req->npositional == 2) {
      return false;
    } else {
      req->positional[req->npositional++] = argv[i];
    }
  }
  return true;
}

/* mount --make-rprivate DIR (and the other --make-* forms): the propagation of a mount. */
static bool mount_propagation(int argc, char **argv, bool run) {
  const struct mount_option *opt = find_mount_option(argv[1] + 7);
  if (argc != 3 || opt == NULL || !opt->propagation || argv[2][0] == '-') return false;
  if (run && mount("none", argv[2], NULL, opt->flags, NULL) != 0) fail("mount", argv[1] + 2, argv[2]);
  return true;
}

/* mount --bind SRC DST, mount --rbind SRC DST */
static bool mount_bind(int argc, char **argv, bool run) {
  if (argc != 4 || argv[2][0] == '-' || argv[3][0] == '-') return false;
  unsigned long flags = MS_BIND | (strcmp(argv[1], "--rbind") == 0 ? MS_REC : 0);
  if (run && mount(argv[2], argv[3], NULL, flags, NULL) != 0) {
    char what[4096];
    snprintf(what, sizeof what, "%s on %s", argv[2], argv[3]);
    fail("mount", "mount", what);
  }
  return true;
}

/* mount -o remount,bind,OPTS DST: the flags the mount has, with the requested ones on top. */
static void remount_bind(const struct mount_request *req) {
  const char *target = req->positional[0];
  struct statvfs st;
  if (statvfs(target, &st) != 0) fail("mount", "statvfs", target);
  unsigned long flags = 0;
  for (size_t i = 0; i < sizeof KEPT_ON_REMOUNT / sizeof KEPT_ON_REMOUNT[0]; i++) {
    if (st.f_flag & KEPT_ON_REMOUNT[i].st_flag) flags |= KEPT_ON_REMOUNT[i].ms_flag;
  }
  flags = (flags & ~req->clear) | req->set;
  if (mount("none", target, NULL, flags, req->data) != 0) fail("mount", "remount", target);
}

/* mount(8) in the forms the plan uses: --make-*, --bind/--rbind, -t TYPE -o OPTS SRC DST, -o remount,bind DST. */
static bool b_mount(int argc, char **argv, bool run) {
  if (argc >= 2 && strncmp(argv[1], "--make-", 7) == 0) return mount_propagation(argc, argv, run);
  if (argc >= 2 && (strcmp(argv[1], "--bind") == 0 || strcmp(argv[1], "--rbind") == 0)) return mount_bind(argc, argv, run);
  struct mount_request req;
  if (!parse_mount(argc, argv, &req)) return false;
  if (req.set & MS_REMOUNT) {
    /* Only a bind remount (the per-mount flags): a filesystem's own remount is not a step of the plan. */
    if (req.npositional != 1 || !(req.set & MS_BIND) || req.type != NULL) return false;
    if (run) remount_bind(&req);
    return true;
  }
  /* Without -t, mount(8) would probe the filesystem: only a bind may leave it out. */
  if (req.npositional != 2 || (req.type == NULL && !(req.set & MS_BIND))) return false;
  if (run && mount(req.positional[0], req.positional[1], req.type, req.set, req.data) != 0) {
    char what[4096];
    snprintf(what, sizeof what, "%s on %s", req.positional[0], req.positional[1]);
    fail("mount", "mount", what);
  }
  return true;
}

/* umount [-l] PATH */
static bool b_umount(int argc, char **argv, bool run) {
  bool lazy = argc == 3 && strcmp(argv[1], "-l") == 0;
  if (argc != (lazy ? 3 : 2) || argv[argc - 1][0] == '-') return false;
  if (run && umount2(argv[argc - 1], lazy ? MNT_DETACH : 0) != 0) fail("umount", "umount", argv[argc - 1]);
  return true;
}

/* pivot_root NEW PUT_OLD */
static bool b_pivot_root(int argc, char **argv, bool run) {
  if (argc != 3) return false;
  if (run && syscall(SYS_pivot_root, argv[1], argv[2]) != 0) fail("pivot_root", "pivot_root", argv[1]);
  return true;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Builtins: files                                                                                            */

/* A whole decimal or octal number in [0, max]; false when the word is not one. */
static bool parse_number(const char *word, int base, unsigned long max, unsigned long *value) {
  char *end;
  if (word[0] < '0' || word[0] > '9') return false;
  errno = 0;
  *value = strtoul(word, &end, base);
  return errno == 0 && *end == '\0' && *value <= max;
}

/* mknod -m MODE PATH c|b MAJOR MINOR: the node, then its mode set exactly (the umask does not apply). */
static bool b_mknod(int argc, char **argv, bool run) {
  unsigned long mode, major, minor;
  if (argc != 7 || strcmp(argv[1], "-m") != 0 || !parse_number(argv[2], 8, 07777, &mode) || argv[3][0] == '-') return false;
  if ((strcmp(argv[4], "c") != 0 && strcmp(argv[4], "b") != 0) || !parse_number(argv[5], 10, 0xfff, &major) || !parse_number(argv[6], 10, 0xfffff, &minor)) return false;
  if (!run) return true;
  mode_t type = argv[4][0] == 'c' ? S_IFCHR : S_IFBLK;
  if (mknod(argv[3], type | (mode_t)mode, makedev(major, minor)) != 0) fail("mknod", "mknod", argv[3]);
  if (chmod(argv[3], (mode_t)mode) != 0) fail("mknod", "chmod", argv[3]);
  return true;
}

/* ln -s TARGET PATH (PATH an existing directory: the link goes inside it, as ln does). */
static bool b_ln(int argc, char **argv, bool run) {
  if (argc != 4 || strcmp(argv[1], "-s") != 0 || argv[2][0] == '\0' || argv[3][0] == '-' || argv[3][0] == '\0') return false;
  if (!run || symlink(argv[2], argv[3]) == 0) return true;
  int saved = errno;
  struct stat st;
  if (saved != EEXIST || stat(argv[3], &st) != 0 || !S_ISDIR(st.st_mode)) {
    errno = saved;
    fail("ln", "symlink", argv[3]);
  }
  const char *slash = strrchr(argv[2], '/');
  char inside[4096];
  snprintf(inside, sizeof inside, "%s/%s", argv[3], slash != NULL ? slash + 1 : argv[2]);
  if (symlink(argv[2], inside) != 0) fail("ln", "symlink", inside);
  return true;
}

/* mkdir PATH, or with `parents` every missing directory on the way; an existing directory is fine then. */
static void make_directory(const char *path, bool parents) {
  if (parents) {
    char *p = strdup(path);
    if (p == NULL) fail("mkdir", "allocate", path);
    for (char *s = strchr(p + 1, '/'); s != NULL; s = strchr(s + 1, '/')) {
      *s = '\0';
      if (mkdir(p, 0777) != 0 && errno != EEXIST) fail("mkdir", "mkdir", p);
      *s = '/';
    }
    free(p);
  }
  if (mkdir(path, 0777) == 0) return;
  struct stat st;
  int saved = errno;
  if (parents && errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return;
  errno = saved;
  fail("mkdir", "mkdir", path);
}

/* mkdir [-p] PATH... */
static bool b_mkdir(int argc, char **argv, bool run) {
  bool parents = argc >= 2 && strcmp(argv[1], "-p") == 0;
  int first = parents ? 2 : 1;
  if (argc <= first) return false;
  for (int i = first; i < argc; i++) {
    if (argv[i][0] == '-' || argv[i][0] == '\0') return false;
  }
  for (int i = first; run && i < argc; i++) make_directory(argv[i], parents);
  return true;
}

/* touch PATH... : created if missing, its times set to now. */
static bool b_touch(int argc, char **argv, bool run) {
  if (argc < 2) return false;
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] == '-' || argv[i][0] == '\0') return false;
  }
  for (int i = 1; run && i < argc; i++) {
    int fd = open(argv[i], O_WRONLY | O_CREAT | O_NOCTTY | O_NONBLOCK | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EISDIR) fail("touch", "open", argv[i]);
    int rc = fd >= 0 ? futimens(fd, NULL) : utimensat(AT_FDCWD, argv[i], NULL, 0);
    if (rc != 0) fail("touch", "utimensat", argv[i]);
    if (fd >= 0) close(fd);
  }
  return true;
}

/* cd DIR */
static bool b_cd(int argc, char **argv, bool run) {
  if (argc != 2 || argv[1][0] == '\0' || (argv[1][0] == '-' && argv[1][1] == '\0')) return false;
  if (run && chdir(argv[1]) != 0) fail("cd", "chdir", argv[1]);
  return true;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Steps                                                                                                      */

/* The commands a step may run; `echo $$ > FILE` is parsed on its own (ECHO_PID). */
static const struct builtin BUILTINS[] = {
    {"setpriv", b_setpriv}, {"nsenter", b_nsenter}, {"unshare", b_unshare},       {"env", b_env},     {"ip", b_ip},
    {"hostname", b_hostname}, {"mount", b_mount},   {"mknod", b_mknod},           {"ln", b_ln},       {"mkdir", b_mkdir},
    {"touch", b_touch},     {"cd", b_cd},           {"pivot_root", b_pivot_root}, {"umount", b_umount}, {"export", b_export},
    {"unset", b_unset},     {"exec", b_exec},
};

static const struct builtin ECHO_PID = {"echo", b_echo_pid};

/* The builtin named `name`, or NULL. */
static const struct builtin *find_builtin(const char *name) {
  for (size_t i = 0; i < sizeof BUILTINS / sizeof BUILTINS[0]; i++) {
    if (strcmp(BUILTINS[i].name, name) == 0) return &BUILTINS[i];
  }
  return NULL;
}

/* Parse the simple command toks[from..to) into the step; false when it is no builtin's form. */
static bool parse_simple(const struct token *toks, int from, int to, struct step *step) {
  int n = to - from;
  if (n <= 0) return false;
  step->argv = must_alloc(sizeof(char *) * (size_t)(n + 1));
  if (n == 4 && is_keyword(&toks[from], "echo") && toks[from + 1].kind == T_PID && toks[from + 2].kind == T_GT && toks[from + 3].kind == T_WORD) {
    step->argc = 2;
    step->argv[0] = (char *)"echo";
    step->argv[1] = (char *)toks[from + 3].text;
    step->builtin = &ECHO_PID;
    return true;
  }
  for (int i = 0; i < n; i++) {
    if (toks[from + i].kind != T_WORD) return false;
    step->argv[i] = (char *)toks[from + i].text;
  }
  step->argc = n;
  step->builtin = find_builtin(step->argv[0]);
  return step->builtin != NULL && step->builtin->fn(step->argc, step->argv, false);
}

/* Parse `[ [!] -e|-d|-L WORD ]` at toks[*pos]. */
static bool parse_test(const struct token *toks, int n, int *pos, struct test *test) {
  int i = *pos;
  if (i >= n || !is_keyword(&toks[i], "[")) return false;
  i++;
  test->negate = i < n && is_keyword(&toks[i], "!");
  if (test->negate) i++;
  if (i + 2 >= n || toks[i].kind != T_WORD || toks[i + 1].kind != T_WORD || !is_keyword(&toks[i + 2], "]")) return false;
  if (is_keyword(&toks[i], "-e") || is_keyword(&toks[i], "-d") || is_keyword(&toks[i], "-L")) {
    test->op = toks[i].text[1];
  } else {
    return false;
  }
  test->path = toks[i + 1].text;
  *pos = i + 3;
  return true;
}

/* Parse `if TEST [&& TEST]...; then SIMPLE; fi`. */
static bool parse_if(const struct token *toks, int n, struct step *step) {
  int pos = 1;
  while (true) {
    if (step->ntests == MAX_TESTS || !parse_test(toks, n, &pos, &step->tests[step->ntests++])) return false;
    if (pos >= n || toks[pos].kind != T_AND) break;
    pos++;
  }
  if (pos + 1 >= n || toks[pos].kind != T_SEMI || !is_keyword(&toks[pos + 1], "then")) return false;
  int body = pos + 2, end = body;
  while (end < n && toks[end].kind != T_SEMI) end++;
  if (end + 2 != n || !is_keyword(&toks[end + 1], "fi")) return false;
  return parse_simple(toks, body, end, step) && step->builtin->fn != b_exec;
}

/* Parse one step's text; false when it is not in the grammar or no builtin takes its command. */
static bool parse_step(const char *text, struct step *step) {
  size_t len = strlen(text);
  struct token *toks = must_alloc(sizeof(struct token) * (len + 1));
  char *buf = must_alloc(2 * len + 2);
  memset(step, 0, sizeof *step);
  step->text = text;
  int n = tokenize(text, toks, buf);
  if (n <= 0) return false;
  if (is_keyword(&toks[0], "if")) return parse_if(toks, n, step);
  return parse_simple(toks, 0, n, step);
}

/* Whether `[ -e|-d|-L PATH ]` holds (before `!`). */
static bool test_holds(const struct test *test) {
  struct stat st;
  if (test->op == 'L') return lstat(test->path, &st) == 0 && S_ISLNK(st.st_mode);
  if (stat(test->path, &st) != 0) return false;
  return test->op == 'e' || S_ISDIR(st.st_mode);
}

/* Run a parsed step: its command, when every test holds. */
static void run_step(const struct step *step) {
  for (int i = 0; i < step->ntests; i++) {
    if (test_holds(&step->tests[i]) == step->tests[i].negate) return;
  }
  if (step->at_birth) hold_cgroup(step->argv[1]);
  else step->builtin->fn(step->argc, step->argv, true);
}

/* An `unshare ... --fork` that always runs (not inside an `if`). */
static bool always_forks(const struct step *step) {
  if (step->builtin->fn != b_unshare || step->ntests > 0) return false;
  for (int i = 1; i < step->argc; i++) {
    if (strcmp(step->argv[i], "--fork") == 0) return true;
  }
  return false;
}

/* Mark every `echo $$ > .../cgroup.procs` that an `unshare --fork` follows: its process is born in that cgroup. */
static void mark_births(struct step *steps, int count) {
  int fork_at = -1;
  for (int i = count - 1; i >= 0 && fork_at < 0; i--) {
    if (always_forks(&steps[i])) fork_at = i;
  }
  for (int i = 0; i < fork_at; i++) {
    const char *file = steps[i].builtin == &ECHO_PID ? steps[i].argv[1] : NULL;
    const char *slash = file == NULL ? NULL : strrchr(file, '/');
    steps[i].at_birth = file != NULL && strcmp(slash == NULL ? file : slash + 1, "cgroup.procs") == 0;
  }
}

/* lab-init [--check] STEP... : parse every step first (nothing runs if one is refused), then run them in order. */
int main(int argc, char **argv) {
  bool check = argc > 1 && strcmp(argv[1], "--check") == 0;
  int first = check ? 2 : 1;
  int count = argc - first;
  struct step *steps = must_alloc(sizeof(struct step) * (size_t)(count + 1));
  for (int i = 0; i < count; i++) {
    const char *text = argv[first + i];
    bool ok = parse_step(text, &steps[i]);
    /* exec replaces this process: a step after it would never run. */
    if (ok && steps[i].builtin->fn == b_exec && i != count - 1) ok = false;
    if (!ok) {
      fprintf(stderr, "lab-init: unsupported step: %s\n", text);
      return STATUS_SETUP;
    }
  }
  if (check) return 0;
  /* The last step's filter file, read now: after the pivot (or nsenter's chroot) its host path is gone. */
  if (count > 0 && steps[count - 1].builtin->fn == b_exec) load_seccomp_file();
  const char *no_clone3 = getenv("LAB_INIT_NO_CLONE3");
  birth.no_clone3 = no_clone3 != NULL && strcmp(no_clone3, "1") == 0;
  mark_births(steps, count);
  for (int i = 0; i < count; i++) run_step(&steps[i]);
  return 0;
}
