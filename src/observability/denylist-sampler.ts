import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { DENYLIST_KEY_PREFIX } from '../security/store-keys.js';
import type { KeyValueStoreAdmin } from '../stores/key-value-store.js';
import { securityMetrics } from './metrics.js';

/** The seed's TokenBlacklistGrowth alert reads a trend; once a minute is plenty. */
export const DENYLIST_SAMPLE_INTERVAL_MS = 60_000;

/**
 * Keeps the `security_denylist_entries` gauge current by counting `jti:` keys
 * on a timer, never on a scrape: counting walks the key space (SCAN on Redis),
 * which must stay off both the request path and the scrape path. The count
 * keeps one page of keys at a time, never the whole denylist. The timer is
 * unref'd, so it never keeps the process alive, and samples never overlap.
 */
export class DenylistSampler {
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<number | undefined> | undefined;

  constructor(
    private readonly store: Pick<KeyValueStoreAdmin, 'countWithPrefix'>,
    private readonly logger: FastifyBaseLogger,
    private readonly intervalMs = DENYLIST_SAMPLE_INTERVAL_MS,
  ) {}

  /** Samples now (in the background) and then every interval until {@link stop}. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
    void this.sample();
  }

  /** Stops the timer and waits for a sample in progress, so nothing touches the store after close. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.sampling;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Counts the entries and sets the gauge; resolves to the count, or undefined when the store did not answer (the gauge keeps its last value). */
  sample(): Promise<number | undefined> {
    this.sampling ??= this.count().finally(() => {
      this.sampling = undefined;
    });
    return this.sampling;
  }

  private async count(): Promise<number | undefined> {
    try {
      const entries = await this.store.countWithPrefix(DENYLIST_KEY_PREFIX);
      securityMetrics.denylistEntries.set(entries);
      return entries;
    } catch (error) {
      this.logger.warn({ err: error }, 'could not count denylist entries for security_denylist_entries');
      return undefined;
    }
  }
}

export interface DenylistSamplerPluginOptions {
  readonly store: Pick<KeyValueStoreAdmin, 'countWithPrefix'>;
  readonly intervalMs?: number;
}

/** Runs a {@link DenylistSampler} while the app runs: starts when ready, stops on close. */
async function denylistSamplerPlugin(app: FastifyInstance, options: DenylistSamplerPluginOptions): Promise<void> {
  const sampler = new DenylistSampler(options.store, app.log, options.intervalMs);
  app.addHook('onReady', async () => {
    sampler.start();
  });
  app.addHook('onClose', async () => {
    await sampler.stop();
  });
}

export const denylistSampler = fastifyPlugin(denylistSamplerPlugin, { name: 'autocognitix-denylist-sampler', fastify: '5.x' });
