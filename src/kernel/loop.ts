// Loop devices as the kernel lists them: /sys/block/loopN/loop/backing_file names the file behind each attached one.
import { readdirSync, readFileSync } from 'node:fs';

/** An attached loop device: /dev/loopN, its major:minor, and the file behind it. */
export interface LoopDevice {
  device: string;
  majorMinor: string;
  file: string;
}

const DELETED = ' (deleted)';

/** Every attached loop device (those with a backing file). */
export function readLoopDevices(sysBlock = '/sys/block'): LoopDevice[] {
  let names: string[];
  try {
    names = readdirSync(sysBlock).filter((name) => /^loop\d+$/.test(name));
  } catch {
    return [];
  }
  const found: LoopDevice[] = [];
  for (const name of names) {
    try {
      const raw = readFileSync(`${sysBlock}/${name}/loop/backing_file`, 'utf8').trim();
      const file = raw.endsWith(DELETED) ? raw.slice(0, -DELETED.length) : raw;
      const majorMinor = readFileSync(`${sysBlock}/${name}/dev`, 'utf8').trim();
      found.push({ device: `/dev/${name}`, majorMinor, file });
    } catch {
      // Not attached (no loop/backing_file), or detached while we read.
    }
  }
  return found.sort((a, b) => a.device.localeCompare(b.device, 'en', { numeric: true }));
}

/** The loop devices backed by `file`. */
export function loopDevicesOf(file: string, sysBlock?: string): LoopDevice[] {
  return readLoopDevices(sysBlock).filter((loop) => loop.file === file);
}
