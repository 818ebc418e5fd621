#ifndef GENIE_CBLAS_SHIM_H
#define GENIE_CBLAS_SHIM_H
// Debian installs OpenBLAS's cblas.h through the alternatives system; include it by its
// own name so that the reference BLAS never shadows it.
#include <x86_64-linux-gnu/cblas-openblas.h>
#endif
