/**
 * Bounds on what the loader accepts. A real subscriptions file is a few kilobytes; these limits sit far
 * above that and far below what would make the YAML parser slow (it costs about 1 µs per byte, and some
 * shapes cost much more), so hostile input is refused in well under a second.
 */

/** Files over 1 MiB are refused, before they are read (docs/limits-and-budgets.md#input-files). */
export const MAX_FILE_BYTES = 1024 * 1024;

/** A 1 MiB file of real subscriptions has about 23,000 lines; millions of blank lines only cost time. */
export const MAX_LINES = 50_000;

/** The format nests five levels deep; anything past this is an attack on the parser's recursion. */
export const MAX_DEPTH = 32;

/**
 * Structural nodes (collections, entries, block lines) the pre-scan counts in one file before the
 * parser runs. The parser's tree costs about 1.5 KiB per node, so a 1 MiB file of `[[[…]]]` or
 * `[a,a,a,…]` within the depth limit would still take it to 500–800 MB; this budget keeps one file's
 * parse under about 200 MB. A 1 MiB file of real subscriptions counts about 65,000. See
 * docs/limits-and-budgets.md.
 */
export const MAX_NODES = 100_000;

/**
 * Aliases are legitimate YAML (one list of filters shared by several subscriptions), but each alias
 * stands for its whole target, so a few kilobytes can stand for billions of values ("billion laughs").
 * The loader counts the values a document stands for, aliases expanded, and refuses more than this;
 * a 1 MiB file of real subscriptions has about 50,000.
 */
export const MAX_EXPANDED_VALUES = 200_000;

/** Problems shown per file: past this, a file is junk or the wrong file, and a screenful says so. */
export const MAX_ISSUES_PER_FILE = 50;
