import { openApiDocument } from '../src/openapi-document.js';
import { checkOrWrite } from './lib/check-or-write.js';

checkOrWrite([{ path: 'openapi/openapi.json', content: await openApiDocument() }]);
