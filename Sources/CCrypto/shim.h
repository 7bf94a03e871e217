// libcrypto (OpenSSL 3) for Swift: SHA-256 for content hashes, HMAC-SHA256 for webhook signatures,
// a constant-time compare. Only non-deprecated OpenSSL 3 entry points are used.
#ifndef FEEDWATCH_CCRYPTO_SHIM_H
#define FEEDWATCH_CCRYPTO_SHIM_H

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#endif
