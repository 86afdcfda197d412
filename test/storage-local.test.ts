import fs from 'node:fs';
import path from 'node:path';
import { LocalStore } from '../src/storage/local.js';
import { storageConformance } from './helpers/storage-conformance.js';
import { tempDir } from './helpers/tree.js';

storageConformance('local', async () => {
  const dir = tempDir('pf-local-store-');
  return {
    store: new LocalStore(path.join(dir, 'container')),
    cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});
