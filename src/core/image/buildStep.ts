/**
 * A history entry's `created_by` as the step it was. Builders write it three ways:
 * - the classic builder: `/bin/sh -c #(nop)  ENV A=b` for a step that ran nothing, and
 *   `/bin/sh -c apt-get install …` for a RUN;
 * - BuildKit: `ENV A=b`, `COPY app/ /app/ # buildkit`, and `RUN /bin/sh -c … # buildkit`;
 * - both, for a RUN that had build arguments in scope: `|2 A=1 B=2 /bin/sh -c …`, the count and
 *   then each `NAME=value`, before the command.
 * The command keeps its own text (newlines of a heredoc included); callers decide how to show it.
 */
export interface BuildStep {
  /** The Dockerfile instruction (`RUN`, `COPY`, `ENV`…), or '' when the text names none. */
  instruction: string;
  /** The build arguments the step ran with, in the order the builder wrote them. */
  buildArgs: { name: string; value: string }[];
  /** What follows the instruction: the shell script of a RUN, the arguments of anything else. */
  command: string;
  /** True when the builder ran the step through `/bin/sh -c` (or bash). */
  shell: boolean;
}

const SHELL = /^\/bin\/(?:ba)?sh\s+-c\s+/;
const NOP = /^#\(nop\)\s*/;
const INSTRUCTION =
  /^(ADD|ARG|CMD|COPY|ENTRYPOINT|ENV|EXPOSE|HEALTHCHECK|LABEL|MAINTAINER|ONBUILD|RUN|SHELL|STOPSIGNAL|USER|VOLUME|WORKDIR)(?:\s+|$)/;
/** More arguments than this is no BuildKit prefix but text that happens to start with `|`. */
const MAX_BUILD_ARGS = 10_000;

/** `|N A=1 B=2 rest`: the N arguments and the rest, or null when the text is not of that shape. */
function splitBuildArgs(text: string): { args: BuildStep['buildArgs']; rest: string } | null {
  const head = /^\|(\d+)\s+/.exec(text);
  if (!head) return null;
  const count = Number(head[1]);
  if (count > MAX_BUILD_ARGS) return null;
  const args: BuildStep['buildArgs'] = [];
  let at = head[0].length;
  for (let i = 0; i < count; i++) {
    // BuildKit joins `NAME=value` pairs with one space and quotes nothing: a value ends at a space.
    const arg = /^([^\s=]+)=(\S*)(?:\s+|$)/.exec(text.slice(at));
    if (!arg) return null;
    args.push({ name: arg[1], value: arg[2] });
    at += arg[0].length;
  }
  return { args, rest: text.slice(at) };
}

export function parseBuildStep(createdBy: string | null | undefined): BuildStep {
  let text = (createdBy ?? '').trim().replace(/\s+#\s*buildkit$/, '');
  let instruction = '';
  const buildKitRun = /^RUN\s+/.exec(text);
  if (buildKitRun) {
    instruction = 'RUN';
    text = text.slice(buildKitRun[0].length);
  }
  const withArgs = splitBuildArgs(text);
  const buildArgs = withArgs?.args ?? [];
  if (withArgs) text = withArgs.rest;
  const shell = SHELL.exec(text);
  if (shell) {
    text = text.slice(shell[0].length);
    const nop = NOP.exec(text);
    if (nop && !instruction) {
      // The classic builder's record of a step that ran nothing: the instruction follows.
      text = text.slice(nop[0].length).trim();
      const named = INSTRUCTION.exec(text);
      return named
        ? { instruction: named[1], buildArgs, command: text.slice(named[0].length).trim(), shell: false }
        : { instruction: '', buildArgs, command: text, shell: false };
    }
    return { instruction: 'RUN', buildArgs, command: text.trim(), shell: true };
  }
  if (instruction) return { instruction, buildArgs, command: text.trim(), shell: false };
  const named = INSTRUCTION.exec(text);
  if (named)
    return { instruction: named[1], buildArgs, command: text.slice(named[0].length).trim(), shell: false };
  return { instruction: '', buildArgs, command: text, shell: false };
}

/** The step on one line: its instruction and command, whitespace (newlines too) collapsed. */
export function stepSummary(step: BuildStep): string {
  const command = step.command.replace(/\s+/g, ' ').trim();
  return step.instruction ? `${step.instruction}${command ? ` ${command}` : ''}` : command;
}
