#!/usr/bin/env node
// run.mjs runs .tflite models in the real TFLite runtime, compiled to
// WebAssembly, under Node: LiteRT.js (@litertjs/core, the default) or
// tfjs-tflite (@tensorflow/tfjs-tflite). It is fp16tool's numeric oracle.
//
// One job:
//   node run.mjs --model M.tflite --input a.npy [--input b.npy ...] --out DIR
//                [--runtime litert|tfjs] [--threads N] [--warmup N] [--runs N]
// Many jobs in one process (no Node start-up per job):
//   node run.mjs --jobs jobs.json
//   jobs.json: {"jobs": [{"model": "...", "inputs": ["a.npy"], "out": "DIR",
//               "runtime": "litert", "threads": 1, "warmup": 0, "runs": 1}]}
// A job without inputs only reports the model's input and output tensors.
//
// Each job writes DIR/output_<i>.npy (one per model output, in the model's
// output order) and DIR/result.json: runtime, build, threads, xnnpack,
// inputs and outputs (name, dtype, shape, file), initMs (load + compile),
// latenciesMs (one per timed run), and error (a string) when the job
// failed. Every run uses the same inputs; outputs are those of the last run.
// The process exits 1 when any job failed, after all jobs have run.
//
// Nothing is downloaded: the .wasm files are read from node_modules.

import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';

// LiteRT.js's threaded build uses relaxed SIMD, which Node 20's V8 has
// behind a flag (on by default in later versions). The flag must be set
// before any WebAssembly is compiled; the single-threaded build in use by
// default does not need it.
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

// ---------------------------------------------------------------- .npy

// npy dtype descriptors the runner reads and writes, by dtype name.
const NPY = {
  float32: { descr: '<f4', array: Float32Array },
  float16: { descr: '<f2', array: Uint16Array },
  float64: { descr: '<f8', array: Float64Array },
  int8: { descr: '|i1', array: Int8Array },
  uint8: { descr: '|u1', array: Uint8Array },
  bool: { descr: '|b1', array: Uint8Array },
  int16: { descr: '<i2', array: Int16Array },
  uint16: { descr: '<u2', array: Uint16Array },
  int32: { descr: '<i4', array: Int32Array },
  uint32: { descr: '<u4', array: Uint32Array },
  int64: { descr: '<i8', array: BigInt64Array },
};
const DESCR = Object.fromEntries(Object.entries(NPY).map(([k, v]) => [v.descr, k]));

// readNpy returns {dtype, shape, data} (data a TypedArray) from a .npy file.
function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY') {
    throw new Error(`${file}: not a .npy file`);
  }
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', hstart, hstart + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) {
    throw new Error(`${file}: bad .npy header ${JSON.stringify(header)}`);
  }
  if (fortran === 'True') throw new Error(`${file}: Fortran-order arrays are not supported`);
  const dtype = DESCR[descr === '<f2' ? '<f2' : descr.replace('=', '<')];
  if (!dtype) throw new Error(`${file}: unsupported .npy dtype ${descr}`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = hstart + hlen;
  const T = NPY[dtype].array;
  const bytes = count * T.BYTES_PER_ELEMENT;
  if (buf.length - start !== bytes) {
    throw new Error(`${file}: ${dtype}${JSON.stringify(shape)} needs ${bytes} data bytes, file has ${buf.length - start}`);
  }
  const ab = new ArrayBuffer(bytes);
  new Uint8Array(ab).set(buf.subarray(start, start + bytes));
  return { dtype, shape, data: new T(ab) };
}

// writeNpy writes data (a TypedArray) of dtype and shape as a version 1 .npy.
function writeNpy(file, dtype, shape, data) {
  const spec = NPY[dtype];
  if (!spec) throw new Error(`${file}: cannot write dtype ${dtype}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${spec.descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'), body]));
}

// ---------------------------------------------------------------- LiteRT.js

// LiteRT.js's loader expects a browser or a worker: it evaluates the
// emscripten glue with importScripts and then reads self.ModuleFactory. Under
// Node, self is globalThis and importScripts evaluates the glue as CommonJS
// (the package is "type": "module", so a plain require would parse it as an
// ES module), with __dirname set so the glue reads its .wasm from disk.
function installWorkerShim() {
  if (globalThis.self === undefined) globalThis.self = globalThis;
  globalThis.importScripts = (file) => {
    const filename = file.startsWith('file:') ? fileURLToPath(file) : file;
    const src = fs.readFileSync(filename, 'utf8');
    const mod = { exports: {} };
    const fn = new Function('module', 'exports', 'require', '__filename', '__dirname', src);
    fn(mod, mod.exports, createRequire(filename), filename, path.dirname(filename));
    globalThis.ModuleFactory = mod.exports;
  };
}

const litertDir = path.join(path.dirname(require.resolve('@litertjs/core')), '..', 'wasm');
let litert = null; // {lib, build}

// The LiteRT.js builds: the single-threaded relaxed-SIMD build, and the
// pthreads build for more than one thread.
function litertBuild(threads) {
  return threads > 1 ? 'litert_wasm_threaded_internal.js' : 'litert_wasm_compat_internal.js';
}

async function loadLitert(threads) {
  const build = litertBuild(threads);
  if (litert && litert.build === build && (threads === 1 || litert.pool >= threads)) return litert;
  const lib = await import('@litertjs/core');
  if (litert) lib.unloadLiteRt();
  installWorkerShim();
  if (threads > 1) {
    // The threaded build sizes its worker pool from
    // navigator.hardwareConcurrency and starts each worker from
    // mainScriptUrlOrBlob (see pthread_worker.cjs).
    setConcurrency(threads);
    globalThis.Module = { mainScriptUrlOrBlob: path.join(here, 'pthread_worker.cjs') };
  }
  await lib.loadLiteRt(path.join(litertDir, build));
  litert = { lib, build, pool: threads };
  return litert;
}

// setConcurrency makes navigator.hardwareConcurrency report n (Node 20 has
// no navigator; later versions have a read-only one).
function setConcurrency(n) {
  const nav = globalThis.navigator ?? {};
  Object.defineProperty(nav, 'hardwareConcurrency', { value: n, configurable: true });
  if (globalThis.navigator !== nav) {
    Object.defineProperty(globalThis, 'navigator', { value: nav, configurable: true, writable: true });
  }
}

// LiteRT element types (litert::ElementType) the runner exchanges, by
// number, with the dtype names used in .npy files and result.json.
const LITERT_TYPES = {
  1: 'float32', 2: 'int32', 3: 'uint8', 4: 'int64', 6: 'bool', 7: 'int16',
  9: 'int8', 10: 'float16', 11: 'float64', 16: 'uint32', 17: 'uint16',
};
const ELEMENT_TYPE_NAMES = {
  0: 'NONE', 5: 'STRING', 8: 'COMPLEX64', 12: 'COMPLEX128', 13: 'UINT64',
  14: 'RESOURCE', 15: 'VARIANT', 18: 'INT4', 19: 'BFLOAT16',
};

function vecToArray(v) {
  const out = [];
  try {
    for (let i = 0; i < v.size(); i++) out.push(v.get(i));
  } finally {
    v.delete();
  }
  return out;
}

// tensorTypeInfo describes a litert::RankedTensorType (and deletes it).
function tensorTypeInfo(name, tt) {
  try {
    const et = tt.elementType().value;
    const dtype = LITERT_TYPES[et];
    if (!dtype) throw new Error(`tensor ${name} has element type ${ELEMENT_TYPE_NAMES[et] ?? et}, which the runner cannot exchange`);
    const layout = tt.layout();
    const shape = vecToArray(layout.dimensions());
    layout.delete();
    return { name, dtype, shape, bytes: tt.bytes() };
  } finally {
    tt.delete();
  }
}

// runLitert runs a job in LiteRT.js through its Wasm bindings
// (loadModel, compileModel, TensorBuffer) rather than its Tensor class,
// whose JS side only accepts float32, int32 and uint8: the runtime itself
// takes any fixed-size element type, so int8, int16, float16, bool, ...
// inputs and outputs work too.
async function runLitert(job, inputs) {
  const { lib, build } = await loadLitert(job.threads);
  const liteRt = lib.getGlobalLiteRt();
  const wasm = liteRt.liteRtWasm;
  const env = liteRt.getDefaultEnvironment();
  const t0 = performance.now();
  const bytes = fs.readFileSync(job.model);
  const modelPtr = wasm._malloc(bytes.length);
  const toDelete = [];
  try {
    wasm.HEAPU8.set(bytes, modelPtr);
    let model, compiled;
    try {
      model = wasm.loadModel(env.liteRtEnvironment, modelPtr, bytes.length);
      toDelete.push(model);
      compiled = await wasm.compileModel(env.liteRtEnvironment, model, {
        environment: env,
        accelerator: 'wasm',
        cpuOptions: { numThreads: job.threads },
        gpuOptions: {},
        webNNOptions: {},
      });
      toDelete.push(compiled);
    } catch (e) {
      throw new Error(`LiteRT.js: ${e?.message ?? e}`);
    }
    const initMs = performance.now() - t0;
    const sig = model.getSignature(0);
    toDelete.push(sig);
    const inNames = vecToArray(sig.inputNames());
    const outNames = vecToArray(sig.outputNames());
    const ins = inNames.map((n, i) => tensorTypeInfo(n, model.getInputTensorType(0, i)));
    const outs = outNames.map((n, i) => tensorTypeInfo(n, model.getOutputTensorType(0, i)));
    const res = {
      build,
      xnnpack: true, // LiteRT.js's 'wasm' accelerator is the XNNPACK CPU path; its API has no switch.
      initMs,
      inputs: ins.map(({ name, dtype, shape }) => ({ name, dtype, shape })),
      outputs: outs.map(({ name, dtype, shape }) => ({ name, dtype, shape })),
      latenciesMs: [],
    };
    if (!inputs) return res;
    checkInputs(job, res.inputs, inputs);
    const buffers = inputs.map((x, i) => {
      const tt = model.getInputTensorType(0, i);
      let buf;
      try {
        buf = wasm.LiteRtTensorBuffer.createManaged(env.liteRtEnvironment, wasm.LiteRtTensorBufferType.HOST_MEMORY, tt, ins[i].bytes);
      } finally {
        tt.delete();
      }
      toDelete.push(buf);
      const ptr = buf.lock(wasm.LiteRtTensorBufferLockMode.WRITE);
      try {
        wasm.HEAPU8.set(new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength), ptr);
      } finally {
        buf.unlock();
      }
      return buf;
    });
    let outBufs = [];
    try {
      for (let r = 0; r < job.warmup + job.runs; r++) {
        for (const b of outBufs) b.delete();
        outBufs = [];
        const s = performance.now();
        outBufs = await compiled.run(0, buffers);
        const ms = performance.now() - s;
        if (r >= job.warmup) res.latenciesMs.push(ms);
      }
      res.data = outBufs.map((b, k) => {
        const ptr = b.lock(wasm.LiteRtTensorBufferLockMode.READ);
        try {
          const copy = wasm.HEAPU8.slice(ptr, ptr + outs[k].bytes);
          return new NPY[outs[k].dtype].array(copy.buffer);
        } finally {
          b.unlock();
        }
      });
    } finally {
      for (const b of outBufs) b.delete();
    }
    return res;
  } finally {
    for (const o of toDelete.reverse()) o.delete();
    wasm._free(modelPtr);
  }
}

// ---------------------------------------------------------------- tfjs-tflite

const tfjsDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-tflite/package.json')), 'wasm');
let tfjsModule = null;
let tfjsErrors = []; // the runtime's ERROR lines since the last job began

// tfjs-tflite's client only loads in a browser; its emscripten module is
// used directly instead, with the .wasm bytes handed over so that nothing is
// fetched. Only the single-threaded SIMD build works under Node.
async function loadTfjs(threads) {
  if (threads > 1) {
    throw new Error(`tfjs-tflite: ${threads} threads asked, but its threaded build needs browser workers; use --threads 1`);
  }
  if (tfjsModule) return tfjsModule;
  const glue = path.join(tfjsDir, 'tflite_web_api_cc_simd.js');
  const factory = createRequire(glue)(glue);
  // The glue takes itself for a web worker when importScripts exists (the
  // LiteRT.js shim defines it); hide it while the module starts.
  const shim = globalThis.importScripts;
  delete globalThis.importScripts;
  try {
    tfjsModule = await factory({
      wasmBinary: fs.readFileSync(path.join(tfjsDir, 'tflite_web_api_cc_simd.wasm')),
      locateFile: (f) => path.join(tfjsDir, f),
      print: () => {},
      printErr: (s) => {
        process.stderr.write(`tfjs-tflite: ${s}\n`);
        if (s.startsWith('ERROR: ') && !tfjsErrors.includes(s.slice(7))) tfjsErrors.push(s.slice(7));
      },
    });
  } finally {
    if (shim) globalThis.importScripts = shim;
  }
  return tfjsModule;
}

function vec(v) {
  const out = [];
  try {
    for (let i = 0; i < v.size(); i++) out.push(v.get(i));
  } finally {
    v.delete();
  }
  return out;
}

function tfjsDetails(list) {
  return list.map((t) => ({
    name: t.name,
    dtype: t.dataType,
    shape: t.shape === '' ? [] : t.shape.split(',').map(Number),
  }));
}

async function runTfjs(job, inputs) {
  const m = await loadTfjs(job.threads);
  tfjsErrors = [];
  const t0 = performance.now();
  const bytes = fs.readFileSync(job.model);
  const ptr = m._malloc(bytes.length);
  m.HEAPU8.set(bytes, ptr);
  let runner;
  try {
    const st = m.TFLiteWebModelRunner.CreateFromBufferAndOptions(ptr, bytes.length, {
      numThreads: job.threads,
      enableProfiling: false,
      maxProfilingBufferEntries: 1024,
    });
    try {
      if (!st.ok()) throw new Error(`tfjs-tflite: ${[st.errorMessage(), ...tfjsErrors].join('; ')}`);
      runner = st.value();
    } finally {
      st.delete();
    }
  } catch (e) {
    m._free(ptr);
    throw e;
  }
  const initMs = performance.now() - t0;
  try {
    const ins = vec(runner.GetInputs());
    const outsInfo = vec(runner.GetOutputs());
    const res = {
      build: 'tflite_web_api_cc_simd.js',
      xnnpack: true, // tfjs-tflite's model runner applies XNNPACK by default.
      initMs,
      inputs: tfjsDetails(ins),
      outputs: tfjsDetails(outsInfo),
      latenciesMs: [],
    };
    if (!inputs) return res;
    checkInputs(job, res.inputs, inputs);
    ins.forEach((t, i) => t.data().set(inputs[i].data));
    for (let r = 0; r < job.warmup + job.runs; r++) {
      const s = performance.now();
      if (!runner.Infer()) throw new Error(`tfjs-tflite: Infer failed; ${tfjsErrors.join('; ')}`);
      const ms = performance.now() - s;
      if (r >= job.warmup) res.latenciesMs.push(ms);
    }
    res.data = outsInfo.map((t) => t.data().slice());
    return res;
  } finally {
    runner.delete();
    m._free(ptr);
  }
}

// ---------------------------------------------------------------- jobs

function checkInputs(job, want, inputs) {
  if (inputs.length !== want.length) {
    throw new Error(`model has ${want.length} inputs, ${inputs.length} given`);
  }
  want.forEach((w, i) => {
    const x = inputs[i];
    if (x.dtype !== w.dtype) {
      throw new Error(`${job.inputs[i]}: input ${i} (${w.name}) is ${w.dtype}, file holds ${x.dtype}`);
    }
    const n = w.shape.reduce((a, b) => a * b, 1);
    if (x.data.length !== n) {
      throw new Error(`${job.inputs[i]}: input ${i} (${w.name}) has shape [${w.shape}], file has [${x.shape}]`);
    }
  });
}

function normalize(job, i) {
  if (!job || typeof job.model !== 'string') throw new Error(`job ${i}: "model" (a path) is required`);
  const j = {
    model: job.model,
    inputs: job.inputs ?? null,
    out: job.out ?? null,
    runtime: job.runtime ?? 'litert',
    threads: job.threads ?? 1,
    warmup: job.warmup ?? 0,
    runs: job.runs ?? 1,
  };
  if (!['litert', 'tfjs'].includes(j.runtime)) throw new Error(`job ${i}: runtime ${j.runtime}: want litert or tfjs`);
  for (const k of ['threads', 'runs']) {
    if (!Number.isInteger(j[k]) || j[k] < 1) throw new Error(`job ${i}: ${k} ${j[k]}: want an integer >= 1`);
  }
  if (!Number.isInteger(j.warmup) || j.warmup < 0) throw new Error(`job ${i}: warmup ${j.warmup}: want an integer >= 0`);
  if (!j.out) throw new Error(`job ${i}: "out" (a folder) is required`);
  return j;
}

async function runJob(raw, i) {
  const result = { model: raw?.model ?? null, runtime: raw?.runtime ?? 'litert', threads: raw?.threads ?? 1 };
  let job;
  try {
    job = normalize(raw, i);
    fs.mkdirSync(job.out, { recursive: true });
    const inputs = job.inputs ? job.inputs.map(readNpy) : null;
    const res = job.runtime === 'tfjs' ? await runTfjs(job, inputs) : await runLitert(job, inputs);
    Object.assign(result, {
      build: res.build,
      xnnpack: res.xnnpack,
      inputs: res.inputs,
      outputs: res.outputs,
      initMs: res.initMs,
      latenciesMs: res.latenciesMs,
    });
    if (res.data) {
      res.data.forEach((d, k) => {
        const o = res.outputs[k];
        o.file = `output_${k}.npy`;
        writeNpy(path.join(job.out, o.file), o.dtype, o.shape, d);
      });
    }
  } catch (e) {
    result.error = String(e?.message ?? e);
  }
  if (job?.out) fs.writeFileSync(path.join(job.out, 'result.json'), JSON.stringify(result, null, 1) + '\n');
  return result;
}

function usage() {
  return `usage: node run.mjs --model M.tflite [--input X.npy ...] --out DIR
                   [--runtime litert|tfjs] [--threads N] [--warmup N] [--runs N]
       node run.mjs --jobs JOBS.json
(${os.availableParallelism()} CPUs here)`;
}

function parseArgs(argv) {
  const job = { inputs: [] };
  let jobsFile = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value\n${usage()}`);
      return argv[++i];
    };
    const int = () => {
      const v = val();
      if (!/^\d+$/.test(v)) throw new Error(`${a} ${v}: want a whole number`);
      return Number(v);
    };
    switch (a) {
      case '--model': job.model = val(); break;
      case '--input': job.inputs.push(val()); break;
      case '--out': job.out = val(); break;
      case '--runtime': job.runtime = val(); break;
      case '--threads': job.threads = int(); break;
      case '--warmup': job.warmup = int(); break;
      case '--runs': job.runs = int(); break;
      case '--jobs': jobsFile = val(); break;
      case '-h': case '--help': console.log(usage()); process.exit(0); break;
      default: throw new Error(`unknown argument ${a}\n${usage()}`);
    }
  }
  if (jobsFile) {
    const spec = JSON.parse(fs.readFileSync(jobsFile, 'utf8'));
    if (!Array.isArray(spec.jobs)) throw new Error(`${jobsFile}: want {"jobs": [...]}`);
    return spec.jobs;
  }
  if (!job.model) throw new Error(`--model is required\n${usage()}`);
  if (job.inputs.length === 0) job.inputs = null;
  return [job];
}

async function main() {
  let jobs;
  try {
    jobs = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`run.mjs: ${e.message}`);
    process.exit(2);
  }
  let failed = 0;
  for (let i = 0; i < jobs.length; i++) {
    const r = await runJob(jobs[i], i);
    if (r.error) {
      failed++;
      console.error(`run.mjs: job ${i}: ${r.error}`);
    }
  }
  console.log(JSON.stringify({ jobs: jobs.length, failed }));
  // LiteRT.js's threaded build keeps worker threads alive; exit explicitly.
  process.exit(failed ? 1 : 0);
}

main();
