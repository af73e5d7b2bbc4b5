import { describe, expect, it } from 'vitest';
import { type Fence, fences, missingOutput, slug, steps } from './transcripts.js';

const block = (text: string): Fence => {
  const [fence] = fences('x.md', text);
  if (!fence) throw new Error('no fence');
  return fence;
};

describe('console transcripts', () => {
  it('splits commands, here-document and backslash continuations, and shown output', () => {
    const fence = block(
      [
        '<!-- console-setup: mkdir a -->',
        '```console',
        "$ cat > f <<'EOF'",
        '> a: 1',
        '> EOF',
        '$ tool run \\',
        '    --flag',
        'line one',
        '',
        '$ server --port 9465 &',
        'listening',
        '```',
      ].join('\n'),
    );
    expect(fence.setup).toBe('mkdir a');
    expect(steps(fence)).toEqual([
      { command: "cat > f <<'EOF'\na: 1\nEOF", expected: [], background: false, line: 3 },
      { command: 'tool run \\\n    --flag', expected: ['line one'], background: false, line: 6 },
      { command: 'server --port 9465 &', expected: ['listening'], background: true, line: 10 },
    ]);
  });

  it('does not take `&&` for a background job', () => {
    expect(steps(block('```console\n$ a && b\n```'))[0]?.background).toBe(false);
  });

  it('reads fences indented inside list items', () => {
    expect(steps(block('1. x\n\n   ```console\n   $ tool\n   out\n   ```\n'))).toEqual([
      { command: 'tool', expected: ['out'], background: false, line: 4 },
    ]);
  });
});

describe('shown output', () => {
  const actual = 'warning: x\n+ create "A"\n    url: u\n\nPlan: 1 to create.\nApply complete: 1 applied.';

  it('accepts lines shown in order, with ... for any text or any lines', () => {
    expect(missingOutput(['+ create "A"', '...', 'Apply complete: ... applied.'], actual)).toBeUndefined();
    expect(missingOutput(['    url: u', '', 'Plan: 1 to create.'], actual)).toBeUndefined();
    expect(missingOutput([], actual)).toBeUndefined();
  });

  it('refuses a changed line, a reordered run and a gap that the transcript does not mark', () => {
    expect(missingOutput(['Plan: 2 to create.'], actual)).toBe('Plan: 2 to create.');
    expect(missingOutput(['Apply complete: 1 applied.', '...', '+ create "A"'], actual)).toBe('+ create "A"');
    expect(missingOutput(['+ create "A"', 'Plan: 1 to create.'], actual)).toBe(
      '+ create "A"\nPlan: 1 to create.',
    );
  });

  it('treats regular-expression characters literally', () => {
    expect(missingOutput(['url: .*'], 'url: u')).toBe('url: .*');
  });
});

describe('anchors', () => {
  it('follows GitHub: lower case, punctuation dropped, spaces to hyphens', () => {
    expect(slug('`export`: adopting an existing workspace')).toBe('export-adopting-an-existing-workspace');
    expect(slug('Where the docs are silent (our choices)')).toBe('where-the-docs-are-silent-our-choices');
  });
});
