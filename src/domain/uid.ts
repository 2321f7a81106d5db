// Random base62 identifiers (LaminDB's alphabet), drawn with crypto randomness and no modulo bias.
import { randomBytes } from 'node:crypto';

export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function randomBase62(length: number): string {
  let result = '';
  while (result.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && result.length < length) result += BASE62[byte % 62]; // 248 = 4 * 62
    }
  }
  return result;
}

export const FIRST_VERSION_SUFFIX = '0000';

/** The version suffix after `suffix` in base62 order: 0000 -> 0001 ... 0009 -> 000A ... 000Z -> 000a. */
export function nextVersionSuffix(suffix: string): string {
  const digits = [...suffix];
  for (let index = digits.length - 1; index >= 0; index--) {
    const value = BASE62.indexOf(digits[index]!);
    if (value < 0) throw new Error(`"${suffix}" is not a base62 version suffix`);
    if (value < 61) {
      digits[index] = BASE62[value + 1]!;
      return digits.join('');
    }
    digits[index] = '0';
  }
  throw new Error(`version suffix ${suffix} has no successor`);
}

export const uidLengths = { user: 8, storage: 12, artifactStem: 16, ulabel: 8, transformStem: 12, run: 16 } as const;
