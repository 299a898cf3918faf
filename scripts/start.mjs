import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureBuild, projectRoot } from './ensure-build.mjs';

ensureBuild();
await import(pathToFileURL(path.join(projectRoot, 'dist', 'main.js')).href);
