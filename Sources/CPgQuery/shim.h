#ifndef PRESTART_CPGQUERY_SHIM_H
#define PRESTART_CPGQUERY_SHIM_H
// PostgreSQL 15's own parser as a library (Debian: libpg-query-dev for this header, libpg-query1504.0 for the
// library; no pkg-config file). Only the types are used at build time: the functions are looked up with dlsym.
#include <pg_query.h>
#endif
