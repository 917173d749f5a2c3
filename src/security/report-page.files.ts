import { join } from 'node:path';
import { findRepoFolder, readStaticFile, StaticFile } from '../common/static-files';

export const REPORT_FILES = Symbol('REPORT_FILES');

/** The page's three files, read once at start-up: URL name → file. */
export function loadReportFiles(dir = findRepoFolder('report', 'index.html')): Map<string, StaticFile> {
  return new Map(['index.html', 'report.css', 'report.js'].map((name) => [name, readStaticFile(join(dir, name))]));
}
