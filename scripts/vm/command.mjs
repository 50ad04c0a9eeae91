// The script the host writes into the exchange directory for stage 2 to run (with busybox sh,
// from an empty environment): the environment, the directory, then the test suite or a shell.
// A pure builder: it returns text.

/**
 * Quote `s` for a POSIX shell.
 * @param {string} s
 */
export function shellQuote(s) {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * What the guest runs.
 * @typedef {{ cwd: string, env: Record<string, string> }
 *   & ({ mode: 'run', argv: string[] } | { mode: 'shell', shell: string, rows?: number, cols?: number })} GuestCommand
 */

/** Where the guest finds `lab`: a directory on the guest's own /run (a tmpfs), first on its PATH. */
export const GUEST_BIN = '/run/lab-vm-bin';

/**
 * The command script for stage 2.
 * @param {GuestCommand} c
 */
export function commandScript(c) {
  const bb = '/run/lab-vm-init/busybox';
  const lines = [
    '# Written by scripts/vm.mjs for stage 2 of the lab test VM.',
    ...Object.entries(c.env).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
    // \`lab\` on the PATH, as after \`npm link\` on a host: this checkout's bin/lab.js, linked in the guest only.
    `${bb} mkdir -p ${GUEST_BIN} && ${bb} ln -sf ${shellQuote(`${c.cwd}/bin/lab.js`)} ${GUEST_BIN}/lab`,
    `export PATH=${GUEST_BIN}:"$PATH"`,
    `cd ${shellQuote(c.cwd)} || exit 125`,
  ];
  if (c.mode === 'run') {
    lines.push(`exec ${c.argv.map(shellQuote).join(' ')}`);
    return `${lines.join('\n')}\n`;
  }
  const size = c.rows && c.cols ? `stty rows ${c.rows} cols ${c.cols} 2>/dev/null\n` : '';
  lines.push(
    `${size}cat <<EOF`,
    '',
    'This is the lab test VM: Linux $(uname -r), cgroup v2 alone at /sys/fs/cgroup with every',
    'controller enabled for child cgroups: $(cat /sys/fs/cgroup/cgroup.subtree_control)',
    "The host's / is shared read-only under a tmpfs overlay: $(pwd) is this checkout.",
    'You may change anything; every change vanishes at poweroff. No network. The lab command is on the PATH.',
    'Leave with "exit" or Ctrl-D (Ctrl-A X kills the VM).',
    '',
    'EOF',
    // cttyhack opens the real tty behind /dev/console, so that the shell has job control.
    `exec ${bb} setsid ${bb} cttyhack ${shellQuote(c.shell)} -i`,
  );
  return `${lines.join('\n')}\n`;
}
