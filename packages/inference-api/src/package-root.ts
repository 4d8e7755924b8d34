import { join } from 'node:path';

/** The package folder: this file sits in src/ (tests) or dist/ (built), one level below it. */
export const PACKAGE_ROOT: string = join(__dirname, '..');
