#ifndef PRESTART_CLIBCRYPTO_SHIM_H
#define PRESTART_CLIBCRYPTO_SHIM_H
// OpenSSL's libcrypto, for digests: libpq loads it anyway (TLS, SCRAM), so it costs the binary nothing at start.
#include <openssl/evp.h>
#endif
