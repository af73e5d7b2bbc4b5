import { MAX_DEPTH, MAX_LINES, MAX_NODES } from './limits.js';

/** 1-based line and column of `offset` in `text` (columns in UTF-16 units, like yaml's LineCounter). */
export function positionAt(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, col: offset - lineStart + 1 };
}

export interface TextProblem {
  offset: number;
  message: string;
}

// YAML 1.2 allows TAB, LF, CR, NEL and printable characters only; anything else means binary junk.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u0084\u0086-\u009F\uFFFE\uFFFF]/;

/**
 * Cheap checks on the decoded text before it reaches the YAML parser, which recurses once per nesting
 * level and spends about a microsecond per byte: binary content, too many lines, and nesting deeper
 * than any subscriptions file needs (`[[[[…` or `- - - - …` repeated thousands of times).
 */
export function checkText(text: string): TextProblem | undefined {
  const bad = FORBIDDEN.exec(text);
  if (bad) {
    const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return {
      offset: bad.index,
      message: `control character U+${code} is not allowed (is this a binary file?)`,
    };
  }
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    if (++lines > MAX_LINES) {
      return { offset: i + 1, message: `file has more than ${MAX_LINES} lines` };
    }
  }
  return checkNesting(text);
}

const QUOTE_AFTER_IN_BLOCK = new Set(['\n', ':', '-', '?']);
const QUOTE_AFTER_IN_FLOW = new Set(['\n', ':', '-', '?', ',', '[', '{']);

/**
 * A conservative lexical scan for nesting depth and node count, run before the parser so that a
 * hostile file costs a linear scan, not the parser's memory. It knows just enough YAML (comments,
 * quoted scalars, flow brackets and commas, compact block indicators) not to count inside strings;
 * where it guesses wrong it can only under-count, and the parser's own limits and the tree walk in
 * parse.ts remain.
 */
export function checkNesting(text: string): TextProblem | undefined {
  let flow = 0;
  let nodes = 0;
  let lastSignificant = '\n';
  let lineStart = true;
  const tooDeep = (offset: number): TextProblem => ({
    offset,
    message: `nesting is too deep (more than ${MAX_DEPTH} levels)`,
  });
  const tooMany = (offset: number): TextProblem => ({
    offset,
    message: `too many values in one file (more than ${MAX_NODES} lists, mappings and entries); split it into several files`,
  });
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\n') {
      lastSignificant = '\n';
      lineStart = true;
      continue;
    }
    if (lineStart && flow === 0) {
      // Compact block nesting: `- - - x`, `? - x`, one level per indicator on the same line.
      let j = i;
      let indicators = 0;
      while (j < text.length) {
        while (text[j] === ' ') j++;
        const c = text[j];
        const next = text[j + 1];
        if ((c === '-' || c === '?' || c === ':') && (next === ' ' || next === '\t')) {
          if (++indicators > MAX_DEPTH) return tooDeep(j);
          j += 2;
        } else {
          break;
        }
      }
      // Every block line with content is at least one node, plus one per compact indicator.
      if (text[j] !== '\n' && text[j] !== '\r' && text[j] !== '#' && j < text.length) indicators++;
      nodes += indicators;
      if (nodes > MAX_NODES) return tooMany(i);
    }
    lineStart = false;
    if (ch === ' ' || ch === '\t' || ch === '\r') continue;
    const prev = i > 0 ? text[i - 1]! : '\n';
    const atTokenStart = prev === ' ' || prev === '\t' || prev === '\n' || '[{,'.includes(prev);
    if (ch === '#' && (prev === ' ' || prev === '\t' || prev === '\n')) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end - 1;
      continue;
    }
    if ((ch === '"' || ch === "'") && atTokenStart) {
      const starters = flow > 0 ? QUOTE_AFTER_IN_FLOW : QUOTE_AFTER_IN_BLOCK;
      if (starters.has(lastSignificant)) {
        i = skipQuoted(text, i, ch);
        lastSignificant = ch;
        continue;
      }
    }
    if (ch === '[' || ch === '{') {
      if (++flow > MAX_DEPTH) return tooDeep(i);
      if (++nodes > MAX_NODES) return tooMany(i);
    } else if ((ch === ']' || ch === '}') && flow > 0) {
      flow--;
    } else if ((ch === ',' || ch === ':') && flow > 0) {
      // An entry, or the value side of a pair: each is another node in the parser's tree.
      if (++nodes > MAX_NODES) return tooMany(i);
    }
    lastSignificant = ch;
  }
  return undefined;
}

/** Index of the closing quote (or the end of the text). */
function skipQuoted(text: string, start: number, quote: string): number {
  for (let i = start + 1; i < text.length; i++) {
    const ch = text[i];
    if (quote === '"' && ch === '\\') {
      i++;
    } else if (ch === quote) {
      if (quote === "'" && text[i + 1] === "'") {
        i++;
        continue;
      }
      return i;
    }
  }
  return text.length;
}
