import { CronExpressionParser } from 'cron-parser';

/**
 * Drift-check schedules: standard five-field cron (minute hour day-of-month month
 * day-of-week), as crontab and Kubernetes CronJobs write it, or a macro such as `@daily`.
 * Checked with cron-parser — the parser BullMQ's job schedulers use to run it — so what passes
 * here is what runs. Six fields (seconds) are refused: a Terraform plan every few seconds is a
 * mistake, and one way of writing it is easier to read than two.
 */
const MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

export function cronProblem(expr: string): string | undefined {
  const fields = expr.trim().split(/\s+/);
  if (!(fields.length === 1 && MACROS.includes(fields[0]!)) && fields.length !== 5) {
    return `must be a cron expression of five fields (minute hour day-of-month month day-of-week), e.g. "0 6 * * 1-5", or ${MACROS.slice(3).join(', ')}; got ${fields.length} field${fields.length === 1 ? '' : 's'}`;
  }
  try {
    CronExpressionParser.parse(expr);
    return undefined;
  } catch (err) {
    return `is not a valid cron expression: ${(err as Error).message}`;
  }
}
