import { join } from 'node:path';
import { findRepoFolder, readStaticFile, StaticFile } from '../common/static-files';

export const DEMO_FILES = Symbol('DEMO_FILES');

/** The handful of files the demo page needs, read once at start-up: URL name → file (the browser client it imports is served at /sdk/). */
export function loadDemoFiles(dir = findRepoFolder('demo', 'index.html')): Map<string, StaticFile> {
  return new Map([
    ['index.html', readStaticFile(join(dir, 'index.html'))],
    ['demo.css', readStaticFile(join(dir, 'demo.css'))],
    ['demo.js', readStaticFile(join(dir, 'demo.js'))],
    // A classic script that defines the global `qrcode` (the authenticator-app QR code).
    ['qrcode.js', readStaticFile(require.resolve('qrcode-generator'))],
  ]);
}
