import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import type { AppOptions, OpsbotApp } from '../app/opsbot-app.js';
import { ConfigError, loadConfig, PROJECT_ROOT, resolveConfigPath, type LoadedConfig } from '../core/config/load.js';
import { describeRoutes } from '../core/config/route-apps.js';
import { sandboxPathProblems } from '../core/config/sandbox-paths.js';
import { describeInterval, describeWatches } from '../jobs/watch-targets.js';
import { formatMissingEnv, isChatOnlyVariable, missingEnv, type ProcessRole } from '../core/config/required-env.js';
import { describeSignatures, signingApps } from '../core/config/signature-keys.js';
import { EXIT, isOpsbotError } from '../core/errors.js';
import { accessWarnings } from '../core/policy-lint.js';
import { cosignMissing } from '../registry/cosign.js';
import { addOutboxCommand } from './outbox-command.js';
import { addRedisCommand } from './redis-command.js';

/** opsbot's command line: one process kind per subcommand, all wired by OpsbotApp. */
const program = new Command();
const { version } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
program
  .name('opsbot')
  .description('ChatOps for GitOps deploys, Terraform and Argo CD — from Slack, Telegram or a terminal')
  .version(version, '-V, --version', 'print the version and exit')
  // Bad usage exits 2 (README: exit codes); commander's own errors would exit 1.
  .exitOverride()
  .showHelpAfterError();

const configOption = () => new Option('-c, --config <file>', 'config file (default: $OPSBOT_CONFIG, ./opsbot.yaml, or the bundled local config)');

program
  .command('start')
  .description(
    'everything in one process: chat adapters, workers, HTTP; the console chat too when run in a terminal. Without REDIS_URL, shares the embedded redis-server of OPSBOT_HOME',
  )
  .addOption(configOption())
  .option('--no-console', 'do not open the console chat even in a terminal')
  .action(async (opts: { config?: string; console: boolean }) => {
    const loaded = requireEnv(load(opts.config), 'all');
    const interactive = opts.console && process.stdin.isTTY === true;
    await run(
      await newApp({ loaded, workers: true, http: true, chat: true, allowEmbeddedRedis: true, consoleAs: interactive ? '' : undefined }),
      interactive,
    );
  });

program
  .command('bot')
  .description('chat adapters and HTTP only (webhooks, health, metrics); jobs run in `opsbot worker` processes sharing REDIS_URL')
  .addOption(configOption())
  .action(async (opts: { config?: string }) => {
    await run(
      await newApp({ loaded: requireEnv(load(opts.config), 'chat'), workers: false, http: true, chat: true, allowEmbeddedRedis: false }),
      false,
    );
  });

program
  .command('worker')
  .description('job workers only (plus health and metrics on PORT); scale out by running more of them against one REDIS_URL')
  .addOption(configOption())
  .action(async (opts: { config?: string }) => {
    dropChatSecrets();
    await run(await newApp({ loaded: requireEnv(load(opts.config), 'jobs'), workers: true, http: true, allowEmbeddedRedis: false }), false);
  });

program
  .command('console')
  .description(
    'chat with opsbot in this terminal; with --exec, run one command, print the conversation until its final reply and exit (0 ok, 1 job failed, 2 rejected)',
  )
  .addOption(configOption())
  .option('--as <name>', 'chat as console:<name> instead of your login name (for two-person flows)')
  .option('-e, --exec <command>', 'run one command non-interactively, e.g. --exec "/jobs"')
  .option('--workers', 'run job workers in this process even when another opsbot process on this home runs them')
  .option('--no-workers', 'do not run workers in this process (leave the jobs to other processes sharing the Redis)')
  .action(async (opts: { config?: string; as?: string; exec?: string; workers?: boolean }) => {
    if (opts.as !== undefined && !/^[A-Za-z0-9._@-]{1,64}$/.test(opts.as))
      fail(EXIT.rejected, `--as must be a name of letters, digits, . _ @ - (got "${opts.as}")`);
    // Default: run workers unless another opsbot process on this OPSBOT_HOME already does.
    const app = await newApp({
      loaded: load(opts.config),
      workers: opts.workers ?? 'auto',
      http: false,
      allowEmbeddedRedis: true,
      consoleAs: opts.as ?? '',
    });
    if (opts.exec === undefined) return run(app, true);
    await startOrExit(app);
    const code = await app.console!.exec(opts.exec);
    await app.stop();
    process.exit(code);
  });

program
  .command('check-config')
  .description('validate the config file and print what it defines; exit 2 with one line per problem if it is invalid')
  .addOption(configOption())
  .action((opts: { config?: string }) => {
    const { config, file, baseDir } = load(opts.config);
    const paths = sandboxPathProblems(config, { env: process.env, configFile: file });
    if (paths.length > 0) fail(EXIT.rejected, new ConfigError(file, paths).message);
    const signatures = describeSignatures(config, baseDir);
    process.stdout.write(
      `${file}: valid\n  apps: ${Object.keys(config.apps).join(', ') || 'none'}\n  stacks: ${Object.keys(config.stacks).join(', ') || 'none'}\n` +
        `  groups: ${Object.keys(config.groups).join(', ') || 'none'}\n  access rules: ${config.access.rules.length}\n  notification routes: ${config.notifications.routes.length}\n` +
        describeRoutes(config)
          .map((l) => `${l}\n`)
          .join('') +
        `  registry watches: ${describeWatches(config).length}\n${describeWatches(config)
          .map((l) => `${l}\n`)
          .join('')}` +
        `  verified signatures: ${signatures.length}\n${signatures.map((l) => `${l}\n`).join('')}` +
        `  argocd-image-updater annotations: ${config.argocd.imageUpdater.enabled ? `read on the Applications of ${config.argocd.namespaces[0] ?? 'argocd'} (their apps are known once opsbot runs; new images proposed every ${describeInterval(config.argocd.imageUpdater.interval)})` : 'not read'}\n`,
    );
    // A warning here, not a refusal: the file may be checked on a machine without the secrets.
    for (const m of missingEnv(config, process.env)) process.stderr.write(`opsbot: warning: ${formatMissingEnv(m)}\n`);
    const cosign = missingCosign(config);
    if (cosign) process.stderr.write(`opsbot: warning: ${cosign}\n`);
    for (const w of accessWarnings(config)) process.stderr.write(`opsbot: warning: ${w.path}: ${w.message}\n`);
    if (!config.terraform.sandbox && Object.keys(config.stacks).length > 0) {
      process.stderr.write(
        "opsbot: warning: terraform.sandbox: false: stack code (whoever can push to a stack's branch) runs unsandboxed and can read the worker's memory, environment and files\n",
      );
    }
  });

function load(flag: string | undefined): LoadedConfig {
  const { file, bundled } = resolveConfigPath(flag);
  try {
    return loadConfig(file, bundled);
  } catch (err) {
    if (err instanceof ConfigError) fail(EXIT.rejected, err.message);
    throw err;
  }
}

/**
 * A valid file can still imply secrets the environment lacks, or name sandbox paths this machine
 * does not have: refuse at start (exit 2, one line per problem) rather than fail on the first job
 * or chat message that needs one.
 */
function requireEnv(loaded: LoadedConfig, role: ProcessRole): LoadedConfig {
  // Stacks' read-only sandbox paths are bound by the processes that run jobs: they must be there.
  const paths = role === 'chat' ? [] : sandboxPathProblems(loaded.config, { env: process.env, configFile: loaded.file });
  if (paths.length > 0) fail(EXIT.rejected, new ConfigError(loaded.file, paths).message);
  const missing = missingEnv(loaded.config, process.env, role).map(formatMissingEnv);
  // Workers check signatures: one without cosign would refuse every deploy that needs one.
  const cosign = role === 'chat' ? undefined : missingCosign(loaded.config);
  if (cosign) missing.push(cosign);
  if (missing.length === 0) return loaded;
  process.stderr.write(missing.map((m) => `opsbot: ${m}\n`).join(''));
  process.exit(EXIT.rejected);
}

/** Apps that require verified signatures need cosign on the worker; what to say when it is not there. */
function missingCosign(config: LoadedConfig['config']): string | undefined {
  const apps = signingApps(config);
  const why = apps.length > 0 ? cosignMissing(process.env) : undefined;
  return why && `${apps.map((a) => `apps.${a}`).join(', ')} require verified signatures (verify.cosign), but ${why}: their deploys would be refused`;
}

/** The app (and everything it loads: BullMQ, Fastify, …) only for commands that run it. */
async function newApp(opts: AppOptions): Promise<OpsbotApp> {
  const { OpsbotApp } = await import('../app/opsbot-app.js');
  return new OpsbotApp(opts);
}

/**
 * A worker runs jobs — and, through Terraform, stacks' code — but never talks to a chat
 * platform: the chat and dashboard tokens have no business in it. Where Node has
 * `process.execve` (22.15+, the image's Node 24) the worker replaces itself with a copy started
 * without them, so not even /proc/<pid>/environ holds them; elsewhere they are removed from its
 * environment, which every child inherits from.
 */
function dropChatSecrets(): void {
  const names = Object.keys(process.env).filter(isChatOnlyVariable);
  if (names.length === 0) return;
  const clean: NodeJS.ProcessEnv = { ...process.env };
  for (const n of names) delete clean[n];
  const proc = process as NodeJS.Process & { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never };
  if (typeof proc.execve === 'function') proc.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], clean);
  for (const n of names) delete process.env[n];
}

async function startOrExit(app: OpsbotApp): Promise<void> {
  try {
    await app.start();
  } catch (err) {
    await app.stop().catch(() => undefined);
    if (isOpsbotError(err)) fail(err.code === 'E_NO_REDIS' ? EXIT.rejected : EXIT.failed, err.userMessage);
    fail(EXIT.failed, `opsbot could not start: ${(err as Error).message}`);
  }
}

/** Start, then run until a signal (or the end of the console chat); shut down gracefully, exit 0. */
async function run(app: OpsbotApp, interactiveConsole: boolean): Promise<void> {
  await startOrExit(app);
  let stopping = false;
  const shutdown = async (signal: string) => {
    // A second signal while draining must not kill the process and the jobs it is finishing.
    if (stopping) return app.log.info({ signal }, 'already shutting down');
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    process.exit((await app.stop()) ? EXIT.ok : EXIT.failed);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  watchNpmParent(() => void shutdown('npm exited'));
  if (interactiveConsole && app.console) {
    await app.console.interactive();
    await shutdown('end of console');
  }
}

/**
 * Started by `npm start` or `npx opsbot`: npm exits at once on SIGTERM (status 143) without
 * waiting for opsbot, which would run on as an orphan holding the port and the workers. When
 * npm goes (our parent changes), shut down as if we had the signal ourselves. Only under npm:
 * a process started from a shell with nohup must outlive that shell.
 */
function watchNpmParent(onGone: () => void): void {
  if (!process.env.npm_command) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onGone();
    }
  }, 500);
  timer.unref();
}

function fail(code: number, message: string): never {
  process.stderr.write(`opsbot: ${message}\n`);
  process.exit(code);
}

addRedisCommand(program);
addOutboxCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (!(err instanceof CommanderError)) throw err;
  // --help, --version and `opsbot help` exit 0; anything else commander refused is bad usage.
  if (err.exitCode === 0) process.exit(EXIT.ok);
  const { usageHint } = await import('./usage-hint.js');
  const hint = usageHint(err);
  if (hint) process.stderr.write(`${hint}\n`);
  process.exit(EXIT.rejected);
}
