// Runs the real daemon (runDaemon: loader, client, reconcile, metrics, probe server, watcher) in this
// process, forked by bench/memory.mjs with --expose-gc, and answers memory samples over IPC.
const { runDaemon } = await import(new URL('../.tmp/lib/commands/daemon.js', import.meta.url).href);

const [dir, port] = process.argv.slice(2);

process.on('message', (msg) => {
  if (msg === 'sample') {
    // Twice: the first full collection can leave garbage that only a second one frees (weak refs).
    global.gc?.();
    global.gc?.();
    const cpu = process.cpuUsage();
    process.send?.({ sample: { ...process.memoryUsage(), cpuSeconds: (cpu.user + cpu.system) / 1e6 } });
  } else if (msg === 'stop') {
    process.kill(process.pid, 'SIGTERM');
  }
});

const code = await runDaemon({
  paths: [dir],
  // As short as the loop allows: each cycle is a complete reconcile (load, list, plan, metrics, logs).
  intervalMs: 1,
  listen: { host: '127.0.0.1', port: Number(port) },
  dryRun: false,
  allowMassDelete: false,
  logLevel: 'info',
  watch: true,
});
process.send?.({ exited: code });
process.disconnect?.();
