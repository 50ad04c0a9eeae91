#!/usr/bin/env node
// The build's last step: load and validate every lab, and write dist/catalogue.json for `lab list`.
// A malformed lab is reported with every problem named, and no catalogue is written (so `lab list` loads the
// labs itself and shows the problem); the test suite fails on it.
import { rmSync } from 'node:fs';

// The catalogue describes the project's labs/, never a fixture directory a test points LAB_LABS_DIR at.
delete process.env.LAB_LABS_DIR;
// The compiled module, named through a variable so that the type check reads its source instead.
const compiled = '../dist/src/lab/catalogue.js';
/** @type {typeof import('../src/lab/catalogue.js')} */
const { catalogueFile, writeCatalogue } = await import(compiled);

try {
  const count = await writeCatalogue();
  console.log(`catalogue: ${count} labs validated, dist/catalogue.json written`);
} catch (error) {
  rmSync(catalogueFile(), { force: true });
  // A LabError (a lab that does not validate) in one line; anything else as it is.
  const labError = /** @type {Partial<import('../src/common/errors.js').LabError> | null | undefined} */ (error);
  console.error(labError?.meaning?.en ? `catalogue: not written: ${labError.operation}: ${labError.meaning.en}` : error);
}
