#ifndef PRESTART_CLIBPQ_SHIM_H
#define PRESTART_CLIBPQ_SHIM_H
// libpq's types and constants only (Debian: libpq-dev); the functions are looked up with dlsym (LibPQ.swift). The
// path is spelled out because the target has no pkg-config, whose -I would come with -lpq.
#include <postgresql/libpq-fe.h>
#endif
