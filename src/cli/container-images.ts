// `lab container images|import|load|rmi`: the local image store (src/host/image-store.ts) with Docker's command
// names, flags, output and exit statuses, so that what a learner types transfers: 125 for a usage error, 1 for an
// operational one (no such image, an image in use, an archive that is not one), as Docker's. Nothing is pulled:
// images come from busybox-static, a root filesystem (`docker export`, debootstrap) or an archive (`docker save`,
// OCI layout).
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { LabError } from '../common/errors.js';
import type { Lang, Text } from '../common/vocabulary.js';
import { listContainerRecords } from '../host/container-store.js';
import { getImage, importRootfs, listImages, loadArchive, removeImage, type StoredImage } from '../host/image-store.js';
import { formatImageName, parseImageName } from '../kernel/image-format.js';
import type { Command } from './commands.js';
import { EXIT_OPERATIONAL, exitStatusHelp, operational, usageError } from './container-args.js';

/** An image's ID: the sha256 of its image.json, which never changes once the image is made (Docker's is its config's). */
export function imageId(image: StoredImage): string {
  return `sha256:${createHash('sha256')
    .update(readFileSync(join(image.dir, 'image.json')))
    .digest('hex')}`;
}

/** The bytes an image's layers hold (files and links, a hard-linked file once), as Docker's SIZE counts them. */
export function imageSize(image: StoredImage): number {
  const seen = new Set<string>();
  let total = 0;
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const stat = lstatSync(path);
      if (stat.isDirectory()) walk(path);
      else if (!seen.has(`${stat.dev}:${stat.ino}`)) {
        seen.add(`${stat.dev}:${stat.ino}`);
        total += stat.isFile() || stat.isSymbolicLink() ? stat.size : 0;
      }
    }
  };
  for (const layer of image.layerDirs) walk(layer);
  return total;
}

/** A size as Docker prints it: decimal units, three significant digits (`4.26MB`, `812kB`, `0B`). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let size = bytes;
  let unit = 0;
  while (size >= 1000 && unit < units.length - 1) {
    size /= 1000;
    unit++;
  }
  return `${Number(size.toPrecision(3))}${units[unit]}`;
}

/** How long ago, as Docker's CREATED column says it (go-units HumanDuration), in the learner's language. */
export function humanAgo(ms: number, lang: Lang): string {
  const seconds = Math.floor(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  const count = (n: number, en: string, zh: string): Text => ({ en: `${n} ${en}`, zh: `${n} ${zh}` });
  let text: Text;
  if (seconds < 1) text = { en: 'Less than a second', zh: '不到 1 秒' };
  else if (seconds === 1) text = { en: '1 second', zh: '1 秒' };
  else if (seconds < 60) text = count(seconds, 'seconds', '秒');
  else if (minutes === 1) text = { en: 'About a minute', zh: '大约 1 分钟' };
  else if (minutes < 60) text = count(minutes, 'minutes', '分钟');
  else if (hours === 1) text = { en: 'About an hour', zh: '大约 1 小时' };
  else if (hours < 48) text = count(hours, 'hours', '小时');
  else if (hours < 24 * 14) text = count(Math.floor(hours / 24), 'days', '天');
  else if (hours < 24 * 60) text = count(Math.floor(hours / 24 / 7), 'weeks', '周');
  else if (hours < 24 * 730) text = count(Math.floor(hours / 24 / 30), 'months', '个月');
  else text = count(Math.floor(ms / 3_600_000 / 24 / 365), 'years', '年');
  return lang === 'zh' ? `${text.zh}前` : `${text.en} ago`;
}

/** How many terminal columns a cell takes: CJK characters take two. */
const width = (text: string): number => [...text].reduce((sum, char) => sum + ((char.codePointAt(0) ?? 0) >= 0x2e80 ? 2 : 1), 0);

/** Columns as Docker's tabwriter lays them out: each as wide as its widest cell, three spaces between. */
function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => width(row[i] ?? '')))) ?? [];
  const pad = (cell: string, i: number): string => `${cell}${' '.repeat((widths[i] ?? 0) + 3 - width(cell))}`;
  return rows.map((row) => `${row.map((cell, i) => (i === row.length - 1 ? cell : pad(cell, i))).join('')}\n`).join('');
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parse a `lab container` subcommand's arguments; a bad flag is a usage error (125), as Docker's. */
function parse<T extends Options>(command: string, args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw badUsage(command, { en: (error as Error).message, zh: `参数有误：${(error as Error).message}` });
  }
}

const badUsage = (command: string, meaning: Text): LabError => usageError(command, meaning, 'usage');

/** `lab container images [-q] [--no-trunc] [REPOSITORY[:TAG]]`: REPOSITORY TAG IMAGE ID CREATED SIZE, as Docker. */
async function images(args: string[], lang: Lang): Promise<number> {
  const { values, positionals } = parse('images', args, { quiet: { type: 'boolean', short: 'q' }, 'no-trunc': { type: 'boolean' } });
  if (positionals.length > 1) throw badUsage('images', { en: '"images" takes at most 1 argument.', zh: '"images" 最多接受 1 个参数。' });
  const filter = positionals[0];
  // `busybox` matches every tag of busybox; `busybox:1` only that one.
  const wanted = filter === undefined ? undefined : filter.includes(':') ? formatImageName(parseImageName(filter)) : parseImageName(filter).repo;
  const shown = listImages().filter((image) => wanted === undefined || image.name === wanted || image.name.startsWith(`${wanted}:`));
  const id = (image: StoredImage): string => (values['no-trunc'] ? imageId(image) : imageId(image).slice(7, 19));
  if (values.quiet) {
    process.stdout.write(shown.map((image) => `${id(image)}\n`).join(''));
    return 0;
  }
  const now = Date.now();
  const rows = shown.map((image) => {
    const { repo, tag } = parseImageName(image.name);
    return [repo, tag, id(image), humanAgo(now - Date.parse(image.created), lang), humanSize(imageSize(image))];
  });
  process.stdout.write(table([['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], ...rows]));
  return 0;
}

/** `lab container import FILE|DIR NAME[:TAG]`: a root filesystem (`docker export`'s tar, a directory) as a one-layer image. */
async function importImage(args: string[]): Promise<number> {
  const { positionals } = parse('import', args, {});
  const [source, name] = positionals;
  if (source === undefined || name === undefined || positionals.length > 2) {
    throw badUsage('import', {
      en: '"import" takes a tar or directory and a name: lab container import FILE|DIR NAME[:TAG].',
      zh: '"import" 需要一个 tar 或目录，以及一个名字：lab container import FILE|DIR NAME[:TAG]。',
    });
  }
  parseImageName(name);
  const image = await operational(() => importRootfs(source, name));
  process.stdout.write(`${imageId(image)}\n`);
  return 0;
}

/** `lab container load -i FILE|DIR [NAME[:TAG]]`: a `docker save` archive or an OCI layout, layer by layer. */
async function load(args: string[], lang: Lang): Promise<number> {
  const { values, positionals } = parse('load', args, { input: { type: 'string', short: 'i' }, quiet: { type: 'boolean', short: 'q' } });
  if (values.input === undefined || positionals.length > 1) {
    throw badUsage('load', {
      en: 'Give the archive with -i: lab container load -i FILE|DIR [NAME[:TAG]] (lab does not read an archive from stdin).',
      zh: '用 -i 指定归档：lab container load -i FILE|DIR [NAME[:TAG]]（lab 不从标准输入读取归档）。',
    });
  }
  const name = positionals[0];
  if (name !== undefined) parseImageName(name);
  const input = values.input;
  const image = await operational(() => loadArchive(input, name));
  if (!values.quiet) process.stdout.write(lang === 'zh' ? `已载入镜像：${image.name}\n` : `Loaded image: ${image.name}\n`);
  return 0;
}

/** `lab container rmi NAME...`: untag and delete each image, as Docker says it; the first failure ends it (1). */
async function rmi(args: string[]): Promise<number> {
  const { positionals } = parse('rmi', args, {});
  if (positionals.length === 0) throw badUsage('rmi', { en: '"rmi" requires at least 1 argument.', zh: '"rmi" 至少需要 1 个参数。' });
  for (const name of positionals) {
    const image = await operational(() => getImage(name));
    const id = imageId(image);
    // Docker refuses while any container, running or stopped, was made from it: its layers are that one's lowerdirs.
    const user = listContainerRecords().find((r) => r.image === image.name || r.layers.some((layer) => layer.startsWith(`${image.dir}/`)));
    if (user) throw imageInUse(name, user.id, id);
    await operational(() => removeImage(name));
    process.stdout.write(`Untagged: ${image.name}\nDeleted: ${id}\n`);
  }
  return 0;
}

function imageInUse(name: string, container: string, id: string): LabError {
  return new LabError({
    operation: `lab container rmi ${name}`,
    code: 'conflict',
    meaning: {
      en: `conflict: unable to remove repository reference "${name}" - container ${container.slice(0, 12)} is using its referenced image ${id.slice(7, 19)}`,
      zh: `冲突：无法删除镜像引用 "${name}"——容器 ${container.slice(0, 12)} 正在使用它引用的镜像 ${id.slice(7, 19)}`,
    },
    fix: {
      en: `Remove the container first: \`lab container rm -f ${container.slice(0, 12)}\`.`,
      zh: `请先删除该容器：\`lab container rm -f ${container.slice(0, 12)}\`。`,
    },
    exitCode: EXIT_OPERATIONAL,
  });
}

const HELP: Record<string, Text> = {
  images: {
    en: `Usage: lab container images [-q] [--no-trunc] [REPOSITORY[:TAG]]

List the images in the local store (under the state directory): REPOSITORY, TAG, IMAGE ID, CREATED, SIZE.
  -q, --quiet    only the image IDs
  --no-trunc     the full image IDs`,
    zh: `用法：lab container images [-q] [--no-trunc] [REPOSITORY[:TAG]]

列出本地存储（位于状态目录下）中的镜像：REPOSITORY（仓库）、TAG（标签）、IMAGE ID、CREATED（创建时间）、SIZE（大小）。
  -q, --quiet    只显示镜像 ID
  --no-trunc     显示完整的镜像 ID`,
  },
  import: {
    en: `Usage: lab container import FILE|DIR NAME[:TAG]

Make a one-layer image from a root filesystem: a tar as \`docker export\` writes it (plain, gzip or xz) or a
directory (a debootstrap tree). The image has no default command: give one to \`lab container run\`.`,
    zh: `用法：lab container import FILE|DIR NAME[:TAG]

用一个根文件系统生成单层镜像：\`docker export\` 写出的 tar（未压缩、gzip 或 xz），或一个目录（debootstrap 生成的目录树）。
该镜像没有默认命令：运行 \`lab container run\` 时请给出命令。`,
  },
  load: {
    en: `Usage: lab container load -i FILE|DIR [NAME[:TAG]]

Load an image as \`docker save\` writes it, or an OCI image layout (a directory or its tar, as skopeo and podman
write), keeping each layer a layer and turning its whiteouts into overlayfs ones. The name is the one the archive
carries, unless given.
  -i, --input    the archive or layout
  -q, --quiet    print nothing`,
    zh: `用法：lab container load -i FILE|DIR [NAME[:TAG]]

载入 \`docker save\` 写出的镜像，或 OCI 镜像布局（目录或其 tar，由 skopeo、podman 生成），每一层仍是一层，
其中的 whiteout 转换为 overlayfs 的格式。镜像名取归档中记录的名字，除非另外指定。
  -i, --input    归档或布局
  -q, --quiet    不输出`,
  },
  rmi: {
    en: `Usage: lab container rmi NAME[:TAG]...

Remove images and their layers from the local store; refused while a container (running or not) uses one.`,
    zh: `用法：lab container rmi NAME[:TAG]...

从本地存储中删除镜像及其各层；若有容器（无论是否在运行）正在使用该镜像，则拒绝删除。`,
  },
};

/** What exits 1 in each subcommand (its operational errors; images has none); a usage error exits 125 in all. */
const FAILURES: Record<string, Text> = {
  import: {
    en: 'the source is missing or refused, the name is taken, or the copy fails',
    zh: '来源不存在或被拒绝、名字已被占用、或复制失败时',
  },
  load: {
    en: 'the archive is missing, refused or not an image archive, or the name is taken',
    zh: '归档不存在、被拒绝或不是镜像归档、或名字已被占用时',
  },
  rmi: { en: 'there is no such image, or a container uses it', zh: '没有这个镜像、或有容器正在使用它时' },
};

const command = (name: string, run: (args: string[], lang: Lang) => Promise<number>): Command => {
  const exit = exitStatusHelp(FAILURES[name]);
  return { run, help: { en: `${HELP[name]?.en ?? ''}\n\n${exit.en}`, zh: `${HELP[name]?.zh ?? ''}\n\n${exit.zh}` } };
};

/** The image subcommands of `lab container`, each as a Command (run, help), for its table of subcommands. */
export const IMAGE_COMMANDS: Readonly<Record<'images' | 'import' | 'load' | 'rmi', Command>> = {
  images: command('images', images),
  import: command('import', importImage),
  load: command('load', load),
  rmi: command('rmi', rmi),
};
