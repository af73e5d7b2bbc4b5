import {
  type Document,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
  type YAMLError,
} from 'yaml';
import type { ConfigIssue, SourcePosition } from '../errors.js';
import { MAX_ALIAS_COUNT, MAX_DEPTH, MAX_EXPANDED_VALUES } from './limits.js';

export interface ParsedDocument {
  doc: Document.Parsed;
  /** The document as plain data; only meaningful when `issues` is empty and `empty` is false. */
  value: unknown;
  /** A document holding nothing (only comments, `---` alone, or `~`): ignored. */
  empty: boolean;
  /** YAML-level problems (syntax, duplicate keys, aliases, depth); when present the data is not used. */
  issues: ConfigIssue[];
}

export interface ParsedFile {
  file: string;
  text: string;
  lineCounter: LineCounter;
  documents: ParsedDocument[];
}

/**
 * Parses every YAML document of a file, keeping the node tree (with source ranges) next to the plain
 * data so later checks can point at the offending node. Duplicate keys are found here rather than by
 * yaml's `uniqueKeys`, which compares every key with every other and is quadratic on large mappings.
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
  const documents = (Array.isArray(docs) ? docs : []).map((doc) => parseDocument(doc, at));
  return { file, text, lineCounter, documents };
}

export function position(file: string, lineCounter: LineCounter, offset: number): SourcePosition {
  const { line, col } = lineCounter.linePos(offset);
  return { file, line, col };
}

function parseDocument(doc: Document.Parsed, at: (offset: number) => SourcePosition): ParsedDocument {
  const issues: ConfigIssue[] = [];
  const syntax = [...doc.errors, ...doc.warnings].sort((a, b) => a.pos[0] - b.pos[0])[0];
  if (syntax) {
    // After the first syntax error the parser's recovery produces follow-on noise; one is enough.
    issues.push({ ...at(syntax.pos[0]), message: yamlMessage(syntax) });
    return { doc, value: undefined, empty: false, issues };
  }
  const contents = doc.contents;
  if (contents === null || (isScalar(contents) && contents.value === null && !contents.tag)) {
    return { doc, value: undefined, empty: true, issues };
  }

  const firstAlias = walk(doc, contents, at, issues);
  if (issues.length > 0) return { doc, value: undefined, empty: false, issues };
  if (firstAlias && expandedSize(doc, contents) > MAX_EXPANDED_VALUES) {
    issues.push({
      ...at(firstAlias.range?.[0] ?? 0),
      message: `YAML aliases expand this document to more than ${MAX_EXPANDED_VALUES} values; refusing a possible alias bomb`,
    });
    return { doc, value: undefined, empty: false, issues };
  }

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const offset = firstAlias?.range?.[0] ?? contents.range?.[0] ?? 0;
    const excessive = err instanceof Error && /alias count/i.test(err.message);
    issues.push({
      ...at(offset),
      message: excessive
        ? `YAML aliases expand to too many nodes (limit ${MAX_ALIAS_COUNT}); refusing a possible alias bomb`
        : `cannot read this document: ${err instanceof Error ? err.message : String(err)}`,
    });
    return { doc, value: undefined, empty: false, issues };
  }
  return { doc, value, empty: false, issues };
}

/**
 * Walks the node tree without recursion (so depth cannot overflow the stack), checking what the parser
 * lets through: nesting depth, keys that are not plain scalars, duplicate keys, aliases without anchor.
 * Returns the first alias in the text, where an alias bomb is reported.
 */
function walk(
  doc: Document.Parsed,
  root: Node,
  at: (offset: number) => SourcePosition,
  issues: ConfigIssue[],
): Node | undefined {
  let firstAlias: Node | undefined;
  const stack: Array<{ node: unknown; depth: number }> = [{ node: root, depth: 1 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (isAlias(node)) {
      if (!firstAlias || (node.range?.[0] ?? 0) < (firstAlias.range?.[0] ?? 0)) firstAlias = node;
      const target = node.resolve(doc) as Node | undefined;
      const offset = node.range?.[0] ?? 0;
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
            issues.push({
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

/**
 * How many values the document stands for with every alias replaced by its target, counted without
 * expanding anything: each node's size is computed once and reused for every alias to it. Cycles are
 * refused before this runs, and depth is bounded, so the recursion is shallow.
 */
function expandedSize(doc: Document.Parsed, root: Node): number {
  const sizes = new Map<unknown, number>();
  const size = (node: unknown): number => {
    if (isAlias(node)) return size(node.resolve(doc));
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
