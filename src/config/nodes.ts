import { type Document, isAlias, isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';

export type PathSegment = string | number;

/** JSON Pointer (ajv's `instancePath`) to segments; array indices become numbers. */
export function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s));
}

/** `subscriptions[0].event_filters[1]`, as a person would name the node; '' for the document itself. */
export function displayPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

export interface Located {
  /** The node at the path (its value), when there is one. */
  node: Node | undefined;
  /** The mapping entry holding it, when the last step was a key. */
  pair: Pair<unknown, unknown> | undefined;
}

/** Follows `path` through the document's node tree (through aliases), as far as it exists. */
export function nodeAt(doc: Document, path: readonly PathSegment[]): Located {
  let node = doc.contents as Node | null | undefined;
  let pair: Pair<unknown, unknown> | undefined;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc) as Node | undefined;
    if (isMap(node)) {
      pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return { node, pair: undefined };
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof seg === 'number') {
      pair = undefined;
      node = node.items[seg] as Node | undefined;
    } else {
      break;
    }
  }
  return { node: node ?? undefined, pair };
}

/** The key node of `key` in the mapping at `path`. */
export function keyNodeAt(doc: Document, path: readonly PathSegment[], key: string): Node | undefined {
  let { node } = nodeAt(doc, path);
  if (isAlias(node)) node = node.resolve(doc) as Node | undefined;
  if (!isMap(node)) return node;
  const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
  return (pair?.key as Node | undefined) ?? node;
}

/**
 * The offset to report for a value: the value itself, or its key when the value is empty (`enabled:`
 * with nothing after it has a zero-width node at the end of the line, which is not where people look).
 */
export function valueOffset(located: Located): number | undefined {
  const { node, pair } = located;
  const key = pair?.key as Node | undefined;
  if (isScalar(node) && node.value === null && node.source === '' && key?.range) return key.range[0];
  if (node?.range) return node.range[0];
  return key?.range?.[0];
}
