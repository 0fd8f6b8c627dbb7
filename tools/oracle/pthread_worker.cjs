// pthread_worker.cjs hosts one pthread of LiteRT.js's threaded WebAssembly
// build in a Node worker thread. The emscripten glue starts its pthreads
// from its own script, but @litertjs/core is an ES-module package, so Node
// would parse that script as an ES module; this CommonJS file evaluates the
// glue as CommonJS instead. run.mjs points the glue here
// (Module.mainScriptUrlOrBlob).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');

const glue = path.join(path.dirname(require.resolve('@litertjs/core')), '..', 'wasm', 'litert_wasm_threaded_internal.js');
const mod = { exports: {} };
const fn = new Function('module', 'exports', 'require', '__filename', '__dirname', fs.readFileSync(glue, 'utf8'));
fn(mod, mod.exports, createRequire(glue), glue, path.dirname(glue));
