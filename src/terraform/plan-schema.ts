import { z } from 'zod';

/**
 * The parts of `tofu show -json <planfile>` (format 1.x) that opsbot reads. Everything else
 * (planned_values, configuration, variables — which hold sensitive values in clear text) is
 * deliberately not modelled, so it cannot leak into a summary by accident.
 * Objects are loose: newer tofu/terraform versions add fields, and that must not break parsing.
 */

/** `true`, `false`, or a structure mirroring the value with `true` at sensitive leaves. */
const sensitivity = z.unknown();

const changeSchema = z.looseObject({
  // Known: no-op, create, read, update, delete, forget (OpenTofu `removed` with destroy=false).
  actions: z.array(z.string()).min(1),
  before_sensitive: sensitivity.optional(),
  after_sensitive: sensitivity.optional(),
  after_unknown: z.unknown().optional(),
  // `after` is read only for outputs, and only after both sensitivity checks pass.
  after: z.unknown().optional(),
});

export const resourceChangeSchema = z.looseObject({
  address: z.string().min(1),
  module_address: z.string().optional(),
  mode: z.enum(['managed', 'data']),
  type: z.string(),
  name: z.string(),
  change: changeSchema,
  action_reason: z.string().optional(),
});

export const outputChangeSchema = changeSchema;

export const planJsonSchema = z.looseObject({
  format_version: z.string(),
  terraform_version: z.string().optional(),
  resource_changes: z.array(resourceChangeSchema).optional(),
  resource_drift: z.array(resourceChangeSchema).optional(),
  output_changes: z.record(z.string(), outputChangeSchema).optional(),
  errored: z.boolean().optional(),
  // Terraform >= 1.8 reports it; OpenTofu 1.12 does not (then: applyable unless errored).
  applyable: z.boolean().optional(),
});

export type ResourceChange = z.infer<typeof resourceChangeSchema>;
export type OutputChange = z.infer<typeof outputChangeSchema>;
export type PlanJson = z.infer<typeof planJsonSchema>;
