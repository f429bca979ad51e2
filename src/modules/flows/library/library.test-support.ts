/**
 * Test support for dry runs and the template library: the real Clockify catalogue, the API explorer's
 * validator adapted as the flows routes adapt it, and helpers to validate and dry-run a definition.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Catalogue, loadCatalogue } from '../../../integrations/clockify/catalogue.js';
import { createInputValidator } from '../../explorer/validate-input.js';
import { type FlowContext, type FlowEvent, flowContextFor } from '../context.js';
import type { FlowDefinition } from '../definition.js';
import {
  type DryRunInput,
  type DryRunReport,
  type ValidateClockifyRequest,
  dryRun,
  explorerRequestValidator,
} from '../dry-run.js';
import { validateFlowDefinition } from '../validate.js';

export const WORKSPACE_ID = '5f11791a4e759e12c40733ba';

export const realCatalogue = (): Promise<Catalogue> => loadCatalogue();

/** The explorer's ajv validator for one workspace, as the flows routes plug it into `dryRun`. */
export const clockifyValidator = (
  catalogue: Catalogue,
  workspaceId = WORKSPACE_ID,
): ValidateClockifyRequest => explorerRequestValidator(catalogue, createInputValidator(), workspaceId);

const SAMPLES = fileURLToPath(
  new URL('../../../../test/fixtures/clockify/webhook-samples/', import.meta.url),
);

/** A Clockify webhook sample body (test/fixtures/clockify/webhook-samples). */
export const clockifySample = (eventType: string): Record<string, unknown> =>
  JSON.parse(readFileSync(`${SAMPLES}${eventType}.json`, 'utf8')) as Record<string, unknown>;

export function eventOf(eventType: string, payload: unknown, overrides: Partial<FlowEvent> = {}): FlowEvent {
  return {
    id: 'evt_dry',
    workspaceId: WORKSPACE_ID,
    sourceKind: 'clockify',
    sourceId: null,
    eventType,
    payload,
    receivedAt: new Date('2024-05-01T12:00:00.000Z'),
    ...overrides,
  };
}

/** Validates with the real catalogue and fails the test with the issues when invalid. */
export function mustValidate(catalogue: Catalogue, input: unknown): FlowDefinition {
  const r = validateFlowDefinition(input, { catalogue });
  if (!r.ok)
    throw new Error(`invalid definition:\n${r.issues.map((i) => `${i.path}: ${i.message}`).join('\n')}`);
  return r.definition;
}

export function runDry(
  catalogue: Catalogue,
  definition: FlowDefinition,
  event: FlowEvent,
  extras: { context?: Partial<FlowContext> } & Partial<Omit<DryRunInput, 'context'>> = {},
): DryRunReport {
  const { context, ...rest } = extras;
  return dryRun({
    definition,
    event,
    context: { ...flowContextFor(event), ...context },
    catalogue,
    validateClockifyRequest: clockifyValidator(catalogue, event.workspaceId),
    ...rest,
  });
}
