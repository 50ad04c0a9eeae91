// Default container names, Docker's way: an adjective and a scientist (`focused_curie`), with a number when taken.
const ADJECTIVES = ['brave', 'calm', 'eager', 'focused', 'gentle', 'happy', 'keen', 'lucid', 'nifty', 'quiet', 'sharp', 'tender', 'vibrant', 'wise'];
const SCIENTISTS = ['curie', 'hopper', 'lovelace', 'turing', 'noether', 'ritchie', 'thompson', 'torvalds', 'kernighan', 'liskov', 'wu', 'hamilton'];

/** A free default name (`taken` says which are in use). */
export function generateName(taken: (name: string) => boolean): string {
  for (let i = 0; ; i++) {
    const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;
    const name = `${pick(ADJECTIVES)}_${pick(SCIENTISTS)}${i > 10 ? i : ''}`;
    if (!taken(name)) return name;
  }
}
