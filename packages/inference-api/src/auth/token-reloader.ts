import { readFile, stat } from 'node:fs/promises';
import type { FastifyBaseLogger } from 'fastify';
import { parseTokenFile, TokenFileError } from './token-file';
import { TokenSet } from './token-set';

/** What a reload changes, for metrics. */
export interface TokenReloadEvents {
  onLoaded(tokens: number, at: Date): void;
}

/**
 * API_TOKENS_FILE re-read when it changes, so tokens rotate without a restart.
 *
 * Kubernetes updates a mounted Secret by writing a new timestamped folder and
 * swapping the `..data` symlink the file's own symlink goes through: the file
 * path is never written, so a watch on it sees nothing. Polling the identity
 * of what the path resolves to (device, inode, size, mtime: stat follows the
 * symlinks) every `intervalMs` catches the swap, and an edit in place too. A
 * file that cannot be read or holds a bad line keeps the previous tokens and
 * logs an ERROR (never a token); the next change is tried again.
 */
export class TokenReloader {
  #current: TokenSet;
  #identity: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    initial: TokenSet,
    private readonly log: FastifyBaseLogger,
    private readonly events: TokenReloadEvents,
  ) {
    this.#current = initial;
  }

  /** The tokens accepted now. */
  get current(): TokenSet {
    return this.#current;
  }

  /** Takes the file's identity now (the tokens were read by config.ts) and polls from then on. */
  async start(intervalMs: number): Promise<void> {
    this.#identity = await this.identity();
    this.events.onLoaded(this.#current.size, new Date());
    this.#timer = setInterval(() => {
      this.#polling = this.#polling.then(() => this.poll());
    }, intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#polling;
  }

  /** One check: re-read the file if what the path resolves to has changed. */
  async poll(): Promise<void> {
    const identity = await this.identity();
    if (identity === this.#identity) return;
    this.#identity = identity;
    let tokens: TokenSet;
    try {
      tokens = new TokenSet(parseTokenFile(await readFile(this.path, 'utf8')));
    } catch (err) {
      const reason =
        err instanceof TokenFileError
          ? err.message
          : `cannot read it: ${(err as NodeJS.ErrnoException).code ?? 'error'}`;
      this.log.error(
        { apiTokensFile: this.path, reason, tokens: this.#current.size },
        `API_TOKENS_FILE changed but ${reason}: the previous tokens stay in use`,
      );
      return;
    }
    this.#current = tokens;
    this.events.onLoaded(tokens.size, new Date());
    this.log.info({ apiTokensFile: this.path, tokens: tokens.size }, 'API tokens reloaded');
  }

  private async identity(): Promise<string | undefined> {
    try {
      const s = await stat(this.path);
      return `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch (err) {
      return `missing:${(err as NodeJS.ErrnoException).code ?? 'error'}`;
    }
  }
}
