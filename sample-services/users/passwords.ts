// Password hashing with scrypt (node:crypto), the parameters stored beside the hash so the cost can
// be raised later without invalidating existing accounts. Format: scrypt$N$r$p$salt$hash (base64).

import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

const KEY_LENGTH = 32;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;

function derive(password: string, salt: Buffer, options: ScryptOptions, keyLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // scrypt runs on the libuv thread pool, so hashing never blocks the event loop.
    scrypt(password, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function scryptOptions(cost: number, blockSize: number, parallelism: number): ScryptOptions {
  return { N: cost, r: blockSize, p: parallelism, maxmem: 256 * cost * blockSize + 1024 * 1024 };
}

export async function hashPassword(password: string, cost: number): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, scryptOptions(cost, BLOCK_SIZE, PARALLELISM), KEY_LENGTH);
  return ['scrypt', cost, BLOCK_SIZE, PARALLELISM, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(
    password,
    Buffer.from(salt, 'base64'),
    scryptOptions(Number(n), Number(r), Number(p)),
    expected.length,
  );
  return timingSafeEqual(key, expected);
}

/** Spends the time of a real verification, so "no such user" and "wrong password" look alike. */
export async function verifyAgainstNothing(password: string, cost: number): Promise<false> {
  await derive(password, randomBytes(16), scryptOptions(cost, BLOCK_SIZE, PARALLELISM), KEY_LENGTH);
  return false;
}
