#!/usr/bin/env node
'use strict';
// The one `tether` program. The compiled host lives in dist/ (built by `npm install`/`npm run build`).
const { existsSync, mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const main = join(__dirname, '..', 'dist', 'apps', 'tether', 'src', 'main.js');
if (!existsSync(main)) {
  process.stderr.write('tether: not built yet; run `npm run build` in ' + join(__dirname, '..') + '\n');
  process.exit(1);
}
// TETHER_CPU_PROFILE=<dir>: write a V8 CPU profile of this process when it exits (what --cpu-prof does;
// node refuses --cpu-prof in NODE_OPTIONS, and the bench and tests start tether through this file).
const profileDir = process.env.TETHER_CPU_PROFILE;
if (profileDir) {
  const inspector = require('node:inspector');
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  process.on('exit', () => {
    session.post('Profiler.stop', (err, res) => {
      if (err) return;
      mkdirSync(profileDir, { recursive: true });
      const name = `tether-${process.argv[2] || 'main'}-${process.pid}.cpuprofile`;
      writeFileSync(join(profileDir, name), JSON.stringify(res.profile));
    });
  });
}
require(main);
