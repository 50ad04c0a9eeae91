#!/usr/bin/env node
// The build's last step: load and validate every lab, and write dist/catalogue.json for `lab list`.
// A malformed lab is reported with every problem named, and no catalogue is written (so `lab list` loads the
// labs itself and shows the problem); the test suite fails on it.
import { rmSync } from 'node:fs';

// The catalogue describes the project's labs/, never a fixture directory a test points LAB_LABS_DIR at.
delete process.env.LAB_LABS_DIR;
const { catalogueFile, writeCatalogue } = await import('../dist/src/lab/catalogue.js');

try {
  const count = await writeCatalogue();
  console.log(`catalogue: ${count} labs validated, dist/catalogue.json written`);
} catch (error) {
  rmSync(catalogueFile(), { force: true });
  console.error(error?.meaning?.en ? `catalogue: not written: ${error.operation}: ${error.meaning.en}` : error);
}
