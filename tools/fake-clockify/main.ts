/**
 * `npm run fake-clockify`: a fake Clockify on FAKE_CLOCKIFY_PORT (default 8090) with one demo workspace.
 * Tooling entry point, so it reads its settings from the environment directly.
 */
import { createFakeClockify } from './server.js';

const port = Number(process.env.FAKE_CLOCKIFY_PORT ?? 8090);
const token = process.env.FAKE_CLOCKIFY_TOKEN ?? 'demo-addon-token';
// The simulator's workspace (tools/simulator/simulate.ts), so `npm run simulate -- install` bootstraps from here.
const workspaceId = process.env.FAKE_CLOCKIFY_WORKSPACE ?? 'sim0workspace00000000001';

const fake = await createFakeClockify({
  port,
  host: '127.0.0.1',
  // The simulator's installation token is a JWT naming the workspace: accept it as the add-on token.
  acceptInstallationTokens: true,
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
