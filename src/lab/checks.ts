// Checks that many labs share, built from the kernel readers.
import { nsInode } from '../kernel/proc.js';
import type { Check, NamespaceType, Text } from './spec.js';

/** The named lab process lives in a namespace of this type other than the host's (compared by inode). */
export function ownNamespace(type: NamespaceType, name: string, title: Text, id = 'own-namespace'): Check {
  return {
    id,
    title,
    verify: (ctx) => {
      const host = nsInode('self', type);
      const lab = nsInode(ctx.proc(name).pid, type);
      return {
        ok: lab !== undefined && host !== undefined && lab !== host,
        found: { en: `host ${type}:[${host}], ${name} ${type}:[${lab}]`, zh: `宿主机 ${type}:[${host}]，${name} ${type}:[${lab}]` },
      };
    },
  };
}
