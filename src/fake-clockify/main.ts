/**
 * `npm run fake-clockify`: a fake Clockify on FAKE_CLOCKIFY_PORT (default 8090) with one demo workspace.
 * Tooling entry point, so it reads its two settings from the environment directly.
 */
import { fakeId } from './data.js';
import { createFakeClockify } from './server.js';

const port = Number(process.env.FAKE_CLOCKIFY_PORT ?? 8090);
const token = process.env.FAKE_CLOCKIFY_TOKEN ?? 'demo-addon-token';
const workspaceId = fakeId('workspace', 'Demo workspace');

const fake = await createFakeClockify({
  port,
  host: '127.0.0.1',
  workspaces: [
    {
      id: workspaceId,
      name: 'Demo workspace',
      tokens: [token],
      counts: { projects: 120, timeEntriesPerUser: 200 },
    },
  ],
});

console.log(`fake Clockify listening on ${fake.url}
  apiUrl (backendUrl): ${fake.apiUrl}
  reportsUrl:          ${fake.reportsUrl}
  workspaceId:         ${workspaceId}
  X-Addon-Token:       ${token}
  try: curl -H 'X-Addon-Token: ${token}' '${fake.apiUrl}/v1/workspaces/${workspaceId}/projects?page=1&page-size=5' -i
  faults: curl -X POST -H 'content-type: application/json' -d '{"operationId":"getProjects","status":503,"times":2}' ${fake.url}/__fake/faults`);

const stop = () => void fake.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
