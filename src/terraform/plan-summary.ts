import { planJsonSchema, type OutputChange, type ResourceChange } from './plan-schema.js';
import { TerraformError } from './errors.js';
import { capLine } from './plan-text.js';

/**
 * Turns `tofu show -json <planfile>` into what a chat message needs: counts, addresses grouped
 * by action, and whether the plan destroys anything. It carries addresses and actions only —
 * never attribute values — so a summary is safe to post; an output's value is included only
 * when tofu itself says it is neither sensitive nor unknown.
 */

export type SummaryAction = 'create' | 'update' | 'replace' | 'destroy' | 'read' | 'forget' | 'noop';
export type GroupAction = Exclude<SummaryAction, 'noop'>;

export interface PlanGroup {
  action: GroupAction;
  addresses: string[];
  /** How many addresses were left out of `addresses` ("and N more"). */
  more: number;
}

export interface OutputSummary {
  name: string;
  action: 'create' | 'update' | 'delete' | 'noop';
  sensitive: boolean;
  /** Compact JSON of the planned value, present only if known, not sensitive and not hidden. */
  value?: string;
  /** The stack does not post output values (`postOutputs` off): the value was left out. */
  hidden?: boolean;
}

export interface PlanSummary {
  counts: Record<SummaryAction, number>;
  groups: PlanGroup[];
  /** Something is destroyed (including the delete half of a replace). */
  destructive: boolean;
  /** Applying would change no resource and no output. */
  noChanges: boolean;
  /** Outputs whose value changes (no-op outputs are left out). */
  outputs: OutputSummary[];
  /** Objects changed outside Terraform since the last apply. */
  drift: { addresses: string[]; more: number };
  errored: boolean;
  applyable: boolean;
}

export interface SummaryOptions {
  /** Addresses listed per group before "and N more" (default 10). */
  limit?: number;
  /** Longest output value shown, in characters of JSON (default 120). */
  maxValueLength?: number;
  /** Carry output values at all (the stack's `postOutputs`; default true). */
  outputValues?: boolean;
}

/** An address is code-controlled (for_each keys): long ones are cut so a summary stays a summary. */
const MAX_ADDRESS = 200;

/** Most alarming first: that is the order a reviewer should read them in. */
const GROUP_ORDER: GroupAction[] = ['destroy', 'replace', 'forget', 'update', 'create', 'read'];

export function classifyActions(actions: readonly string[]): SummaryAction | undefined {
  const key = actions.join(',');
  switch (key) {
    case 'no-op':
      return 'noop';
    case 'create':
    case 'update':
    case 'read':
    case 'forget':
      return key;
    case 'delete':
      return 'destroy';
    // Replace is one change with two steps; the order only says whether the new object is
    // created before the old one is destroyed (create_before_destroy).
    case 'delete,create':
    case 'create,delete':
      return 'replace';
    default:
      return undefined;
  }
}

export function summarizePlan(planJson: unknown, options: SummaryOptions = {}): PlanSummary {
  const parsed = planJsonSchema.safeParse(planJson);
  if (!parsed.success) {
    throw new TerraformError('E_TF_BAD_OUTPUT', `not a plan in JSON form: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  }
  const plan = parsed.data;
  const limit = Math.max(0, options.limit ?? 10);
  const counts: Record<SummaryAction, number> = { create: 0, update: 0, replace: 0, destroy: 0, read: 0, forget: 0, noop: 0 };
  const byAction = new Map<GroupAction, string[]>();

  for (const rc of plan.resource_changes ?? []) {
    const action = classifyActions(rc.change.actions);
    if (action === undefined) {
      throw new TerraformError('E_TF_BAD_OUTPUT', `unknown plan actions ${JSON.stringify(rc.change.actions)} for ${rc.address}`);
    }
    counts[action] += 1;
    if (action === 'noop') continue;
    const list = byAction.get(action) ?? [];
    list.push(capLine(rc.address, MAX_ADDRESS));
    byAction.set(action, list);
  }

  const groups = GROUP_ORDER.filter((a) => byAction.has(a)).map((action) => truncate(action, byAction.get(action) ?? [], limit));
  const outputs = Object.entries(plan.output_changes ?? {})
    .map(([name, change]) => summarizeOutput(name, change, options.maxValueLength ?? 120, options.outputValues ?? true))
    .filter((o) => o.action !== 'noop');
  const drifted = (plan.resource_drift ?? []).filter((rc) => isRealChange(rc)).map((rc) => capLine(rc.address, MAX_ADDRESS));
  const errored = plan.errored ?? false;
  const changing = counts.create + counts.update + counts.replace + counts.destroy + counts.forget;

  return {
    counts,
    groups,
    destructive: counts.destroy + counts.replace > 0,
    noChanges: changing === 0 && outputs.length === 0,
    outputs,
    drift: { addresses: drifted.slice(0, limit), more: Math.max(0, drifted.length - limit) },
    errored,
    applyable: plan.applyable ?? !errored,
  };
}

function truncate(action: GroupAction, addresses: string[], limit: number): PlanGroup {
  return { action, addresses: addresses.slice(0, limit), more: Math.max(0, addresses.length - limit) };
}

function isRealChange(rc: ResourceChange): boolean {
  const action = classifyActions(rc.change.actions);
  return action !== undefined && action !== 'noop';
}

function summarizeOutput(name: string, change: OutputChange, maxValueLength: number, withValue: boolean): OutputSummary {
  const actions = change.actions.join(',');
  const action: OutputSummary['action'] =
    actions === 'create' ? 'create' : actions === 'delete' ? 'delete' : actions === 'no-op' ? 'noop' : 'update';
  // Anything but a literal `false` (true, or a structure marking some leaves) means sensitive.
  const sensitive = change.after_sensitive !== false || change.before_sensitive === true;
  const summary: OutputSummary = { name, action, sensitive };
  const known = change.after_unknown === false || change.after_unknown === undefined;
  if (!sensitive && !withValue) summary.hidden = true;
  else if (!sensitive && known && action !== 'delete' && change.after !== undefined) {
    const json = JSON.stringify(change.after);
    summary.value = json.length > maxValueLength ? `${json.slice(0, Math.max(0, maxValueLength - 1))}…` : json;
  }
  return summary;
}
