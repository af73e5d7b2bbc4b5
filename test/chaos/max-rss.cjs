// Preloaded into the built CLI by the hostile chaos suite: writes the process's peak resident set
// (kilobytes, from the kernel's own accounting) to TWS_MAX_RSS_FILE when it exits.
const { writeFileSync } = require('node:fs');
const out = process.env.TWS_MAX_RSS_FILE;
if (out) process.on('exit', () => writeFileSync(out, String(process.resourceUsage().maxRSS)));
