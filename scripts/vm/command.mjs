// The script the host writes into the exchange directory for stage 2 to run (with busybox sh,
// from an empty environment): the environment, the directory, then the test suite or a shell.
// A pure builder: it returns text.

/** Quote `s` for a POSIX shell. */
export function shellQuote(s) {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * What the guest runs.
 * @typedef {{ cwd: string, env: Record<string, string> }
 *   & ({ mode: 'run', argv: string[] } | { mode: 'shell', shell: string, rows?: number, cols?: number })} GuestCommand
 */

/** The command script for stage 2. */
export function commandScript(c) {
  const lines = [
    '# Written by scripts/vm.mjs for stage 2 of the lab test VM.',
    ...Object.entries(c.env).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
    `cd ${shellQuote(c.cwd)} || exit 125`,
  ];
  if (c.mode === 'run') {
    lines.push(`exec ${c.argv.map(shellQuote).join(' ')}`);
    return `${lines.join('\n')}\n`;
  }
  const bb = '/run/lab-vm-init/busybox';
  const size = c.rows && c.cols ? `stty rows ${c.rows} cols ${c.cols} 2>/dev/null\n` : '';
  lines.push(
    `${size}cat <<EOF`,
    '',
    'This is the lab test VM: Linux $(uname -r), cgroup v2 alone at /sys/fs/cgroup with every',
    'controller enabled for child cgroups: $(cat /sys/fs/cgroup/cgroup.subtree_control)',
    'The host\'s / is shared read-only under a tmpfs overlay: $(pwd) is this checkout.',
    'You may change anything; every change vanishes at poweroff. No network.',
    'Leave with "exit" or Ctrl-D (Ctrl-A X kills the VM).',
    '',
    'EOF',
    // cttyhack opens the real tty behind /dev/console, so that the shell has job control.
    `exec ${bb} setsid ${bb} cttyhack ${shellQuote(c.shell)} -i`,
  );
  return `${lines.join('\n')}\n`;
}
