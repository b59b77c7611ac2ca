#ifndef PRESTART_CPGQUERY_SHIM_H
#define PRESTART_CPGQUERY_SHIM_H
// PostgreSQL 15's own parser as a library (Debian: libpg-query-dev; no pkg-config file).
#include <pg_query.h>
#endif
