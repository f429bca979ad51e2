import { manifestFiles } from '../src/modules/manifest/manifest-files.js';
import { checkOrWrite } from './lib/check-or-write.js';

checkOrWrite(manifestFiles());
