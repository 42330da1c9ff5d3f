import { createPublicKey, generateKeyPairSync } from "node:crypto";

let cached;
/** One key pair per process: RSA key generation takes tens of milliseconds, the tests need only one. */
export function generateKeyPair() {
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
export function generatePrivateKey() {
  return generateKeyPair().privateKey;
}
function publicPem(privateKey) {
  return createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString();
}
