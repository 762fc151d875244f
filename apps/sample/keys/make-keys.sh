#!/bin/sh
# Makes the sample's DEMONSTRATION keys, committed so that the API and the token-minting command agree
# without set-up. Never use them for anything else: the private key and the secrets are public.
#
# - as-signing.key.pem / as-signing.cert.pem: the demo authorization server's RSA key pair (RS256); only
#   the mint command reads the private key.
# - rs-keystore.p12: the API's PKCS#12 keystore, holding only the certificate as a trusted-certificate
#   entry, alias "verification-key", store password "password", made as ForgeRock Identity Gateway's documentation makes its
#   IG_keystore.p12: `keytool -importcert` (OpenSSL 3.0 cannot mark a certificate trusted, and a
#   certificate bag without that mark is no keystore entry, for the JDK as for @rs).
# - secrets/: one base64 file per secret ID, read by directorySecretStore (like a FileSystemSecretStore):
#   the keystore password and the AES-256 key shared by the authorization server (encrypts) and the API
#   (decrypts), as for Access Management's `dir` + A128CBC-HS256 tokens.
#
# Run it from anywhere; it rewrites every file beside it.
set -eu
cd "$(dirname "$0")"
rm -rf ./*.pem ./*.p12 secrets
mkdir secrets
openssl req -x509 -newkey rsa:2048 -nodes -subj '/CN=am.sample.test/O=rs sample (demo only)' -days 36500 \
  -keyout as-signing.key.pem -out as-signing.cert.pem 2>/dev/null
keytool -importcert -noprompt -alias verification-key -file as-signing.cert.pem -keystore rs-keystore.p12 \
  -storetype PKCS12 -storepass password >/dev/null 2>&1
printf %s password | openssl base64 -A > secrets/keystore.secret.id
openssl rand -base64 32 | tr -d '\n' > secrets/stateless.access.token.decryption.key
echo "demo keys written to $(pwd)"
