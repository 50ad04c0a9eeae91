// The layers of an overlay mount, from the super options of its mountinfo line (Documentation/filesystems/
// overlayfs.rst): `lowerdir=top:...:bottom,upperdir=...,workdir=...`, or one `lowerdir+=` per layer when they were
// added one by one (the new mount API, Linux 6.8 and later). Pure.

/** An overlay's directories: the read-only layers top first, the writable one and overlay's work directory. */
export interface OverlayLayers {
  /** The lower (read-only) layers, the top one first, as overlayfs stacks them. */
  lowerdir: string[];
  /** The writable layer; null for a read-only overlay (lower layers only). */
  upperdir: string | null;
  workdir: string | null;
}

/** Undo mountinfo's octal escapes (`\054` for a comma, `\040` for a space). */
const unescapeOctal = (text: string): string => text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

/** Split a `lowerdir=` value at its colons; overlayfs writes a colon inside a path as `\:`. */
function splitLayers(value: string): string[] {
  const layers: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const char = value[i]!;
    if (char === '\\' && value[i + 1] === ':') {
      current += ':';
      i++;
    } else if (char === ':') {
      // `::` marks the data-only layers that follow (overlayfs.rst); they are layers all the same.
      if (current) layers.push(current);
      current = '';
    } else current += char;
  }
  if (current) layers.push(current);
  return layers.map(unescapeOctal);
}

/** The layers named by an overlay mount's super options. */
export function parseOverlayOptions(superOptions: string): OverlayLayers {
  const layers: OverlayLayers = { lowerdir: [], upperdir: null, workdir: null };
  for (const option of superOptions.split(',')) {
    const eq = option.indexOf('=');
    if (eq < 0) continue;
    const key = option.slice(0, eq);
    const value = option.slice(eq + 1);
    if (key === 'lowerdir') layers.lowerdir.push(...splitLayers(value));
    else if (key === 'lowerdir+' || key === 'datadir+') layers.lowerdir.push(unescapeOctal(value));
    else if (key === 'upperdir') layers.upperdir = unescapeOctal(value);
    else if (key === 'workdir') layers.workdir = unescapeOctal(value);
  }
  return layers;
}
