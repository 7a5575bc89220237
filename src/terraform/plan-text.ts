/**
 * The full plain-text plan (`tofu show -no-color`) as opsbot posts and stores it. Two rules:
 * output values are shown only when the stack opts in (`postOutputs`), since a stack's code
 * decides what its outputs hold; and the text is capped, so a plan cannot grow a chat message,
 * a Redis stream entry or a file past a known size.
 */

/** 512 KiB of text: a plan of several hundred resources, far below Slack's file and Telegram's 50 MB document limits. */
export const PLAN_TEXT_LIMIT = 512 * 1024;

const OUTPUTS_HEADER = 'Changes to Outputs:';
/** `  + name = …`, `  ~ name = …`, `  - name = …` (tofu aligns the `=`). */
const OUTPUT_LINE = /^ {2}([+~-]|-\/\+) ([A-Za-z_][A-Za-z0-9_-]*)\s*=/;

/** Replaces every output's value in the "Changes to Outputs:" block by a note; names and actions stay. */
export function hideOutputValues(text: string, why: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  let inBlock = false;
  for (const line of lines) {
    if (line === OUTPUTS_HEADER) {
      inBlock = true;
      out.push(line);
      continue;
    }
    if (inBlock) {
      if (line.trim() === '') {
        inBlock = false;
        out.push(line);
        continue;
      }
      const m = OUTPUT_LINE.exec(line);
      // Continuation lines (lists, maps, heredocs) are part of the value: dropped with it.
      if (m) out.push(`  ${m[1]} ${m[2]} = (value not shown: ${why})`);
      continue;
    }
    out.push(line);
  }
  return out.join('\n');
}

/** At most `limit` characters, cut at a line end where there is one, with a note saying so. */
export function capPlanText(text: string, limit = PLAN_TEXT_LIMIT): string {
  if (text.length <= limit) return text;
  const cut = text.lastIndexOf('\n', limit);
  const kept = text.slice(0, cut > limit / 2 ? cut : limit);
  return `${kept}\n\n… plan text cut here: ${kept.length.toLocaleString('en-US')} of ${text.length.toLocaleString('en-US')} characters are shown (opsbot posts and stores at most ${limit.toLocaleString('en-US')}).\n`;
}

/** One line of a summary (an address, a diagnostic): at most `limit` characters. */
export function capLine(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}
