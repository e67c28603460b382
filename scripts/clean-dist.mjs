// Removes dist/ before the build that `npm pack` and `npm publish` run (prepack): tsc never
// deletes what it emitted for a source since removed, and such a file would ship in the package.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

rmSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'dist'), {
  recursive: true,
  force: true,
});
