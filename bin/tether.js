#!/usr/bin/env node
'use strict';
// The one `tether` program. The compiled host lives in dist/ (built by `npm install`/`npm run build`).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const main = join(__dirname, '..', 'dist', 'apps', 'tether', 'src', 'main.js');
if (!existsSync(main)) {
  process.stderr.write('tether: not built yet; run `npm run build` in ' + join(__dirname, '..') + '\n');
  process.exit(1);
}
require(main);
