import { createHash, timingSafeEqual } from 'node:crypto';

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * The accepted API tokens (API_TOKENS_FILE), kept only as SHA-256 digests so the
 * raw tokens never sit in the config object, a heap dump or a log line.
 *
 * A candidate is hashed too, so every comparison is between two 32-byte buffers
 * whatever the candidate's length (timingSafeEqual refuses unequal lengths, and a
 * length check would itself leak), and it is compared with every token, with no
 * early exit, so the answer's timing reveals neither a prefix nor which token matched.
 */
export class TokenSet {
  readonly #digests: readonly Buffer[];

  constructor(tokens: readonly string[]) {
    this.#digests = tokens.map(sha256);
  }

  get size(): number {
    return this.#digests.length;
  }

  has(candidate: string): boolean {
    const probe = sha256(candidate);
    let found = false;
    for (const digest of this.#digests) {
      if (timingSafeEqual(digest, probe)) found = true;
    }
    return found;
  }

  /** What a log line or a serialised config shows: how many, never which. */
  toJSON(): { tokens: number } {
    return { tokens: this.size };
  }
}
