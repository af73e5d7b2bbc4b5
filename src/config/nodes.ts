import {
  type Alias,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml';

export type PathSegment = string | number;

/**
 * A document's node tree with its own alias resolution. yaml's `Alias.resolve` walks the whole document
 * on every call, which makes many aliases quadratic; here anchors are indexed once.
 */
export interface Tree {
  root: Node | null;
  /** The node an alias stands for: the last anchor of that name before it. */
  resolve(alias: Alias): Node | undefined;
}

export function buildTree(root: Node | null): Tree {
  const anchors = new Map<string, Array<{ offset: number; node: Node }>>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isPair(node)) {
      stack.push(node.key, node.value);
      continue;
    }
    if (!isScalar(node) && !isCollection(node)) continue;
    if (node.anchor) {
      const list = anchors.get(node.anchor) ?? [];
      list.push({ offset: node.range?.[0] ?? 0, node });
      anchors.set(node.anchor, list);
    }
    if (isCollection(node)) stack.push(...(node.items as unknown[]));
  }
  for (const list of anchors.values()) list.sort((a, b) => a.offset - b.offset);
  return {
    root,
    resolve(alias) {
      const list = anchors.get(alias.source);
      const offset = alias.range?.[0] ?? 0;
      if (!list || list[0]!.offset >= offset) return undefined;
      let lo = 0;
      let hi = list.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (list[mid]!.offset < offset) lo = mid;
        else hi = mid - 1;
      }
      return list[lo]!.node;
    },
  };
}

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

// Key lookups by name: a mapping with thousands of unknown keys must not cost a scan per key.
const keyIndex = new WeakMap<YAMLMap, Map<string, Pair<unknown, unknown>>>();

function pairOf(map: YAMLMap, key: string): Pair<unknown, unknown> | undefined {
  let index = keyIndex.get(map);
  if (!index) {
    index = new Map();
    for (const pair of map.items) {
      const name = isScalar(pair.key) ? String(pair.key.value) : undefined;
      // The last of duplicate keys, like the plain data (parse.ts reports the duplicate itself).
      if (name !== undefined) index.set(name, pair);
    }
    keyIndex.set(map, index);
  }
  return index.get(key);
}

/** Follows `path` through the node tree (through aliases), as far as it exists. */
export function nodeAt(tree: Tree, path: readonly PathSegment[]): Located {
  let node: Node | null | undefined = tree.root;
  let pair: Pair<unknown, unknown> | undefined;
  for (const seg of path) {
    if (isAlias(node)) node = tree.resolve(node);
    if (isMap(node)) {
      pair = pairOf(node, String(seg));
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

/** The key node of `key` in the mapping at `path` (or the mapping, if the key is not found). */
export function keyNodeAt(tree: Tree, path: readonly PathSegment[], key: string): Node | undefined {
  let { node } = nodeAt(tree, path);
  if (isAlias(node)) node = tree.resolve(node);
  if (!isMap(node)) return node;
  return (pairOf(node, key)?.key as Node | undefined) ?? node;
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
