import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureBuild, ensureWebBuild, projectRoot } from './ensure-build.mjs';

ensureBuild();
ensureWebBuild();
await import(pathToFileURL(path.join(projectRoot, 'dist', 'main.js')).href);
