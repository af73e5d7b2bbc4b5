import {
  CST,
  type Document,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  Parser,
  parseAllDocuments,
  type YAMLError,
} from 'yaml';
import type { ConfigIssue, SourcePosition } from '../errors.js';
import { firstLoneSurrogate } from '../util/unicode.js';
import { MAX_DEPTH, MAX_EXPANDED_VALUES } from './limits.js';
import { buildTree, type Tree } from './nodes.js';

export interface ParsedDocument {
  doc: Document.Parsed;
  /** The node tree with source ranges, to point at the node a problem is about. */
  tree: Tree;
  /** The document as plain data; only meaningful when `issues` is empty and `empty` is false. */
  value: unknown;
  /** A document holding nothing (only comments, `---` alone, or `~`): ignored. */
  empty: boolean;
  /** YAML-level problems: syntax, duplicate keys, aliases, depth. */
  issues: ConfigIssue[];
  /** Whether `value` can be checked further despite `issues` (only duplicate keys were found). */
  usable: boolean;
}

export interface ParsedFile {
  file: string;
  text: string;
  lineCounter: LineCounter;
  documents: ParsedDocument[];
}

/**
 * Parses every YAML document of a file, keeping the node tree (with source ranges) next to the plain
 * data so later checks can point at the offending node. Two things yaml does are done here instead,
 * because yaml's versions are quadratic on hostile input: duplicate keys (`uniqueKeys` compares every
 * key with every other) and alias resolution (each alias rescans the document).
 */
export function parseYamlFile(file: string, text: string): ParsedFile {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: false,
    // Only the YAML 1.2 core schema: `!!binary`, `!!set`, `!!timestamp` and friends are refused.
    resolveKnownTags: false,
    merge: false,
  });
  const at = (offset: number): SourcePosition => position(file, lineCounter, offset);
  const documents = (Array.isArray(docs) ? docs : []).map((doc) =>
    parseDocument(doc, at, () => unclosedOpeners(text)),
  );
  return { file, text, lineCounter, documents };
}

export function position(file: string, lineCounter: LineCounter, offset: number): SourcePosition {
  const { line, col } = lineCounter.linePos(offset);
  return { file, line, col };
}

function parseDocument(
  doc: Document.Parsed,
  at: (offset: number) => SourcePosition,
  openers: () => Opener[],
): ParsedDocument {
  const issues: ConfigIssue[] = [];
  const contents = doc.contents as Node | null;
  const tree = buildTree(contents);
  const result = (value: unknown, empty = false): ParsedDocument => ({
    doc,
    tree,
    value,
    empty,
    issues,
    usable: false,
  });

  const syntax = [...doc.errors, ...doc.warnings].sort((a, b) => a.pos[0] - b.pos[0])[0];
  if (syntax) {
    // After the first syntax error the parser's recovery produces follow-on noise; one is enough.
    // An unclosed bracket or quote is reported where it OPENED: the parser only notices it where the
    // text stops making sense (often the end of the file), far from the typo.
    const [docStart, , docEnd] = doc.range;
    const opener = openers().find((o) => o.offset >= docStart && o.offset <= Math.min(syntax.pos[0], docEnd));
    if (opener) {
      const { line, col } = at(syntax.pos[0]);
      issues.push({
        ...at(opener.offset),
        message: `invalid YAML: the ${opener.char} opened here is never closed (the parser stopped at ${line}:${col}: ${yamlMessage(syntax).replace(/^invalid YAML: /, '')})`,
      });
    } else {
      issues.push({ ...at(syntax.pos[0]), message: yamlMessage(syntax) });
    }
    return result(undefined);
  }
  if (contents === null || (isScalar(contents) && contents.value === null && !contents.tag)) {
    return result(undefined, true);
  }

  const duplicates: ConfigIssue[] = [];
  const firstAlias = walk(tree, contents, at, issues, duplicates);
  if (issues.length > 0) {
    issues.push(...duplicates);
    return result(undefined);
  }
  // A duplicate key is local: the document is still checked (the last value counts, as in yaml).
  issues.push(...duplicates);
  if (firstAlias && expandedSize(tree, contents) > MAX_EXPANDED_VALUES) {
    issues.push({
      ...at(firstAlias.range?.[0] ?? 0),
      message: `YAML aliases expand this document to more than ${MAX_EXPANDED_VALUES} values; refusing a possible alias bomb`,
    });
    return result(undefined);
  }
  const value = toPlain(tree, contents);
  return { doc, tree, value, empty: false, issues, usable: duplicates.length === issues.length };
}

/**
 * Walks the node tree without recursion (so depth cannot overflow the stack), checking what the parser
 * lets through: nesting depth, keys that are not plain scalars, duplicate keys, aliases without anchor
 * or inside their own anchor, strings holding a lone surrogate. Returns the first alias in the text, where an alias bomb is reported.
 */
function walk(
  tree: Tree,
  root: Node,
  at: (offset: number) => SourcePosition,
  issues: ConfigIssue[],
  duplicates: ConfigIssue[],
): Node | undefined {
  let firstAlias: Node | undefined;
  const stack: Array<{ node: unknown; depth: number }> = [{ node: root, depth: 1 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (isAlias(node)) {
      const offset = node.range?.[0] ?? 0;
      if (!firstAlias || offset < (firstAlias.range?.[0] ?? 0)) firstAlias = node;
      const target = tree.resolve(node);
      if (!target) {
        issues.push({
          ...at(offset),
          message: `unknown alias '*${node.source}': an anchor '&${node.source}' must come before it`,
        });
      } else if (target.range && target.range[0] <= offset && offset < target.range[1]) {
        issues.push({
          ...at(offset),
          message: `alias '*${node.source}' is inside the node it refers to; such a cycle has no end`,
        });
      }
      continue;
    }
    if (isScalar(node) && typeof node.value === 'string') {
      const lone = firstLoneSurrogate(node.value);
      // Only a double-quoted escape makes one (the file itself is UTF-8). Refused wherever it is: the
      // API stores U+FFFD in its place, so the value would differ from the live one on every run.
      if (lone) {
        issues.push({
          ...at(node.range?.[0] ?? 0),
          message:
            `this string holds a lone surrogate ${lone.codePoint} at position ${lone.index + 1}, half of a ` +
            'UTF-16 pair and not a character; the API would store U+FFFD instead and the value would ' +
            'never match (docs/plan-rules.md#descriptions); remove it',
        });
      }
      continue;
    }
    if (!isCollection(node)) continue;
    if (depth > MAX_DEPTH) {
      issues.push({
        ...at(node.range?.[0] ?? 0),
        message: `nesting is too deep (more than ${MAX_DEPTH} levels)`,
      });
      return firstAlias;
    }
    if (isMap(node)) {
      const seen = new Map<string, Node>();
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        if (key !== null && !isScalar(key)) {
          issues.push({
            ...at(key.range?.[0] ?? node.range?.[0] ?? 0),
            message: 'a key must be a plain value such as `name`, not a list, mapping or alias',
          });
        } else if (key !== null) {
          const name = String(key.value);
          const first = seen.get(name);
          if (first) {
            const p = at(first.range?.[0] ?? 0);
            duplicates.push({
              ...at(key.range?.[0] ?? 0),
              message: `duplicate key '${name}' (first at line ${p.line}, column ${p.col})`,
            });
          } else {
            seen.set(name, key);
          }
        }
        if (pair.value) stack.push({ node: pair.value, depth: depth + 1 });
      }
    } else if (isSeq(node)) {
      for (const item of node.items) {
        if (isPair(item)) {
          if (item.value) stack.push({ node: item.value, depth: depth + 1 });
        } else {
          stack.push({ node: item, depth: depth + 1 });
        }
      }
    }
  }
  return firstAlias;
}

/**
 * How many values the document stands for with every alias replaced by its target, counted without
 * expanding anything: each node's size is computed once and reused for every alias to it. Cycles are
 * refused before this runs and depth is bounded, so the recursion is shallow.
 */
function expandedSize(tree: Tree, root: Node): number {
  const sizes = new Map<unknown, number>();
  const size = (node: unknown): number => {
    if (isAlias(node)) return size(tree.resolve(node));
    if (!isCollection(node)) return 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    let total = 1;
    for (const item of node.items) {
      total += isPair(item) ? (item.value ? size(item.value) : 0) : size(item);
      if (total > MAX_EXPANDED_VALUES) break;
    }
    sizes.set(node, total);
    return total;
  };
  return size(root);
}

/**
 * The document as plain data (what ajv validates). An alias becomes the very value of its target, as
 * in yaml's toJS; keys are defined as own properties, so `__proto__` is just an (unknown) key.
 */
function toPlain(tree: Tree, root: Node): unknown {
  const done = new Map<unknown, unknown>();
  const convert = (node: unknown): unknown => {
    if (isAlias(node)) return convert(tree.resolve(node));
    if (isScalar(node)) return node.value;
    const known = done.get(node);
    if (known !== undefined) return known;
    if (isSeq(node)) {
      const out: unknown[] = [];
      done.set(node, out);
      for (const item of node.items) out.push(isPair(item) ? pairObject(item) : convert(item));
      return out;
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      done.set(node, out);
      for (const pair of node.items)
        define(out, String(isScalar(pair.key) ? pair.key.value : pair.key), pair.value);
      return out;
    }
    return null;
  };
  const define = (out: Record<string, unknown>, key: string, value: unknown) => {
    Object.defineProperty(out, key, {
      value: convert(value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  };
  // `[a: 1]`, a single-pair mapping written inside a flow sequence.
  const pairObject = (pair: { key: unknown; value: unknown }) => {
    const out: Record<string, unknown> = {};
    define(out, String(isScalar(pair.key) ? pair.key.value : pair.key), pair.value);
    return out;
  };
  return convert(root);
}

interface Opener {
  offset: number;
  /** How the message names it: `'['`, `'{'`, `"..." quote`, `'...' quote`. */
  char: string;
}

/**
 * Flow collections and quoted scalars that the text opens but never closes, in text order, from yaml's
 * concrete syntax tree (its lexer already knows quotes, comments and block scalars apart). Only run
 * after a syntax error; the CST is linear in the text.
 */
function unclosedOpeners(text: string): Opener[] {
  const found: Opener[] = [];
  const check = (token: CST.Token | undefined) => {
    if (!token) return;
    if (token.type === 'flow-collection') {
      const close = token.start.source === '[' ? ']' : '}';
      if (!token.end.some((t) => t.source === close))
        found.push({ offset: token.offset, char: `'${token.start.source}'` });
    } else if (token.type === 'double-quoted-scalar') {
      const src = token.source;
      const trailing = /(\\*)"$/.exec(src)?.[1]?.length ?? -1;
      if (src.length < 2 || trailing < 0 || trailing % 2 === 1)
        found.push({ offset: token.offset, char: '"..." quote' });
    } else if (token.type === 'single-quoted-scalar') {
      if (token.source.length < 2 || !token.source.endsWith("'"))
        found.push({ offset: token.offset, char: "'...' quote" });
    }
  };
  for (const token of new Parser().parse(text)) {
    if (token.type !== 'document') continue;
    check(token.value);
    CST.visit(token, (item) => {
      check(item.key ?? undefined);
      check(item.value);
    });
  }
  return found.sort((a, b) => a.offset - b.offset);
}

function yamlMessage(error: YAMLError): string {
  if (error.code === 'TAG_RESOLVE_FAILED') {
    const tag = error.message.replace(/^Unresolved tag:\s*/, '').replace(/^tag:yaml\.org,2002:/, '!!');
    return `unsupported YAML tag '${tag}' (only plain values, lists and mappings are allowed)`;
  }
  if (error.code === 'RESOURCE_EXHAUSTION') {
    return `nesting is too deep (more than ${MAX_DEPTH} levels)`;
  }
  const message = error.message.replace(/ at line \d+, column \d+[\s\S]*$/, '').trim();
  return `invalid YAML: ${message.charAt(0).toLowerCase()}${message.slice(1)}`;
}
