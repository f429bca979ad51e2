import type { Clock } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';
import { newSortableId } from '../../platform/ids.js';
import { type OutboundPolicy, checkUrl } from '../../platform/safe-http/index.js';
import { withTransaction } from '../../store/tx.js';
import type { Db } from '../../store/database.js';
import {
  type ActionTypeRegistry,
  DEFAULT_FLOW_LIMITS,
  type FlowDefinition,
  type FlowLimits,
  type OperationCatalogue,
} from './definition.js';
import type { FlowsRepo, StoredFlow, StoredFlowVersion } from './flows.repo.js';
import { type ValidationIssue, validateFlowDefinition } from './validate.js';

export type FlowsConfig = {
  maxFlowsPerWorkspace: number;
  limits: Pick<FlowLimits, 'maxDefinitionBytes' | 'maxActions' | 'maxRules'>;
};

export const DEFAULT_FLOWS_CONFIG: FlowsConfig = {
  maxFlowsPerWorkspace: 200,
  limits: {
    maxDefinitionBytes: DEFAULT_FLOW_LIMITS.maxDefinitionBytes,
    maxActions: DEFAULT_FLOW_LIMITS.maxActions,
    maxRules: DEFAULT_FLOW_LIMITS.maxRules,
  },
};

export type FlowView = {
  id: string;
  name: string;
  enabled: boolean;
  version: number;
  definition: FlowDefinition;
  createdAt: string;
  updatedAt: string;
};
export type FlowSummary = Omit<FlowView, 'definition'> & { trigger: { sources: string[]; events: string[] } };
export type FlowVersionView = {
  version: number;
  definition: unknown;
  createdAt: string;
  createdBy: string | null;
};

export type ValidationContext = {
  catalogue: OperationCatalogue;
  actionTypes?: ActionTypeRegistry;
  /** The workspace's custom source ids (a trigger naming another source is refused). */
  sourceIds(workspaceId: string): Promise<string[]>;
  cacheEntityTypes: readonly string[];
  outbound: OutboundPolicy;
};

/** A 422 naming every problem with its location (`actions[1].pathParams.projectId: …`). */
export function invalidDefinition(issues: ValidationIssue[]): AppError {
  const shown = issues.slice(0, 50);
  const text = shown.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`)).join('; ');
  return new AppError('INVALID_DEFINITION', `Invalid flow definition: ${text}`.slice(0, 2_000), {
    details: { issues: shown },
  });
}

/** The literal part of an HTTP action's URL (up to the first template), checked against the SSRF policy. */
function urlIssues(definition: FlowDefinition, policy: OutboundPolicy): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  definition.actions.forEach((a, i) => {
    if (a.type !== 'http' || typeof a.url !== 'string') return;
    // A template may fill the path or query only (validate.ts), so the written-out part names the host.
    const origin = a.url.split('{{')[0] ?? a.url;
    const r = checkUrl(origin, policy);
    if (!r.ok) issues.push({ path: `actions[${i}].url`, message: r.message });
  });
  return issues;
}

const summary = (f: StoredFlow): FlowSummary => ({
  id: f.id,
  name: f.name,
  enabled: f.enabled,
  version: f.currentVersion,
  trigger: { sources: f.triggerSources, events: f.triggerEvents },
  createdAt: f.createdAt.toISOString(),
  updatedAt: f.updatedAt.toISOString(),
});

/**
 * Flows CRUD and versions. Every save validates the whole definition (422 with exact locations) and
 * writes a new immutable version; every change bumps the workspace's generation counter in the same
 * transaction, which is how matching on any instance learns its trigger index is stale.
 */
export function createFlowsService(deps: {
  db: Db;
  repo: FlowsRepo;
  clock: Clock;
  validation: ValidationContext;
  config: FlowsConfig;
  /** Called after a change committed (this instance drops its index at once). */
  onChange: (workspaceId: string) => void;
}) {
  const { db, repo, clock, config } = deps;

  async function validationOptions(workspaceId: string) {
    const v = deps.validation;
    return {
      catalogue: v.catalogue,
      ...(v.actionTypes !== undefined ? { actionTypes: v.actionTypes } : {}),
      limits: config.limits,
      sourceIds: await v.sourceIds(workspaceId),
      cacheEntityTypes: v.cacheEntityTypes,
    };
  }

  async function validate(workspaceId: string, input: unknown): Promise<FlowDefinition> {
    const v = deps.validation;
    const r = validateFlowDefinition(input, await validationOptions(workspaceId));
    if (!r.ok) throw invalidDefinition(r.issues);
    const urls = urlIssues(r.definition, v.outbound);
    if (urls.length > 0) throw invalidDefinition(urls);
    return r.definition;
  }

  async function requireFlow(workspaceId: string, id: string): Promise<StoredFlow> {
    const f = await repo.get(workspaceId, id);
    if (f === null) throw new AppError('NOT_FOUND', `No flow ${id} in this workspace`);
    return f;
  }

  async function view(f: StoredFlow): Promise<FlowView> {
    const v = await repo.version(f.workspaceId, f.id, f.currentVersion);
    return {
      ...summary(f),
      definition: { ...(v?.definition as FlowDefinition), enabled: f.enabled },
    };
  }

  const triggerColumns = (d: FlowDefinition) => ({
    triggerSources: d.trigger.sources === '*' ? ['*'] : [...d.trigger.sources],
    triggerEvents: [...d.trigger.events],
  });

  return {
    validate,
    validationOptions,

    async list(workspaceId: string): Promise<FlowSummary[]> {
      return (await repo.list(workspaceId)).map(summary);
    },

    async get(workspaceId: string, id: string): Promise<FlowView> {
      return view(await requireFlow(workspaceId, id));
    },

    async create(workspaceId: string, input: unknown, createdBy: string | null): Promise<FlowView> {
      const definition = await validate(workspaceId, input);
      const now = clock.now();
      const id = newSortableId('flw');
      await withTransaction(db, async (tx) => {
        // The counter row is locked first, so two concurrent creates cannot both pass the limit.
        await repo.bumpGeneration(workspaceId, tx);
        if ((await repo.countLive(workspaceId, tx)) >= config.maxFlowsPerWorkspace)
          throw new AppError(
            'CONFLICT',
            `This workspace already has ${config.maxFlowsPerWorkspace} flows (the limit); delete one first`,
          );
        await repo.create(
          {
            workspaceId,
            id,
            name: definition.name,
            enabled: definition.enabled,
            currentVersion: 1,
            ...triggerColumns(definition),
            createdAt: now,
            updatedAt: now,
          },
          { workspaceId, flowId: id, version: 1, definition, createdAt: now, createdBy },
          tx,
        );
      });
      deps.onChange(workspaceId);
      return this.get(workspaceId, id);
    },

    async update(
      workspaceId: string,
      id: string,
      input: unknown,
      createdBy: string | null,
    ): Promise<FlowView> {
      const current = await requireFlow(workspaceId, id);
      const definition = await validate(workspaceId, input);
      const now = clock.now();
      const ok = await withTransaction(db, async (tx) => {
        await repo.bumpGeneration(workspaceId, tx);
        return repo.addVersion(
          workspaceId,
          id,
          {
            name: definition.name,
            enabled: definition.enabled,
            ...triggerColumns(definition),
            updatedAt: now,
          },
          {
            workspaceId,
            flowId: id,
            version: current.currentVersion + 1,
            definition,
            createdAt: now,
            createdBy,
          },
          tx,
        );
      });
      if (!ok)
        throw new AppError('CONFLICT', 'The flow changed meanwhile (or was deleted); reload and try again');
      deps.onChange(workspaceId);
      return this.get(workspaceId, id);
    },

    async setEnabled(workspaceId: string, id: string, enabled: boolean): Promise<FlowView> {
      const ok = await withTransaction(db, async (tx) => {
        await repo.bumpGeneration(workspaceId, tx);
        return repo.setEnabled(workspaceId, id, enabled, clock.now(), tx);
      });
      if (!ok) throw new AppError('NOT_FOUND', `No flow ${id} in this workspace`);
      deps.onChange(workspaceId);
      return this.get(workspaceId, id);
    },

    async delete(workspaceId: string, id: string): Promise<FlowSummary> {
      const f = await requireFlow(workspaceId, id);
      const ok = await withTransaction(db, async (tx) => {
        await repo.bumpGeneration(workspaceId, tx);
        return repo.softDelete(workspaceId, id, clock.now(), tx);
      });
      if (!ok) throw new AppError('NOT_FOUND', `No flow ${id} in this workspace`);
      deps.onChange(workspaceId);
      return { ...summary(f), enabled: false };
    },

    async versions(workspaceId: string, id: string): Promise<FlowVersionView[]> {
      await requireFlow(workspaceId, id);
      return (await repo.versions(workspaceId, id)).map((v: StoredFlowVersion) => ({
        version: v.version,
        definition: v.definition,
        createdAt: v.createdAt.toISOString(),
        createdBy: v.createdBy,
      }));
    },

    /** A flow's definition at a version (executions run the version they recorded). */
    async definitionAt(workspaceId: string, id: string, version: number): Promise<FlowDefinition | null> {
      const v = await repo.version(workspaceId, id, version);
      return v === null ? null : (v.definition as FlowDefinition);
    },

    requireFlow,
  };
}
export type FlowsService = ReturnType<typeof createFlowsService>;
