import { spawn } from 'node:child_process';

/** Runs `promtool check metrics` on the exposition; a missing promtool fails (CI installs it). */
export function promtool(exposition: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (err) =>
      reject(new Error(`promtool is required (Debian package prometheus): ${err.message}`)),
    );
    child.on('close', (code) => resolve({ code, out }));
    child.stdin.end(exposition);
  });
}
