#ifndef PRESTART_CLIBPQ_SHIM_H
#define PRESTART_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
