import picomatch from 'picomatch';

/**
 * Compiles `ignore` globs into one predicate on descriptions. `bash: true` makes `*` match `/` too:
 * descriptions are free text ("Zapier/CRM: new clients"), not paths. Matching is case-sensitive.
 */
export function compileIgnore(patterns: readonly string[]): (description: string) => boolean {
  if (patterns.length === 0) return () => false;
  const matchers = patterns.map((p) => picomatch(p, { bash: true, dot: true }));
  return (description) => matchers.some((m) => m(description));
}
