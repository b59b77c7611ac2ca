#ifndef PRESTART_CLIBCRYPTO_SHIM_H
#define PRESTART_CLIBCRYPTO_SHIM_H
// OpenSSL's libcrypto, for digests: its constants only (EVP_MAX_MD_SIZE); the functions are looked up with dlsym.
#include <openssl/evp.h>
#endif
