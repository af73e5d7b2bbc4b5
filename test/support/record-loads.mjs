// Preloaded with `node --import` by test/shipping/startup-loads.test.ts: records what a CLI run loads,
// one line per module, into the file named by TWS_RECORD_LOADS. `file:` lines are the ES modules, seen
// by a module loader hook; `script:` lines the program's scripts (dist/*.cjs), seen where
// src/boot/scripts.ts compiles them (node:vm's Script); `builtin:` lines are Node's own modules, read from
// process.moduleLoadList at exit (a hook does not see those: the bundle reaches them by require());
// `intl-list-formats:` counts the Intl.ListFormat objects built.
import { appendFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';

const out = process.env.TWS_RECORD_LOADS;

/** The loader hook: in this thread with registerHooks (Node >= 22.15), on the loader's thread on Node 20. */
export function load(url, context, nextLoad) {
  if (out && url.startsWith('file:')) appendFileSync(out, `${url}\n`);
  return nextLoad(url, context);
}

if (isMainThread && out) {
  if (nodeModule.registerHooks) nodeModule.registerHooks({ load });
  else nodeModule.register(import.meta.url);
  const vm = nodeModule.createRequire(import.meta.url)('node:vm');
  const { Script } = vm;
  vm.Script = class extends Script {
    constructor(code, options) {
      if (options?.filename) appendFileSync(out, `script:${pathToFileURL(options.filename).href}\n`);
      super(code, options);
    }
  };
  // Intl formatters are costly to build (ICU data): count the ListFormats the run constructs.
  const { ListFormat } = Intl;
  let listFormats = 0;
  Intl.ListFormat = class extends ListFormat {
    constructor(...args) {
      super(...args);
      listFormats++;
    }
  };
  process.on('exit', () => {
    const builtins = process.moduleLoadList
      .filter((m) => m.startsWith('NativeModule '))
      .map((m) => `builtin:${m.slice('NativeModule '.length)}\n`);
    appendFileSync(out, `${builtins.join('')}intl-list-formats:${listFormats}\n`);
  });
}
