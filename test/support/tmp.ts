import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const created: string[] = [];
let registered = false;

/**
 * Writes `files` (relative path -> content) into a fresh temp directory and returns its path.
 * Directories made here are removed when the test process exits.
 */
export function writeTree(files: Record<string, string | Buffer>, prefix = 'tws-'): string {
  if (!registered) {
    registered = true;
    // Not afterAll: writeTree may be called inside a test, where hooks cannot be registered.
    process.once('exit', () => {
      for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
    });
  }
  const root = mkdtempSync(join(tmpdir(), prefix));
  created.push(root);
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  return root;
}

/** Replaces or adds files in a directory made by `writeTree`. */
export function updateTree(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
}
