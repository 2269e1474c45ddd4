import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CodedanceError,
  diffConfig,
  getPath,
  leafPaths,
  liveTokenProblems,
  mergeLayers,
  parseBoundedJson,
  resolveConfig,
  type Config,
  type ConfigChange,
  type ConfigSource,
  type FieldProblem,
  type Layer,
} from '@codedance/core';
import { FileTooLargeError, MAX_DATA_FILE_BYTES, readBoundedText } from './bounded-file.js';
import { configPathProblems } from './paths.js';

export const CONFIG_FILE_NAME = 'config.json';

export interface ConfigEvents {
  /** A new configuration took effect (its live parts; restart parts are pending). */
  change: [next: Config, previous: Config, change: ConfigChange];
  /** `config.json` changed on disk but cannot be used; the old one stays. */
  invalid: [problems: FieldProblem[]];
}

export interface ConfigReport {
  valid: boolean;
  problems: FieldProblem[];
  /** Paths that would change and apply at once. */
  live: string[];
  /** Paths that would change but need a restart. */
  restart: string[];
  /** Paths the candidate sets that the environment or a flag overrides. */
  overridden: string[];
}

export interface ConfigRuntimeOptions {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  flags: Layer;
}

/**
 * Reads `config.json`; a missing file is an empty layer, a broken one is an
 * error naming the file. A file larger than any configuration, or nested
 * deeper than one, is refused before the code that merges layers walks it.
 */
async function readConfigFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readBoundedText(file, MAX_DATA_FILE_BYTES);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    const reason =
      error instanceof FileTooLargeError
        ? `is larger than ${MAX_DATA_FILE_BYTES} bytes`
        : `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
    throw new CodedanceError('CD_INVALID_CONFIG', {
      message: `${file} ${reason}.`,
      details: { problems: [{ path: '', message: reason }] },
      cause: error,
    });
  }
  if (text.trim() === '') return undefined;
  const parsed = parseBoundedJson(text);
  if (!parsed.ok) {
    throw new CodedanceError('CD_INVALID_CONFIG', {
      message: `${file} ${parsed.problem}`,
      details: { problems: [{ path: '', message: parsed.problem }] },
    });
  }
  return parsed.value;
}

function invalid(problems: FieldProblem[], where: string): CodedanceError {
  const first = problems[0];
  return new CodedanceError('CD_INVALID_CONFIG', {
    message: `The configuration is not valid${first ? `: ${first.path || '(root)'} ${first.message}` : ''}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''} [${where}]`,
    details: { problems },
  });
}

/**
 * The configuration of a running server: the merged layers, the
 * `config.json` it came from, changes made through the API or on disk, and
 * which of those wait for a restart. Listeners apply live changes.
 */
export class ConfigRuntime extends EventEmitter<ConfigEvents> {
  readonly file: string;
  private config: Config;
  private fileLayer: Layer;
  private sourceMap: Map<string, ConfigSource>;
  /** The configuration the process started with: restart-only paths keep these values. */
  private readonly boot: Config;
  private watcher: FSWatcher | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private writing = Promise.resolve();

  private constructor(
    private readonly options: ConfigRuntimeOptions,
    config: Config,
    fileLayer: Layer,
    sources: Map<string, ConfigSource>,
  ) {
    super();
    this.file = join(options.dataDir, CONFIG_FILE_NAME);
    this.config = config;
    this.boot = structuredClone(config);
    this.fileLayer = fileLayer;
    this.sourceMap = sources;
  }

  /** Loads and validates every layer; throws CD_INVALID_CONFIG listing every problem. */
  static async load(options: ConfigRuntimeOptions): Promise<ConfigRuntime> {
    const file = join(options.dataDir, CONFIG_FILE_NAME);
    const raw = await readConfigFile(file);
    const resolved = resolveConfig({
      dataDir: options.dataDir,
      file: raw,
      env: options.env,
      flags: options.flags,
    });
    if (resolved.problems.length) throw invalid(resolved.problems, file);
    const pathProblems = await configPathProblems(resolved.config);
    if (pathProblems.length) throw invalid(pathProblems, file);
    return new ConfigRuntime(options, resolved.config, (raw ?? {}) as Layer, resolved.sources);
  }

  current(): Config {
    return this.config;
  }

  sources(): Record<string, ConfigSource> {
    return Object.fromEntries(this.sourceMap);
  }

  /** Paths whose new value is waiting for a restart. */
  pendingRestart(): string[] {
    return diffConfig(this.boot, this.desired()).restart;
  }

  /** What the configuration would be after a restart. */
  private desired(): Config {
    return resolveConfig({
      dataDir: this.options.dataDir,
      file: this.fileLayer,
      env: this.options.env,
      flags: this.options.flags,
    }).config;
  }

  /**
   * Judges a candidate `config.json` without applying it. The file is judged
   * twice: as it would run now (with the environment and flags on top), and
   * on its own, so a bad value hidden by an override today is still reported.
   * Paths are then checked against the filesystem, so a value that would stop
   * the next start (a log folder that is a file…) is refused now.
   */
  async check(candidate: unknown): Promise<ConfigReport> {
    const layered = resolveConfig({
      dataDir: this.options.dataDir,
      file: candidate,
      env: this.options.env,
      flags: this.options.flags,
    });
    const alone = resolveConfig({ dataDir: this.options.dataDir, file: candidate });
    const problems = [...layered.problems];
    for (const problem of alone.problems) {
      if (problems.some((p) => p.path === problem.path)) continue;
      const source = layered.sources.get(problem.path);
      problems.push({
        ...problem,
        message: `${problem.message} (overridden now by ${source ?? 'another layer'})`,
      });
    }
    if (problems.length === 0) {
      problems.push(...liveTokenProblems(this.boot, this.config, layered.config));
    }
    if (problems.length === 0) problems.push(...(await configPathProblems(layered.config)));
    if (problems.length) {
      return { valid: false, problems, live: [], restart: [], overridden: [] };
    }
    const change = diffConfig(this.config, layered.config);
    const overridden = leafPaths(candidate).filter((path) => {
      const source = layered.sources.get(path);
      return source !== undefined && source !== 'file' && source !== 'default';
    });
    return { valid: true, problems: [], live: change.live, restart: change.restart, overridden };
  }

  /** Judges `config.json` as it is on disk now (it may have been edited since it was applied). */
  async checkFile(): Promise<ConfigReport> {
    try {
      return await this.check((await readConfigFile(this.file)) ?? {});
    } catch (error) {
      const details = (error as CodedanceError).details as
        { problems?: FieldProblem[] } | undefined;
      return {
        valid: false,
        problems: details?.problems ?? [{ path: '', message: (error as Error).message }],
        live: [],
        restart: [],
        overridden: [],
      };
    }
  }

  /**
   * Merges `patch` into `config.json`, writes it atomically and applies the
   * live part. Throws CD_INVALID_CONFIG (nothing written) if the result is invalid.
   */
  async update(patch: Layer): Promise<ConfigReport> {
    const candidate = mergeLayers(this.fileLayer, patch);
    const report = await this.check(candidate);
    if (!report.valid) throw invalid(report.problems, 'request');
    await this.persist(candidate);
    this.adopt(candidate);
    return report;
  }

  /** Re-reads `config.json` (after an edit on disk) and applies what it can. */
  async reload(): Promise<void> {
    let raw: unknown;
    try {
      raw = await readConfigFile(this.file);
    } catch (error) {
      const details = (error as CodedanceError).details as
        { problems?: FieldProblem[] } | undefined;
      this.emit('invalid', details?.problems ?? [{ path: '', message: (error as Error).message }]);
      return;
    }
    const report = await this.check(raw ?? {});
    if (!report.valid) {
      this.emit('invalid', report.problems);
      return;
    }
    this.adopt((raw ?? {}) as Layer);
  }

  private adopt(fileLayer: Layer): void {
    const resolved = resolveConfig({
      dataDir: this.options.dataDir,
      file: fileLayer,
      env: this.options.env,
      flags: this.options.flags,
    });
    this.fileLayer = fileLayer;
    this.sourceMap = resolved.sources;
    const previous = this.config;
    // Restart-only settings keep their boot values until the process restarts.
    const next = structuredClone(resolved.config);
    const change = diffConfig(this.boot, next);
    for (const path of change.restart) restoreBootValue(next, this.boot, path);
    this.config = next;
    const applied = diffConfig(previous, next);
    if (applied.changed.length) this.emit('change', next, previous, applied);
  }

  private persist(layer: Layer): Promise<void> {
    const run = this.writing.then(async () => {
      await mkdir(this.options.dataDir, { recursive: true, mode: 0o700 });
      const temp = `${this.file}.${process.pid}.tmp`;
      const handle = await open(temp, 'w', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(layer, null, 2)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.file);
    });
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** Watches `config.json` for edits and reloads them (debounced). */
  watch(): void {
    if (this.watcher) return;
    try {
      this.watcher = watch(this.options.dataDir, { persistent: false }, (_event, name) => {
        if (name !== CONFIG_FILE_NAME) return;
        if (this.debounce) clearTimeout(this.debounce);
        this.debounce = setTimeout(() => {
          this.debounce = null;
          void this.writing.then(() => this.reload());
        }, 100);
        this.debounce.unref();
      });
      this.watcher.on('error', () => {
        this.unwatch();
      });
    } catch {
      // A data folder that cannot be watched still works; edits need the API or a restart.
      this.watcher = null;
    }
  }

  unwatch(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = null;
  }
}

function restoreBootValue(target: Config, boot: Config, path: string): void {
  const keys = path.split('/').slice(1);
  let node = target as unknown as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = keys[keys.length - 1];
  if (last !== undefined) node[last] = structuredClone(getPath(boot, path));
}
