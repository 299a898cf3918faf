#!/usr/bin/env node
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureBuild, projectRoot } from '../scripts/ensure-build.mjs';

ensureBuild();
await import(pathToFileURL(path.join(projectRoot, 'dist', 'cli', 'main.js')).href);
