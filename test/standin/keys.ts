import { createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";

/**
 * A throwaway RSA key for the app under test. `privateKey` is PKCS#1 ("BEGIN RSA PRIVATE KEY"),
 * the format GitHub hands out for app keys: Probot's `@probot/get-private-key` accepts it (and
 * PKCS#8), and `universal-github-app-jwt` on Node converts it to PKCS#8 before signing.
 */
export interface StandInKeyPair {
  /** PKCS#1 PEM, as downloaded from GitHub. */
  privateKey: string;
  /** The same key as PKCS#8 PEM, for WebCrypto-only consumers. */
  privateKeyPkcs8: string;
  /** SPKI PEM, to verify app JWTs if a test wants to. */
  publicKey: string;
}

let cached: StandInKeyPair | undefined;

/** One key pair per process: RSA key generation takes tens of milliseconds, the tests need only one. */
export function generateKeyPair(): StandInKeyPair {
  if (cached) return cached;
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  cached = {
    privateKey: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    privateKeyPkcs8: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKey: publicPem(privateKey),
  };
  return cached;
}

/** The process-wide app private key, PKCS#1 PEM (use as Probot's `privateKey` or `PRIVATE_KEY`). */
export function generatePrivateKey(): string {
  return generateKeyPair().privateKey;
}

function publicPem(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString();
}
