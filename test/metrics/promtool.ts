import { tool } from '../support/tools.js';

/** promtool (Debian package prometheus); tests using it skip loudly, or fail under TWS_REQUIRE_TOOLS=1. */
export const promtool = tool('promtool');

/** Runs `promtool check metrics` on an exposition. */
export async function checkMetrics(exposition: string): Promise<{ code: number; out: string }> {
  const { code, stdout, stderr } = await promtool.run(['check', 'metrics'], { input: exposition });
  return { code, out: `${stdout}${stderr}` };
}
