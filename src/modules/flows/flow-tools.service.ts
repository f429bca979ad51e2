import { AppError } from '../../platform/errors.js';
import type { EventsService } from '../ingestion/events.service.js';
import { type FlowEvent, flowContextFor } from './context.js';
import type { FlowDefinition } from './definition.js';
import { type DryRunCatalogue, type DryRunReport, type ValidateClockifyRequest, dryRun } from './dry-run.js';
import { type CacheReader, cacheLookupFrom } from './flow-matcher.js';
import type { FlowsService, FlowView } from './flows.service.js';
import { instantiateTemplate, listFlowTemplates } from './library/index.js';
import { listCacheReferences } from './templates.js';

export type DryRunRequestBody = {
  /** An unsaved definition to test instead of the saved one. */
  definition?: Record<string, unknown> | undefined;
  /** A stored event to run against … */
  eventId?: string | undefined;
  /** … or a sample body, with the event type and source it would come with. */
  sample?: unknown;
  eventType?: string | undefined;
  source?: string | undefined;
};

/**
 * Dry runs and the template library, for the admin API. A dry run reads (the flow, a stored event,
 * cached entities) and renders, but calls nothing and stores nothing.
 */
export function createFlowToolsService(deps: {
  flows: Pick<FlowsService, 'get' | 'validate' | 'create' | 'validationOptions'>;
  events: Pick<EventsService, 'processedEvents'>;
  cache: CacheReader;
  catalogue: DryRunCatalogue;
  /** The API explorer's request validator for a workspace (wired in deps.ts; flows import nothing of it). */
  requestValidator?: (workspaceId: string) => ValidateClockifyRequest;
}) {
  return {
    async dryRun(workspaceId: string, flowId: string, body: DryRunRequestBody): Promise<DryRunReport> {
      const saved = await deps.flows.get(workspaceId, flowId);
      const definition: FlowDefinition =
        body.definition !== undefined
          ? await deps.flows.validate(workspaceId, body.definition)
          : saved.definition;
      let event: FlowEvent;
      if (body.eventId !== undefined) {
        const [found] = await deps.events.processedEvents(workspaceId, [body.eventId]);
        if (found === undefined)
          throw new AppError('NOT_FOUND', `No event ${body.eventId} in this workspace`);
        event = found;
      } else {
        const source = body.source ?? 'clockify';
        const exact = definition.trigger.events.find((e) => !e.endsWith('*'));
        event = {
          id: 'evt_dry_run',
          workspaceId,
          sourceKind: source === 'clockify' ? 'clockify' : 'custom',
          sourceId: source === 'clockify' ? null : source,
          eventType: body.eventType ?? exact ?? 'TEST',
          payload: body.sample ?? {},
          receivedAt: new Date(),
        };
      }
      const base = flowContextFor(event, { flow: { id: saved.id, version: saved.version } });
      const refs = listCacheReferences(definition, base);
      const context =
        refs.length === 0 ? base : { ...base, cache: cacheLookupFrom(await deps.cache(workspaceId, refs)) };
      return dryRun({
        definition,
        event,
        context,
        catalogue: deps.catalogue,
        ...(deps.requestValidator !== undefined
          ? { validateClockifyRequest: deps.requestValidator(workspaceId) }
          : {}),
      });
    },

    templates: () => listFlowTemplates(),

    /** Installs a template as a new flow (disabled), after validating its inputs and the definition. */
    async install(
      workspaceId: string,
      templateId: string,
      inputs: unknown,
      by: string | null,
    ): Promise<FlowView> {
      const r = instantiateTemplate(templateId, inputs, await deps.flows.validationOptions(workspaceId));
      if (!r.ok) {
        if (r.reason === 'unknown_template')
          throw new AppError('NOT_FOUND', `No flow template '${templateId}'`);
        const text = r.issues.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`)).join('; ');
        throw new AppError('INVALID_DEFINITION', `Cannot install the template: ${text}`.slice(0, 2_000), {
          details: { issues: r.issues.slice(0, 50) },
        });
      }
      return deps.flows.create(workspaceId, r.definition, by);
    },
  };
}
export type FlowToolsService = ReturnType<typeof createFlowToolsService>;
