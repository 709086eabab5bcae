#!/usr/bin/env node
// The command line's entry (dist-cli/main.cjs): it runs the bundle (cli.cjs) from V8's code cache
// written at build time (cli.cjs.cache), so a command skips compiling 400 KB of JavaScript and
// the functions its first run compiled: about 20 ms of the 150 ms a trivial command took (README,
// "Start-up"). Node 20 has no compile cache of its own (module.enableCompileCache is Node 22).
// A cache from another Node or V8 is refused by V8 itself, and the bundle is then compiled as usual.
'use strict';
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { join } = require('node:path');
const { Script } = require('node:vm');

const file = join(__dirname, 'cli.cjs');
const cacheFile = `${file}.cache`;
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  // no cache (a build that was interrupted): compiled as usual
}
// the sources' own #! line is kept by esbuild; inside the wrapper it would not parse
const source = readFileSync(file, 'utf8').replace(/^#!.*/, '');
const script = new Script(Module.wrap(source), { filename: file, cachedData });
if (process.env.ILX_WRITE_CODE_CACHE === '1') {
  // the build's one warm-up run: the cache then also holds every function that run compiled
  process.on('exit', () => {
    writeFileSync(`${cacheFile}.tmp`, script.createCachedData());
    renameSync(`${cacheFile}.tmp`, cacheFile);
  });
}
script.runInThisContext()(module.exports, Module.createRequire(file), module, file, __dirname);
